"""What a view is built from: the runner that answers and the interface's options, without the Interface itself."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..flagging import FlagStore
    from ..runtime.runner import Runner
    from .view import InterfaceView

__all__ = ["Flagging", "ViewSpec"]


@dataclass(frozen=True)
class Flagging:
    """The Flag control's options: reasons to choose from, the longest message, and the store (opened on first use)."""

    options: list[str]
    max_message_chars: int
    store: Callable[[], FlagStore]


@dataclass(frozen=True)
class ViewSpec:
    """Everything one viewer's widget tree needs; the runner (model, pipeline, queue) is shared by every view."""

    runner: Runner
    examples: list[list[Any]] = field(default_factory=list)
    title: str | None = None
    description: str | None = None
    live: bool = False
    flagging: Flagging | None = None
    interpretation: Any = None
    on_close: Callable[[InterfaceView], None] | None = None
    """Called when the view closes (the Interface forgets it)."""
    example_captions: list[str] = field(default_factory=list)
    """Each example's caption ("" for none), shown under its thumbnail."""
