"""Radio input: the same choice logic as Dropdown, shown as a group of radio buttons."""

from __future__ import annotations

from .._assets import component_esm
from .dropdown import Dropdown


class Radio(Dropdown):
    """Pick one of ``choices`` from radio buttons (best for a handful of options)."""

    _esm = component_esm("radio.js")
    shortcuts = {"input": ("radio",)}
