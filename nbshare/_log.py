"""The package's logger; tracebacks go to the kernel's own stderr (its log), not into a notebook cell."""

from __future__ import annotations

import logging
import sys

logger = logging.getLogger("nbshare")


def log_exception(message: str, error: BaseException) -> None:
    """Log ``message`` with ``error``'s traceback to the kernel log.

    The handler is attached on first use rather than at import, so importing nbshare has no side effects.
    ``sys.__stderr__`` is the process's real stderr: inside ipykernel ``sys.stderr`` would print the
    traceback into whichever cell ran last.
    """
    if not logger.handlers:
        handler = logging.StreamHandler(sys.__stderr__)
        handler.setFormatter(logging.Formatter("[nbshare %(levelname)s] %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.error(message, exc_info=error)
