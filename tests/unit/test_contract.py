"""One contract for every registered component: conversions round-trip, flag values store and load, previews and
example values exist. A new component is checked here the moment it is registered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import nbshare
from nbshare.flagging import FlagStore
from nbshare.values.stored import as_stored
from nbshare.widgets import COMPONENTS, shortcuts


def _instances() -> list[Any]:
    made = []
    for cls in COMPONENTS:
        for role in sorted(cls.roles):
            made.append(pytest.param(cls, role, id=f"{cls.__name__}-{role}"))
    return made


def _component(cls: type, role: str) -> Any:
    if cls.__name__ in ("Dropdown", "Radio"):
        return cls(choices=["low", "high"], interactive=role == "input")
    return cls(interactive=role == "input")


@pytest.mark.parametrize(("cls", "role"), _instances())
def test_every_component_keeps_the_contract(cls: type, role: str, tmp_path: Path) -> None:
    component = _component(cls, role)
    wire = component.example_value()  # a valid wire value
    if role == "input":  # it converts for the function, and what the function gets converts back (examples)
        python = component.preprocess(wire)
        again = component.preprocess(component.postprocess(python))
        assert type(again) is type(python)
        preview = component.preview(python)
        assert isinstance(preview, str | bytes) and preview != b""
    assert component.expects and component.expects != "a value", f"{cls.__name__} says nothing of what it expects"

    component.value = wire
    held = component.value
    store = FlagStore(tmp_path / "flags")
    record = store.append({"message": "m"}, {"x": {"role": role, "value": component.to_stored(component.value)}})
    entry = record["values"]["x"]
    assert isinstance(entry["kind"], str)
    loaded = store.load_value(entry)
    frame = store.dataframe()
    assert "x" in frame.columns and len(frame) == 1
    if role == "input":  # what comes back goes into the component as it is and converts like what was stored
        component.value = loaded
        assert type(component.preprocess(component.value)) is type(component.preprocess(held))


def test_every_component_is_exported_and_reachable_by_its_shortcuts() -> None:
    for cls in COMPONENTS:
        assert getattr(nbshare, cls.__name__) is cls and cls.__name__ in nbshare.__all__
        for role, names in cls.shortcuts.items():
            assert role in cls.roles, f"{cls.__name__} has {role} shortcuts but is not an {role} component"
            for name in names:
                assert shortcuts(role)[name] is cls


def test_a_new_component_registers_itself_with_its_shortcut() -> None:
    from nbshare.widgets import _component, resolve

    before = list(_component._REGISTRY)
    try:

        class Stars(nbshare.Number):
            shortcuts = {"input": ("stars",)}  # noqa: RUF012 (as every component declares it)
            expects = "a number of stars"

        assert resolve("stars", "input").declared_class() is Stars
    finally:
        _component._REGISTRY[:] = before


def test_values_that_know_their_kind_store_themselves_and_others_are_json(tmp_path: Path) -> None:
    image = nbshare.EditedImage(__import__("numpy").zeros((4, 4, 3), dtype="uint8"))
    assert as_stored(image) is image
    assert as_stored({"a": 1}).to_record(FlagStore(tmp_path), "s") == {"kind": "value", "value": {"a": 1}}
