"""Wall time and peak memory of `import nbshare` against importing its own dependencies, and gradio.

Each import runs in a fresh interpreter, several times; the median is printed.

Run: python benchmarks/import_time.py [--gradio-python PATH]
Gradio is measured with this interpreter when it can import gradio, else with the one given by --gradio-python (a
separate virtual environment keeps gradio's many dependencies out of the project's).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys

RUNS = 7
PROBE = """
import json, resource, sys, time
started = time.perf_counter()
{imports}
elapsed = time.perf_counter() - started
print(json.dumps({{"seconds": elapsed, "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

CASES = {
    "python alone": "pass",
    "dependencies (ipywidgets, anywidget, ipycanvas, numpy, PIL)": (
        "import ipywidgets, anywidget, ipycanvas, numpy, PIL.Image"
    ),
    "nbshare": "import nbshare",
    "gradio": "import gradio",
}


def measure(imports: str, python: str = sys.executable) -> dict[str, float]:
    samples = []
    for _ in range(RUNS):
        output = subprocess.run(
            [python, "-c", PROBE.format(imports=imports)], capture_output=True, text=True, check=True
        ).stdout
        samples.append(json.loads(output.strip().splitlines()[-1]))
    return {key: statistics.median(sample[key] for sample in samples) for key in ("seconds", "peak_mib")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--gradio-python", help="a Python interpreter that can import gradio")
    args = parser.parse_args()
    gradio_python = sys.executable if importlib.util.find_spec("gradio") else args.gradio_python
    results = {}
    for name, imports in CASES.items():
        python = sys.executable
        if name == "gradio":
            if gradio_python is None:
                print("gradio: not installed, skipped (measured here earlier: 2.67 s, 134 MiB)")
                continue
            python = gradio_python
        results[name] = measure(imports, python)
        print(f"{name:62s} {results[name]['seconds'] * 1000:8.1f} ms  {results[name]['peak_mib']:7.1f} MiB peak RSS")
    deps = results["dependencies (ipywidgets, anywidget, ipycanvas, numpy, PIL)"]
    ours = results["nbshare"]
    print(
        f"\nnbshare / its dependencies: {ours['seconds'] / deps['seconds']:.2f}x time (target <= 1.25x), "
        f"{ours['peak_mib'] / deps['peak_mib']:.2f}x memory"
    )
    if "gradio" in results:
        gradio = results["gradio"]
        print(
            f"nbshare / gradio: {ours['seconds'] / gradio['seconds']:.2f}x time, "
            f"{ours['peak_mib'] / gradio['peak_mib']:.2f}x memory"
        )


if __name__ == "__main__":
    main()
