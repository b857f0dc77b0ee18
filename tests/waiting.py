"""Waiting in tests: for a condition, within a generous bound that is never a measure of speed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def until(condition: Callable[[], Any], within: float = 10) -> None:
    """Wait for ``condition`` (a generous bound, never a measure of speed)."""
    deadline = time.monotonic() + within
    while not condition():
        assert time.monotonic() < deadline, "the condition did not become true"
        time.sleep(0.005)
