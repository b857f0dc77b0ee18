"""The app a container serves (see Dockerfile): any script that creates an ``nbshare.Interface`` will do.

Replace ``shout`` with your model; ``nbshare serve app.py`` finds the Interface by itself.
"""

import nbshare


def shout(text: str) -> str:
    """A stand-in for a model: the text, louder."""
    return text.upper() + "!"


demo = nbshare.Interface(
    shout,
    "text",
    "text",
    title="Shout",
    description="A tiny example served by `nbshare serve` behind a reverse proxy.",
    examples=["hello"],
)
