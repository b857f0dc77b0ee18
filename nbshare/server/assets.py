"""What the server may send besides the page itself: fixed tables built at start-up, looked up by name.

No part of a request is ever joined to a file-system path: a request names an entry of these tables or gets 404.
Every entry is named by a hash of its bytes (``main.<hash>.js``), so a browser may keep it for good: a new build or
a new version of a widget package is a new name, which the page (sent anew on each visit) refers to. The bytes are
read once and kept, with their gzip and brotli forms, so what a name stands for never changes while the server runs.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from jupyter_core.paths import jupyter_path

HOST_DIR = Path(__file__).resolve().parent.parent / "js" / "host"
BUNDLE_DIR = HOST_DIR / "dist"
BUNDLE_FILES = {"boot.js": "text/javascript", "main.js": "text/javascript", "main.css": "text/css"}
HASH_CHARS = 16

__all__ = ["Asset", "Bundle", "WidgetModules", "accepted_coding", "bundle_assets", "page_template", "widget_modules"]


@dataclass(frozen=True)
class Asset:
    """One file, in memory: its bytes, the smaller compressed forms of them, and the name it is served by."""

    name: str
    """The last part of its address: its file name with a hash of its bytes before the suffix."""
    content_type: str
    data: bytes
    encoded: Mapping[str, bytes] = field(default_factory=dict)
    """``'br'`` / ``'gzip'``: the same bytes compressed (only the forms smaller than ``data``)."""

    def body(self, accept_encoding: str) -> tuple[str | None, bytes]:
        """The smallest form the client accepts, and its Content-Encoding (None: as is)."""
        for coding in sorted(self.encoded, key=lambda name: len(self.encoded[name])):
            if accepted_coding(accept_encoding, coding):
                return coding, self.encoded[coding]
        return None, self.data


class Bundle:
    """The page's own files (``js/host/dist``, built by ``npm run build:host``), by their served name."""

    def __init__(self, assets: Mapping[str, Asset], main_imports: Sequence[str] = ()) -> None:
        self._by_file = dict(assets)
        self._by_name = {asset.name: asset for asset in assets.values()}
        self.main_imports = [name for name in main_imports if name in self._by_file]
        """The chunks main.js imports (and they import): the page preloads them beside it."""

    def get(self, name: str) -> Asset | None:
        return self._by_name.get(name)

    def name(self, file: str) -> str:
        """The name a built file is served by: ``main.js`` -> ``main.<hash>.js``."""
        return self._by_file[file].name

    def url(self, file: str) -> str:
        """Where the page finds a built file, relative to the page: ``static/main.<hash>.js``."""
        return "static/" + self.name(file)


class WidgetModules:
    """Each installed widget package's front-end (its AMD ``nbextension/<name>/index.js``), by module name."""

    def __init__(self, modules: Mapping[str, Asset]) -> None:
        self._by_module = dict(modules)
        self._by_name = {asset.name: asset for asset in modules.values()}

    def get(self, name: str) -> Asset | None:
        """The module served as ``widgets/<name>``, e.g. ``ipycanvas.<hash>.js``."""
        return self._by_name.get(name)

    def urls(self) -> dict[str, str]:
        """Module name -> its address relative to the page, for the page's module table."""
        return {module: "widgets/" + quote(asset.name) for module, asset in self._by_module.items()}


def bundle_assets() -> Bundle:
    """The page's boot script, widget manager (with its chunks) and styles, built by esbuild when the package was
    built, with the brotli and gzip forms the build made (``manifest.json`` says from which bytes; else gzip is
    made here). The entry files get a hash in their served name; the chunks have esbuild's already."""
    missing = [name for name in BUNDLE_FILES if not (BUNDLE_DIR / name).is_file()]
    if missing:
        raise RuntimeError(
            f"the shared page's bundle is missing ({', '.join(missing)} in {BUNDLE_DIR}); it is built when the "
            "package is installed: run pip install -e . (Node.js and npm are needed to build from source)"
        )
    try:
        manifest = json.loads((BUNDLE_DIR / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        manifest = {}
    built = manifest.get("files", {})
    files = {name: (content_type, False) for name, content_type in BUNDLE_FILES.items()}
    files.update({chunk.name: ("text/javascript", True) for chunk in sorted(BUNDLE_DIR.glob("chunk.*.js"))})
    assets = {
        name: _asset(BUNDLE_DIR / name, content_type, built.get(name, {}).get("sha256", ""), keep_name=named)
        for name, (content_type, named) in files.items()
    }
    return Bundle(assets, manifest.get("imports", {}).get("main.js", []))


def widget_modules() -> WidgetModules:
    """The widget packages installed in Jupyter's data path; the first directory that has a package wins, as in the
    classic notebook. Read, hashed and compressed once per file version (a second server reuses them)."""
    found: dict[str, Path] = {}
    for data_dir in jupyter_path("nbextensions"):
        root = Path(data_dir)
        if not root.is_dir():
            continue
        for index in sorted([*root.glob("*/index.js"), *root.glob("@*/*/index.js")]):
            found.setdefault(index.parent.relative_to(root).as_posix(), index)
    modules = {}
    for module, path in found.items():
        try:
            modules[module] = _asset(path, "text/javascript", stem=module)
        except OSError:  # removed or unreadable since the scan: as if not installed
            continue
    return WidgetModules(modules)


def page_template(name: str) -> str:
    return (HOST_DIR / name).read_text(encoding="utf-8")


def accepted_coding(accept_encoding: str, coding: str) -> bool:
    """Whether an ``Accept-Encoding`` header accepts ``coding`` (named, or by ``*``, with a q-value above 0)."""
    weights: dict[str, float] = {}
    for part in accept_encoding.lower().split(","):
        name, *params = (piece.strip() for piece in part.split(";"))
        weight = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        if name:
            weights[name] = weight
    return weights.get(coding, weights.get("*", 0.0)) > 0


def _asset(
    path: Path, content_type: str, built_from: str = "", stem: str | None = None, keep_name: bool = False
) -> Asset:
    stat = path.stat()
    return _read(path, stat.st_mtime_ns, stat.st_size, content_type, built_from, stem, keep_name)


@functools.lru_cache(maxsize=256)
def _read(
    path: Path, _mtime_ns: int, _size: int, content_type: str, built_from: str, stem: str | None, keep_name: bool
) -> Asset:
    """``path``'s bytes and their compressed forms: the build's ``.br``/``.gz`` when it made them from these bytes
    (``built_from`` is their SHA-256), else gzip made now. Served as ``<stem>.<hash>.<suffix>``, or by its own
    name when that holds a hash of its bytes already (``keep_name``). Cached by the file's version."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    encoded: dict[str, bytes] = {}
    if built_from == digest:
        for coding, suffix in (("br", ".br"), ("gzip", ".gz")):
            sibling = path.with_name(path.name + suffix)
            if sibling.is_file():
                encoded[coding] = sibling.read_bytes()
    if "gzip" not in encoded:
        encoded["gzip"] = gzip.compress(data, compresslevel=9, mtime=0)
    smaller = {coding: body for coding, body in encoded.items() if len(body) < len(data)}
    base, dot, suffix = path.name.rpartition(".")
    name = path.name if keep_name else f"{stem or base}.{digest[:HASH_CHARS]}{dot}{suffix}"
    return Asset(name, f"{content_type}; charset=utf-8", data, smaller)
