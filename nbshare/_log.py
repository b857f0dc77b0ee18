"""The package's logger; tracebacks go to the kernel's own stderr (its log), not into a notebook cell."""

from __future__ import annotations

import logging
import math
import sys
import threading
import time

logger = logging.getLogger("nbshare")


def _ready() -> logging.Logger:
    """The logger, its handler attached on first use rather than at import (importing has no side effects).

    ``sys.__stderr__`` is the process's real stderr: inside ipykernel ``sys.stderr`` would print into whichever
    cell ran last.
    """
    if not logger.handlers:
        handler = logging.StreamHandler(sys.__stderr__)
        handler.setFormatter(logging.Formatter("[nbshare %(levelname)s] %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


def log_exception(message: str, error: BaseException) -> None:
    """Log ``message`` with ``error``'s traceback to the kernel log."""
    _ready().error(message, exc_info=error)


def log(message: str) -> None:
    """Log one line (no traceback) to the kernel log."""
    _ready().warning(message)


def visitor_text(text: str, limit: int = 300) -> str:
    """``text`` a visitor caused, safe for one log line: control characters escaped, cut to ``limit`` characters."""
    shown = text if len(text) <= limit else text[: limit - 1] + "…"
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in shown)


class VisitorLog:
    """The log lines one visitor's messages cause: at most ``limit`` per ``period`` seconds, then one line saying
    how many were left out (so a page sending garbage in a loop cannot flood the kernel's log).

    Thread-safe: the session's worker, the server and the inference workers may all report.
    """

    def __init__(self, who: str, limit: int = 10, period: float = 60.0) -> None:
        self.who = who
        self.limit = limit
        self.period = period
        self._lock = threading.Lock()
        self._window_start = -math.inf
        self._count = 0
        self._left_out = 0

    def warning(self, message: str) -> None:
        """One line (no traceback): a refused message."""
        self._emit(message, None)

    def exception(self, message: str, error: BaseException) -> None:
        """A line with ``error``'s traceback: a defect a visitor's message ran into."""
        self._emit(message, error)

    def flush(self) -> None:
        """Write the count of lines left out, if any (the session ends)."""
        with self._lock:
            summary = self._summary()
        if summary:
            _ready().warning(summary)

    def _emit(self, message: str, error: BaseException | None) -> None:
        now = time.monotonic()
        with self._lock:
            summary = ""
            if now - self._window_start >= self.period:
                summary = self._summary()
                self._window_start, self._count = now, 0
            self._count += 1
            shown = self._count <= self.limit
            if not shown:
                self._left_out += 1
            last = self._count == self.limit
        logger = _ready()
        if summary:
            logger.warning(summary)
        if not shown:
            return
        line = f"visitor {self.who}: {message}"
        if error is None:
            logger.warning(line)
        else:
            logger.error(line, exc_info=error)
        if last:
            logger.warning(f"visitor {self.who}: further lines are left out for the next {self.period:.0f} s")

    def _summary(self) -> str:
        """The "left out" line for the window that ends (call with the lock held); resets the count."""
        left_out, self._left_out = self._left_out, 0
        if not left_out:
            return ""
        return f"visitor {self.who}: {left_out} more line(s) were left out of the log in {self.period:.0f} s"
