"""Wall time and peak memory of `import nbshare` against importing its own dependencies, and gradio.

Each import runs in a fresh interpreter, several times; the median is printed.

Also the ratio the layers issue asks for: whole processes (interpreter start included), nbshare and its dependencies
run in alternating pairs so both see the same load, and how many of nbshare's own modules load at import.

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
import time

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


def paired_whole_process(pairs: int = 15) -> None:
    """Whole-process wall time of `import nbshare` against its dependencies, in alternating pairs."""
    deps_code, ours_code = CASES["dependencies (ipywidgets, anywidget, ipycanvas, numpy, PIL)"], CASES["nbshare"]

    def seconds(code: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - started

    seconds(ours_code)  # warm the file cache and the bytecode
    deps, ours = [], []
    for index in range(pairs):
        pair = [(deps, deps_code), (ours, ours_code)]
        for samples, code in pair if index % 2 == 0 else reversed(pair):
            samples.append(seconds(code))
    count = subprocess.run(
        [sys.executable, "-c", "import sys, nbshare; print(sum(m.startswith('nbshare') for m in sys.modules))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    base, full = statistics.median(deps), statistics.median(ours)
    print(
        f"\nwhole process, {pairs} alternating pairs: dependencies {base * 1000:.0f} ms, nbshare {full * 1000:.0f} ms "
        f"-> {full / base:.2f}x (target <= 1.25x); {count} nbshare modules loaded at import"
    )


if __name__ == "__main__":
    main()
    paired_whole_process()
