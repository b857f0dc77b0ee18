"""The package's logger; tracebacks go to the kernel's own stderr (its log), not into a notebook cell."""

from __future__ import annotations

import logging
import sys

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
