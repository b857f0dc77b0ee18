"""What the server may send besides the page itself: a fixed table built at start-up, looked up by name.

No part of a request is ever joined to a file-system path: a request names an entry of these tables or gets 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from jupyter_core.paths import jupyter_path

HOST_DIR = Path(__file__).resolve().parent.parent / "js" / "host"
BUNDLE_DIR = HOST_DIR / "dist"

__all__ = ["Asset", "bundle_assets", "page_template", "widget_modules"]


@dataclass(frozen=True)
class Asset:
    path: Path
    content_type: str


def bundle_assets() -> dict[str, Asset]:
    """The page's own widget manager and styles, built by esbuild when the package was built."""
    assets = {
        "main.js": Asset(BUNDLE_DIR / "main.js", "text/javascript; charset=utf-8"),
        "main.css": Asset(BUNDLE_DIR / "main.css", "text/css; charset=utf-8"),
    }
    missing = [name for name, asset in assets.items() if not asset.path.is_file()]
    if missing:
        raise RuntimeError(
            f"the shared page's bundle is missing ({', '.join(missing)} in {BUNDLE_DIR}); it is built when the "
            "package is installed: run pip install -e . (Node.js and npm are needed to build from source)"
        )
    return assets


def widget_modules() -> dict[str, Asset]:
    """Each installed widget package's front-end (its AMD ``nbextension/<name>/index.js``), by module name.

    The first directory of Jupyter's data path that has a package wins, as in the classic notebook.
    """
    modules: dict[str, Asset] = {}
    for data_dir in jupyter_path("nbextensions"):
        root = Path(data_dir)
        if not root.is_dir():
            continue
        for index in sorted([*root.glob("*/index.js"), *root.glob("@*/*/index.js")]):
            name = index.parent.relative_to(root).as_posix()
            modules.setdefault(name, Asset(index, "text/javascript; charset=utf-8"))
    return modules


def page_template(name: str) -> str:
    return (HOST_DIR / name).read_text(encoding="utf-8")
