"""`pip install nbshare` then `nbshare demo`, as a new user would: a wheel built from the source, installed into a
fresh virtual environment, run from a folder far from the clone. And the demo's shipped model is the notebook's."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from harness import REPO
from page_client import run
from test_cli import serve, visit_the_demo

BUILD_FILES = ["pyproject.toml", "README.md", "hatch_build.py", "package.json", "package-lock.json"]


def build_wheel(folder: Path) -> Path:
    """Build nbshare's wheel from a copy of the source (the checkout is left alone; npm's packages are shared)."""
    source = folder / "source"
    shutil.copytree(
        REPO / "nbshare", source / "nbshare", ignore=shutil.ignore_patterns("dist", "__pycache__", "nbshare_flags")
    )
    for name in BUILD_FILES:
        shutil.copy2(REPO / name, source / name)
    if (REPO / "node_modules").is_dir():
        (source / "node_modules").symlink_to(REPO / "node_modules")
    wheels = folder / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = wheels.glob("nbshare-*.whl")
    return wheel


@pytest.mark.timeout(180)
def test_the_wheel_serves_the_pacemaker_demo_far_from_the_clone(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    with zipfile.ZipFile(wheel) as archive:
        demo_bytes = sum(info.file_size for info in archive.infolist() if info.filename.startswith("nbshare/demo/"))
        names = set(archive.namelist())
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert {"nbshare/demo/assets/pacemaker-v1.npz", "nbshare/demo/assets/with-device.png"} <= names
    assert {"nbshare/js/dist/links.js", "nbshare/js/host/dist/main.js"} <= names
    assert demo_bytes < 100_000, f"the demo adds {demo_bytes:,} bytes to the wheel"
    # The package index page: no image link that only resolves inside the repository.
    assert "# nbshare" in metadata and "nbshare demo" in metadata
    assert re.findall(r"!\[[^\]]*\]\((?!https?://)[^)]*\)", metadata) == []

    # A fresh environment that reuses the installed dependencies; only nbshare comes from the wheel.
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--ignore-installed",
         str(wheel)],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    where = subprocess.run(
        [str(python), "-c", "import nbshare; print(nbshare.__file__)"], cwd=elsewhere, capture_output=True, text=True
    )
    assert where.stdout.strip().startswith(str(venv)), where.stdout + where.stderr  # not the clone's package

    for url, printed in serve(["demo"], elsewhere, nbshare=[str(venv / "bin" / "nbshare")]):
        assert "Training" not in printed
        flags = elsewhere.resolve() / "nbshare_flags" / "pacemaker-detector"
        assert f"Flags sent from the page are written to {flags}" in printed
        run(visit_the_demo(url))


def test_the_shipped_demo_is_the_notebooks_model() -> None:
    """The weights and frames in nbshare/demo/assets are what notebooks/pacemaker.ipynb trains and shows (rebuild
    them with `python -m nbshare.demo._build` after changing the notebook)."""
    pytest.importorskip("sklearn")
    from nbshare.demo import pacemaker
    from nbshare.demo._build import notebook_model

    notebook = notebook_model()
    shipped = pacemaker.LogisticModel.load()
    frames = notebook["frames"]
    assert shipped.classes_ == [str(name) for name in notebook["model"].classes_]
    rows = notebook["features"](frames[:200])
    np.testing.assert_allclose(shipped.predict_proba(rows), notebook["model"].predict_proba(rows), atol=1e-6)
    for shown, example in zip(pacemaker.example_frames(), frames[:2], strict=True):
        assert np.array_equal(shown, example)
    # The story the demo tells: the device is found, and missed once the frame is flipped.
    classify = pacemaker.classifier(shipped)
    assert max(classify(frames[0]), key=classify(frames[0]).get) == "pacemaker"
    flipped = classify(frames[0][:, ::-1].copy())
    assert max(flipped, key=flipped.get) == "no pacemaker"
