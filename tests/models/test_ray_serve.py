"""A Ray Serve deployment as the model, on a local Ray instance started here: two replicas, real requests.

Overlap is shown without timing: each call waits, in a Ray actor used as a barrier, until the other call has arrived
too (or a generous deadline passes) and says whether it saw it. Serialised calls could never see each other.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import nbshare
from nbshare.runtime.models import detect_model_type
from nbshare.runtime.queue import ModelTimeout

from libraries import require
from waiting import until

ray = require("ray")
serve = require("ray.serve")

NAMESPACE = "nbshare-tests"


def answer(x: float) -> float:
    """The model as the researcher had it in the kernel."""
    return round(3 * x + 1, 6)


@ray.remote(num_cpus=0)
class Meetings:
    """``meet(group, parties, deadline)`` waits until ``parties`` calls of ``group`` have arrived, or ``deadline``
    seconds; says whether they did."""

    def __init__(self) -> None:
        self.arrived: dict[str, int] = {}
        self.everyone: dict[str, asyncio.Event] = {}

    async def meet(self, group: str, parties: int, deadline: float) -> bool:
        self.arrived[group] = self.arrived.get(group, 0) + 1
        everyone = self.everyone.setdefault(group, asyncio.Event())
        if self.arrived[group] >= parties:
            everyone.set()
        try:
            await asyncio.wait_for(everyone.wait(), deadline)
        except TimeoutError:
            return False
        return True


@serve.deployment(num_replicas=2, max_ongoing_requests=1, ray_actor_options={"num_cpus": 0.25})
class Lab:
    """A number gets ``answer``; "meet:GROUP:PARTIES:SECONDS" meets the others of GROUP; "boom" raises; "hang:PATH"
    writes PATH.started, waits until cancelled, then writes PATH."""

    async def __call__(self, value: Any) -> Any:
        if not isinstance(value, str):
            return answer(value)
        command, _, rest = value.partition(":")
        if command == "meet":
            group, parties, seconds = rest.split(":")
            meetings = ray.get_actor("meetings", namespace=NAMESPACE)
            saw = await meetings.meet.remote(group, int(parties), float(seconds))
            return f"{'met' if saw else 'alone'} on {serve.get_replica_context().replica_id.unique_id}"
        if command == "hang":
            Path(f"{rest}.started").write_text("started")
            try:
                await asyncio.Event().wait()
            except asyncio.CancelledError:
                Path(rest).write_text("cancelled")
                raise
        if command == "boom":
            raise ValueError("cannot handle boom")
        return value


@ray.remote(num_cpus=0)
def triple(x: float) -> float:
    return 3 * x


@pytest.fixture(scope="module")
def handle() -> Iterator[Any]:
    started = time.perf_counter()
    usage_stats = os.environ.get("RAY_USAGE_STATS_ENABLED")
    os.environ["RAY_USAGE_STATS_ENABLED"] = "0"
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the replicas cannot import this test module
    ray.init(num_cpus=2, namespace=NAMESPACE, include_dashboard=False, log_to_driver=False)
    try:
        serve.start(proxy_location="Disabled")  # no HTTP proxy: the kernel calls the handle
        deployed = serve.run(Lab.bind(), name="lab", route_prefix=None)
        meetings = Meetings.options(name="meetings").remote()  # the deployment looks it up by name
        print(f"Ray and the deployment started in {time.perf_counter() - started:.1f} s")
        yield deployed
        ray.kill(meetings)
    finally:
        serve.shutdown()
        ray.shutdown()
        ray.cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
        if usage_stats is None:
            del os.environ["RAY_USAGE_STATS_ENABLED"]
        else:
            os.environ["RAY_USAGE_STATS_ENABLED"] = usage_stats


def meet_text(parties: int, seconds: float = 60) -> str:
    """The text that makes ``parties`` calls wait for each other (up to ``seconds``) in a new group."""
    return f"meet:{uuid.uuid4().hex}:{parties}:{seconds}"


def test_predict_and_process_through_the_deployment_give_the_functions_answers(handle) -> None:
    assert detect_model_type(handle) == "ray"
    iface = nbshare.Interface(handle, "number", "number")
    assert repr(iface).startswith("Interface(Ray deployment ")  # its name in the log, not "DeploymentHandle"
    assert iface.predict(2.5) == answer(2.5)
    values = [0.5, 1.0, 2.0, 4.0, 8.0]
    table = iface.process(values, progress=False)
    assert list(table["Output"]) == [answer(x) for x in values]
    assert table["error"].isna().all()


def test_an_interface_of_the_function_in_the_kernel_swaps_to_the_deployment(handle) -> None:
    iface = nbshare.Interface(answer, "number", "number", concurrency_limit=8)
    in_kernel = iface.predict(1.5)
    iface.swap(handle, version="on Ray Serve")  # the same interface (views, links, flags), answered by the replicas
    assert iface.predict(1.5) == in_kernel and iface.version == "on Ray Serve"


def test_two_slow_calls_from_two_views_are_in_flight_at_once_on_the_two_replicas(handle) -> None:
    iface = nbshare.Interface(handle, "text", "text")  # concurrency_limit: the kind's default, 8
    first, second = iface.view(), iface.view()
    text = meet_text(parties=2)
    for view in (first, second):
        view.inputs[0].value = text
    answers = [view.submit() for view in (first, second)]
    for future in answers:
        future.result(90)
    until(lambda: first.status.state == second.status.state == "done")
    replies = [view.outputs[0].value for view in (first, second)]
    assert [reply.split()[0] for reply in replies] == ["met", "met"]
    assert len({reply.split()[-1] for reply in replies}) == 2  # one on each replica


def test_process_sends_its_rows_at_once(handle) -> None:
    text = meet_text(parties=2)
    table = nbshare.Interface(handle, "text", "text").process([text, text], progress=False)
    assert [reply.split()[0] for reply in table["Output"]] == ["met", "met"]


def test_with_concurrency_limit_one_the_calls_are_serialised_and_never_meet(handle) -> None:
    iface = nbshare.Interface(handle, "text", "text", concurrency_limit=1)
    text = meet_text(parties=2, seconds=2)  # the first call gives up waiting; only then can the second start
    first, second = iface.view(), iface.view()
    for view in (first, second):
        view.inputs[0].value = text
    for future in [view.submit() for view in (first, second)]:
        future.result(90)
    assert first.outputs[0].value.startswith("alone") and second.outputs[0].value.startswith("met")


def test_an_error_in_the_deployment_fails_that_call_with_its_message_and_the_next_works(handle) -> None:
    iface = nbshare.Interface(handle, "text", "text")
    with pytest.raises(ValueError, match=r"^cannot handle boom$"):
        iface.predict("boom")
    view = iface.view()
    view.inputs[0].value = "boom"
    view.submit()
    until(lambda: view.status.state == "error", within=60)
    assert view.status.message == "ValueError: cannot handle boom"
    view.inputs[0].value = "fine"
    view.submit().result(60)
    until(lambda: view.status.state == "done")
    assert view.outputs[0].value == "fine"
    table = iface.process(["ok", "boom", "also ok"], progress=False)
    assert list(table["error"].fillna("")) == ["", "ValueError: cannot handle boom", ""]
    assert list(table["Output"].isna()) == [False, True, False] and table["Output"][2] == "also ok"


def test_a_call_past_the_timeout_cancels_its_ray_request(handle, tmp_path) -> None:
    iface = nbshare.Interface(handle, "text", "text", timeout=1)
    cancelled = tmp_path / "cancelled"
    with pytest.raises(ModelTimeout):
        iface.predict(f"hang:{cancelled}")
    until(cancelled.exists, within=60)  # the deployment's request was cancelled
    until(lambda: iface.status().stuck == 0, within=60)  # and the queue's thread was freed, not left waiting
    assert iface.predict("next") == "next"


def test_a_visitor_who_cancels_cancels_the_ray_request(handle, tmp_path) -> None:
    view = nbshare.Interface(handle, "text", "text").view()
    cancelled = tmp_path / "cancelled"
    view.inputs[0].value = f"hang:{cancelled}"
    view.submit()
    until(Path(f"{cancelled}.started").exists, within=60)  # the request reached a replica
    assert view.cancel()
    until(cancelled.exists, within=60)


def test_a_ray_remote_function_is_a_model_too(handle) -> None:
    assert detect_model_type(triple) == "ray"
    assert nbshare.Interface(triple, "number", "number").predict(2) == 6
    assert detect_model_type(Meetings) != "ray"  # an actor class: its .remote() would start an actor per call
