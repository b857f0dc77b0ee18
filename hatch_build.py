"""Build hook: bundle the front end with esbuild (npm): each component module into nbshare/js/dist, and the standalone
page's widget manager into nbshare/js/host/dist."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class HostBundleHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        root = Path(self.root)
        npm = shutil.which("npm")
        if npm is None:
            raise RuntimeError(
                "building nbshare needs Node.js and npm (the components' front-end modules and the shared page's "
                "widget manager are bundled with esbuild); install Node.js 18 or newer, or install nbshare from a "
                "published wheel"
            )
        lock = root / "package-lock.json"
        installed = root / "node_modules" / ".package-lock.json"
        if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
            subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=root, check=True)
        subprocess.run([npm, "run", "build"], cwd=root, check=True)
        build_data["artifacts"].append("nbshare/js/dist/")
        build_data["artifacts"].append("nbshare/js/host/dist/")
