"""Keras 3 on the torch, JAX and TensorFlow backends, and TensorFlow SavedModels: real models built in the test,
through predict, process, explain and a notebook view. Each backend runs keras_cases.py in a fresh process (Keras
fixes its backend on first import)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from libraries import require

CASES = Path(__file__).with_name("keras_cases.py")
ALL_CASES = sorted(
    line.split("(")[0].removeprefix("def ") for line in CASES.read_text().splitlines() if line.startswith("def case_")
)


@pytest.mark.parametrize("backend", ["torch", "jax", "tensorflow"])
def test_keras_models_on_each_backend(backend: str) -> None:
    require("keras")
    require(backend)
    environment = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run(
        [sys.executable, str(CASES)], capture_output=True, text=True, env=environment, timeout=280, check=False
    )
    passed = sorted(line.split()[1] for line in run.stdout.splitlines() if line.startswith("passed "))
    assert run.returncode == 0 and passed == ALL_CASES, f"{run.stdout}\n{run.stderr[-6000:]}"
