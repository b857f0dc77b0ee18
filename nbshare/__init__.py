"""nbshare: wrap any model in an interactive interface inside a notebook cell, and share it."""

from __future__ import annotations

from . import widgets
from ._errors import InputError
from ._version import __version__
from .flagging import FlagError, export_csv, load_flags
from .interface import Interface, ModelStuck, ModelTimeout, OutputError, ValidationError
from .runtime.example_rows import Example
from .saliency import Gradient, Occlusion
from .values.edits import EditedImage, replay
from .values.sound import EditedAudio, replay_audio
from .values.video import replay_video
from .values.video_clip import EditedVideo
from .widgets import *  # noqa: F403 (the components, from the one registry in nbshare.widgets)
from .widgets import Component

__all__ = [
    "Client",
    "ClientError",
    "Component",
    "EditedAudio",
    "EditedImage",
    "EditedVideo",
    "Example",
    "Explanation",
    "FlagError",
    "Gradient",
    "InputError",
    "Interface",
    "Link",
    "ModelStuck",
    "ModelTimeout",
    "Occlusion",
    "OutputError",
    "ShareError",
    "ValidationError",
    "__version__",
    "export_csv",
    "load_flags",
    "replay",
    "replay_audio",
    "replay_video",
    *(cls.__name__ for cls in widgets.COMPONENTS),
]


def __getattr__(name: str) -> object:
    # The sharing side (tornado, the server) loads on first use, so `import nbshare` stays light.
    if name in ("Link", "ShareError"):
        from . import share

        return getattr(share, name)
    if name in ("Client", "ClientError"):  # the HTTP API's client, also on first use
        from . import client

        return getattr(client, name)
    if name == "Explanation":  # the explanation machinery loads on first use too
        from .saliency.explain_run import Explanation

        return Explanation
    raise AttributeError(f"module 'nbshare' has no attribute {name!r}")
