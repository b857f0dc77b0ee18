"""Where the front-end files are: the components' bundled modules and the theme.

Each component's ES module (``js/<name>.js``, importing ``js/helpers.js`` and ``js/upload.js``) is bundled by esbuild
into ``js/dist/<name>.js`` by ``npm run build`` (run by the package build, so ``pip install -e .`` too); the bundles
are not committed. ``npm run dev`` rebuilds them on every save, and with ``ANYWIDGET_HMR=1`` anywidget reloads the
views, because ``_esm`` is the bundle's path, not its text.

A leaf module: the standard library only.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["DIST_DIR", "JS_DIR", "component_esm", "theme_css"]

JS_DIR = Path(__file__).resolve().parent / "js"
"""The front-end sources: one ES module per component, the shared helpers, ``theme.css``."""

DIST_DIR = JS_DIR / "dist"
"""The bundled component modules, built from ``JS_DIR`` by ``npm run build`` (never committed)."""


def component_esm(name: str) -> Path:
    """The bundled front-end module for a component, as a path for anywidget's ``_esm``.

    Parameters
    ----------
    name
        The source module's file name in ``nbshare/js``, such as ``"number.js"``.

    Returns
    -------
    Path
        ``nbshare/js/dist/<name>``. A path, not its text, so that anywidget's hot reload (``ANYWIDGET_HMR=1``) watches
        the bundle while ``npm run dev`` rebuilds it.

    Raises
    ------
    ValueError
        If ``nbshare/js`` has no module called ``name``.
    RuntimeError
        If the module has not been bundled (a source checkout where ``npm run build`` has not run).
    """
    bundle = DIST_DIR / name
    if bundle.is_file():
        return bundle
    if not (JS_DIR / name).is_file():
        raise ValueError(f"nbshare has no front-end module {name!r}; the modules are the .js files in {JS_DIR}")
    raise RuntimeError(
        f"nbshare's front-end bundle {bundle} is missing: run `npm install && npm run build` in "
        f"{JS_DIR.parent.parent} (Node.js 18 or newer), or reinstall with `pip install -e .`, which builds it"
    )


def theme_css() -> Path:
    """The shared stylesheet (``nbshare/js/theme.css``), as a path for anywidget's ``_css``."""
    return JS_DIR / "theme.css"
