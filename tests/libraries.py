"""The model libraries the tests in tests/models need: skipped on a developer machine without them, a failure under
CI=true (where `.ci/run` installs the `models` extra)."""

from __future__ import annotations

import importlib
import os
from types import ModuleType

import pytest


def require(name: str) -> ModuleType:
    """Import ``name``, or skip the test (fail it under CI=true) saying how to install it."""
    try:
        return importlib.import_module(name)
    except ImportError as error:
        reason = f'{name} is not installed ({error}): pip install -e ".[test,models]"'
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason, allow_module_level=True)
