"""The package's layers: every import (lazy and TYPE_CHECKING ones too) points down or sideways, never up."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "nbshare"

# Lowest first. A module may import modules of its own layer or of layers below it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("leaves", ("_errors", "_log", "_html", "_version", "_routing", "_assets")),
    ("values", ("values",)),
    ("components", ("widgets",)),
    ("runtime", ("runtime",)),
    ("explain and flags", ("saliency", "flagging")),
    ("ui", ("ui",)),
    ("facade", ("interface",)),
    ("sharing", ("share", "ssh_tunnel", "client", "server", "cli", "demo", "__main__", "__init__")),
]
# The one import that points up, on purpose: Interface.launch() is the public door to sharing and loads share.py
# (tornado, the server) on first use; share.py itself only receives the Interface.
ALLOWED_UPWARD = {("interface", "share")}
RANK = {prefix: rank for rank, (_name, prefixes) in enumerate(LAYERS) for prefix in prefixes}


def _module(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _rank(module: str) -> int:
    first = module.split(".")[0]
    if first not in RANK:
        raise AssertionError(f"nbshare.{module} belongs to no layer; add it to LAYERS in {Path(__file__).name}")
    return RANK[first]


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module inside nbshare) for every import in ``path``, wherever it stands."""
    return _imports_in(path.read_text(), _module(path), path.name == "__init__.py")


def _imports_in(source: str, module: str, is_package: bool) -> list[tuple[int, str]]:
    package = module.split(".") if is_package else module.split(".")[:-1]
    if is_package and module == "__init__":
        package = []
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
            target = [*base, *(node.module.split(".") if node.module else [])]
            names = [alias.name for alias in node.names]
            if target:
                found.append((node.lineno, ".".join(target)))
            else:  # from . import x: each x is a module (or a name) of the package root
                found.extend((node.lineno, name) for name in names if name != "*")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nbshare."):
            found.append((node.lineno, node.module.removeprefix("nbshare.")))  # type: ignore[union-attr]
        elif isinstance(node, ast.Import):
            found.extend(
                (node.lineno, a.name.removeprefix("nbshare.")) for a in node.names if a.name.startswith("nbshare.")
            )
    return found


def test_every_import_points_down_the_layers() -> None:
    upward = []
    for path in sorted(PACKAGE.rglob("*.py")):
        here = _module(path)
        for line, target in _imports(path):
            if target == "__version__":
                target = "_version"
            if _rank(target) > _rank(here) and (here, target) not in ALLOWED_UPWARD:
                layer, own = LAYERS[_rank(target)][0], LAYERS[_rank(here)][0]
                upward.append(f"nbshare/{path.relative_to(PACKAGE)}:{line} imports {target} ({layer}) from {own}")
    assert upward == []


def test_nothing_below_the_facade_names_the_interface() -> None:
    named = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if _rank(_module(path)) < RANK["interface"] and "Interface" in {
            node.id for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.Name)
        } | {alias.name for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.ImportFrom)
             for alias in node.names}
    ]  # fmt: skip
    assert named == []


def test_module_names_are_unique_across_the_package() -> None:
    names: dict[str, list[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name != "__init__.py":
            names.setdefault(path.stem, []).append(str(path.relative_to(PACKAGE)))
    assert {name: paths for name, paths in names.items() if len(paths) > 1} == {}


def test_no_module_is_over_400_lines() -> None:
    long = {
        str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 400
    }
    assert long == {}


def test_the_layer_check_sees_an_upward_import() -> None:
    # The check itself must be able to fail: a values module importing a component, and lazily the facade, is caught.
    source = "from ..widgets import Image\n\ndef f():\n    from ..interface import Interface\n"
    found = _imports_in(source, "values.probe", is_package=False)
    assert found == [(1, "widgets"), (4, "interface")]
    assert all(_rank(target) > _rank("values.probe") for _line, target in found)
