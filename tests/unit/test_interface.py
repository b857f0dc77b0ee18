"""Tier 1: the Interface pipeline, views, queue and errors, with widgets on a dummy comm."""

from __future__ import annotations

import threading
import time

import pytest

import nbshare
from nbshare.runtime.queue import InferenceQueue


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.01)


def test_predict_runs_preprocess_fn_postprocess():
    iface = nbshare.Interface(lambda n, s: f"{s}:{n}", [nbshare.Number(precision=0), "text"], "text")
    assert iface.predict(2.6, "x") == "x:3"


def test_tuple_return_fills_several_outputs_and_mismatch_is_explained():
    iface = nbshare.Interface(lambda t: (t, len(t)), "text", ["text", "number"])
    assert iface.predict("abc") == ["abc", 3.0]
    bad = nbshare.Interface(lambda t: t, "text", ["text", "number"])
    with pytest.raises(nbshare.OutputError, match="must return a tuple of 2 values; it returned a str"):
        bad.predict("abc")


def test_arity_mismatch_is_reported_at_construction_with_a_fix():
    def classify(text):
        return text

    with pytest.raises(ValueError, match=r"classify\(\) takes 1 argument\(s\) \(text\) but the interface has 2 input"):
        nbshare.Interface(classify, ["text", "number"], "text")

    def two(a, b):
        return a

    with pytest.raises(ValueError, match=r"two\(\) needs 2 argument\(s\) \(a, b\) .* add inputs for b"):
        nbshare.Interface(two, "text", "text")

    def keyword_only(a, *, b):
        return a

    with pytest.raises(ValueError, match="required keyword-only parameter"):
        nbshare.Interface(keyword_only, "text", "text")


def test_defaults_and_varargs_are_accepted():
    nbshare.Interface(lambda a, b=1: a, "text", "text")
    nbshare.Interface(lambda *values: len(values), ["text", "text", "text"], "number")


def test_labels_come_from_parameter_names():
    def f(patient_age, notes):
        return notes

    iface = nbshare.Interface(f, ["number", "text"], "text")
    assert [c.label for c in iface.inputs] == ["Patient age", "Notes"]
    assert [c.label for c in iface.outputs] == ["Output"]
    assert nbshare.Interface(f, [nbshare.Number(label="Age"), "text"], "text").inputs[0].label == "Age"


def test_user_components_are_not_modified():
    box = nbshare.Textbox()
    nbshare.Interface(lambda text: text, box, "text")
    assert box.label == ""


def test_preprocess_and_postprocess_hooks():
    iface = nbshare.Interface(
        lambda a, b: a + b,
        ["number", "number"],
        "number",
        preprocess=lambda a, b: (a * 10, b * 10),
        postprocess=lambda r: r + 1,
    )
    assert iface.predict(1, 2) == 31.0
    raw = nbshare.Interface(lambda text: {"raw": text}, "text", "json", preprocess=False, postprocess=False)
    assert raw.predict(5) == {"raw": 5}
    with pytest.raises(TypeError, match="preprocess must be True, False or a function"):
        nbshare.Interface(lambda t: t, "text", "text", preprocess="yes")


def test_construction_errors():
    with pytest.raises(ValueError, match="needs at least one output"):
        nbshare.Interface(lambda: 1, [], [])
    with pytest.raises(TypeError, match="title must be text"):
        nbshare.Interface(lambda t: t, "text", "text", title=3)
    with pytest.raises(ValueError, match="example 2 has 1 value"):
        nbshare.Interface(lambda a, b: a, ["text", "text"], "text", examples=[["a", "b"], ["c"]])
    with pytest.raises(ValueError, match="example 1, Dose: "):
        nbshare.Interface(lambda dose: dose, nbshare.Number(maximum=1), "text", examples=[5])
    with pytest.raises(TypeError, match=r"predict\(\) takes 1 value\(s\), one per input; got 2"):
        nbshare.Interface(lambda t: t, "text", "text").predict("a", "b")


def test_each_view_is_independent():
    iface = nbshare.Interface(lambda text: text.upper(), "text", "text")
    first, second = iface.view(), iface.view()
    first.inputs[0].value = "one"
    first.submit().result()
    wait_until(lambda: first.status.state == "done")
    assert first.outputs[0].value == "ONE"
    assert second.inputs[0].value == "" and second.outputs[0].value == ""
    assert first.widget is not second.widget


def test_function_error_shows_in_the_view_and_it_stays_usable(capfd):
    def fragile(text):
        if text == "boom":
            raise ValueError("cannot handle boom")
        return text

    view = nbshare.Interface(fragile, "text", "text").view()
    view.inputs[0].value = "boom"
    view.submit()
    wait_until(lambda: view.status.state == "error")
    assert view.status.message == "ValueError: cannot handle boom"
    assert "Traceback" in capfd.readouterr().err  # the traceback went to the kernel log
    view.inputs[0].value = "fine"
    view.submit()
    wait_until(lambda: view.status.state == "done")
    assert view.outputs[0].value == "fine"


def test_input_error_message_is_shown_as_is():
    view = nbshare.Interface(lambda n: n, nbshare.Number(label="Dose"), "number").view()
    view.submit()
    wait_until(lambda: view.status.state == "error")
    assert view.status.message == "Dose is empty: enter a number"


def test_output_error_names_the_output():
    view = nbshare.Interface(lambda t: object(), "text", "label").view()
    view.submit()
    wait_until(lambda: view.status.state == "error")
    assert view.status.message.startswith("Output: a Label output needs a dict")


def test_newer_request_wins_over_an_older_one():
    release = threading.Event()

    def slow(text):
        if text == "old":
            release.wait(5)
        return text

    view = nbshare.Interface(slow, "text", "text").view()
    view.inputs[0].value = "old"
    old = view.submit()
    wait_until(lambda: view.status.state == "running")
    view.inputs[0].value = "new"
    view.submit()
    release.set()
    old.result()
    wait_until(lambda: view.status.state == "done")
    time.sleep(0.05)
    assert view.outputs[0].value == "new"


def test_clear_resets_inputs_outputs_and_status():
    view = nbshare.Interface(lambda t: t, nbshare.Textbox(value="start"), "text").view()
    view.submit()
    wait_until(lambda: view.status.state == "done")
    view.clear()
    assert view.inputs[0].value == "" and view.outputs[0].value == "" and view.status.state == "idle"


def test_example_click_fills_inputs_and_runs():
    iface = nbshare.Interface(lambda a, b: a * b, ["number", "number"], "number", examples=[[2, 3], [4, 5]])
    view = iface.view()
    view.examples._receive_page_event(view.examples, {"event": "select", "index": 1}, [])
    wait_until(lambda: view.status.state == "done")
    assert [c.value for c in view.inputs] == [4.0, 5.0]
    assert view.outputs[0].value == 20.0
    view.examples._receive_page_event(view.examples, {"event": "select", "index": 99}, [])  # ignored, no crash


def test_live_mode_runs_after_changes_settle():
    calls = []
    view = nbshare.Interface(lambda t: calls.append(t) or t, "text", "text", live=True).view()
    for text in ["a", "ab", "abc"]:
        view.inputs[0].value = text
    wait_until(lambda: view.status.state == "done")
    assert calls == ["abc"]


def test_close_frees_the_views_widgets():
    from ipywidgets.widgets.widget import _instances

    iface = nbshare.Interface(lambda t: t, "text", "text", examples=["x"])
    view = iface.view()
    ids = [w.model_id for w in view._widgets]
    iface.close()
    assert not any(model_id in _instances for model_id in ids)


def test_queue_limits_concurrency_and_reports_position():
    queue = InferenceQueue(concurrency_limit=2)
    active, peak, lock = [0], [0], threading.Lock()
    gate = threading.Event()

    def job():
        with lock:
            active[0] += 1
            peak[0] = max(peak[0], active[0])
        gate.wait(5)
        with lock:
            active[0] -= 1
        return 1

    futures = [queue.submit(job) for _ in range(5)]
    wait_until(lambda: queue.status().running == 2)
    assert queue.position(futures[4]) == 2
    gate.set()
    assert sum(f.result(5) for f in futures) == 5
    assert peak[0] == 2


def test_queue_survives_a_job_that_raises_and_skips_cancelled_jobs():
    queue = InferenceQueue()
    gate = threading.Event()
    blocker = queue.submit(lambda: gate.wait(5))
    cancelled = queue.submit(lambda: pytest.fail("a cancelled job ran"))
    failing = queue.submit(lambda: 1 / 0)
    assert cancelled.cancel()
    gate.set()
    blocker.result(5)
    with pytest.raises(ZeroDivisionError):
        failing.result(5)
    assert queue.submit(lambda: "alive").result(5) == "alive"


def test_queue_limit_must_be_positive():
    with pytest.raises(ValueError, match="concurrency_limit must be a whole number >= 1"):
        nbshare.Interface(lambda t: t, "text", "text", concurrency_limit=0)


def test_fn_can_be_swapped_and_is_rechecked():
    iface = nbshare.Interface(lambda t: "v1", "text", "text")
    iface.fn = lambda t: "v2"
    assert iface.predict("x") == "v2"
    with pytest.raises(ValueError, match="needs 2 argument"):
        iface.fn = lambda a, b: a
    assert iface.predict("x") == "v2"
