"""Throughput of an interface over a Ray Serve deployment of a 50 ms model, with 1 and 2 replicas.

The model holds its replica for 50 ms per request (``max_ongoing_requests=1``, as a model on one GPU would), on a local
Ray instance. For each replica count: 40 requests through ``iface.predict`` from 8 threads (as 8 visitors would send
them) with the kind's default ``concurrency_limit`` (8), with it set to the number of replicas, and with 1 (one request
at a time, as a model in the kernel is called); and 40 rows through ``iface.process``, whose ``max_batch_size`` rows are
sent at once. Reference: the same 50 ms function called 40 times in the kernel.

Run: python benchmarks/ray_serve.py
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import nbshare

REQUESTS = 40
THREADS = 8
MODEL_SECONDS = 0.05


def model(x: float) -> float:
    time.sleep(MODEL_SECONDS)  # the work of a 50 ms model
    return 2 * x


def per_second(run: Callable[[], object]) -> float:
    started = time.perf_counter()
    run()
    return REQUESTS / (time.perf_counter() - started)


def measure(handle: object, replicas: int) -> dict[str, float]:
    rows = [float(i) for i in range(REQUESTS)]
    expected = [2 * x for x in rows]
    figures = {}
    for name, limit in (("default (8)", None), ("= replicas", replicas), ("1", 1)):
        iface = nbshare.Interface(handle, "number", "number", concurrency_limit=limit)
        assert [iface.predict(x) for x in rows[:4]] == expected[:4]  # warm up

        def from_threads(iface: nbshare.Interface = iface) -> None:
            with ThreadPoolExecutor(THREADS) as pool:
                assert list(pool.map(iface.predict, rows)) == expected

        figures[f"predict x{THREADS} threads, limit {name}"] = per_second(from_threads)
    for name, size in (("default (32)", 32), ("= replicas", replicas)):
        iface = nbshare.Interface(handle, "number", "number", max_batch_size=size)

        def bulk(iface: nbshare.Interface = iface) -> None:
            assert list(iface.process(rows, progress=False)["Output"]) == expected

        figures[f"process, max_batch_size {name}"] = per_second(bulk)
    return figures


def main() -> None:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray
    from ray import serve

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # replicas cannot import this script
    started = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    serve.start(proxy_location="Disabled")
    print(f"Ray and Serve started in {time.perf_counter() - started:.1f} s")
    in_kernel = per_second(lambda: [model(float(i)) for i in range(REQUESTS)])
    results: dict[int, dict[str, float]] = {}
    try:
        for replicas in (1, 2):
            deployment = serve.deployment(
                model, name="slow", num_replicas=replicas, max_ongoing_requests=1, ray_actor_options={"num_cpus": 0.25}
            )
            handle = serve.run(deployment.bind(), name=f"slow{replicas}", route_prefix=None)
            results[replicas] = measure(handle, replicas)
            serve.delete(f"slow{replicas}")
    finally:
        serve.shutdown()
        ray.shutdown()
    ideal = 1 / MODEL_SECONDS
    print(
        f"\n{REQUESTS} requests to a {MODEL_SECONDS * 1000:.0f} ms model; requests/s (ideal: {ideal:.0f} per replica)"
    )
    print(f"{'':40}{'1 replica':>12}{'2 replicas':>12}")
    for name in results[1]:
        print(f"{name:40}{results[1][name]:12.1f}{results[2][name]:12.1f}")
    print(f"{'in the kernel, one at a time':40}{in_kernel:12.1f}")


if __name__ == "__main__":
    main()
