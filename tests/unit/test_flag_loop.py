"""The loop back to the collaborator: flags re-tested on a new model (edits replayed, batched through the queue), the
researcher's replies, each viewer's own "Your flags", and the explanation on screen kept with a flag."""

from __future__ import annotations

import gc
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import nbshare
from nbshare._routing import CommSession, session_scope
from nbshare.ui.view import InterfaceView
from nbshare.ui.your_flags import MAX_SHOWN, MESSAGE_CHARS

DEVICE = (slice(30, 60), slice(100, 130))
PAINT_OUT = {"op": "paint", "points": [[105.0, 35.0], [125.0, 55.0]], "width": 40.0, "color": "#000000"}


def _scan(device: bool = True) -> np.ndarray:
    """A grey 'chest X-ray', with a bright pacemaker in the upper right or without."""
    pixels = np.full((160, 160, 3), 90, dtype=np.uint8)
    if device:
        pixels[DEVICE] = 245
    return pixels


def careless(image: np.ndarray) -> dict[str, float]:
    """Version 1: answers 'pacemaker' whatever the image shows."""
    return {"pacemaker": 0.8, "no pacemaker": 0.2}


def looks_at_the_device(image: np.ndarray) -> dict[str, float]:
    """Version 2: reads the device's region of the image it receives (the edited pixels)."""
    device = float((image[DEVICE] > 200).mean())
    return {"pacemaker": device, "no pacemaker": 1 - device}


def _scan_interface(tmp_path: Path, **options: Any) -> nbshare.Interface:
    return nbshare.Interface(
        careless,
        nbshare.Image(label="Scan", display_size=160),
        nbshare.Label(label="Finding"),
        flagging_dir=tmp_path / "flags",
        version="v1",
        **options,
    )


def _visitor_view(iface: nbshare.Interface, visitor: str | None) -> InterfaceView:
    """A view built as the server builds a visitor's, in their own session (``visitor``: their identity)."""
    session = CommSession(lambda _message, _buffers: None)
    session.visitor = visitor
    with session_scope(session):
        return iface.view()


def _flag_from_page(view: InterfaceView, message: str, option: str = "") -> None:
    """Press Flag on the page: the event comes through the page's door, as a browser sends it."""
    assert view.flag is not None
    view.flag._receive_page_event(view.flag, {"event": "flag", "option": option, "message": message}, [])
    assert view.flag.error == "", view.flag.error


def _paint_from_page(view: InterfaceView, edit: dict[str, Any]) -> None:
    image = view.inputs[0]
    image._receive_page_event(image, {"event": "edit", "edit": edit}, [])
    assert image.message == "", image.message


# -- re-testing ----------------------------------------------------------------------------------------------------


def test_retest_replays_each_flags_edits_on_the_new_model_and_records_what_changed(tmp_path: Path) -> None:
    iface = _scan_interface(tmp_path)
    view = _visitor_view(iface, "browser a")
    view.inputs[0].value = _scan()
    _paint_from_page(view, PAINT_OUT)  # the expert paints the device out...
    view.submit().result(10)
    assert view.outputs[0].value["label"] == "pacemaker"  # ...and version 1 still sees one
    _flag_from_page(view, "I painted the device out: wrong")
    view.inputs[0].value = _scan()
    view.submit().result(10)
    _flag_from_page(view, "right")
    view.inputs[0].value = _scan(device=False)
    view.submit().result(10)
    _flag_from_page(view, "its files are gone")
    gone = iface.flag_store.records()[-1]["values"]["Scan"]
    (tmp_path / "flags" / gone["original"]).unlink()
    inbox = iface.inbox()

    iface.swap(looks_at_the_device, version="v2")
    frame = iface.retest_flags(progress=False)

    assert list(frame.columns) == [
        "id", "time", "Scan", "Scan original", "Scan edits", "Finding then", "version then", "Finding now",
        "version now", "changed", "message", "error",
    ]  # fmt: skip
    records = iface.flag_store.records()
    assert list(frame["id"]) == [r["id"] for r in records] and isinstance(frame.loc[0, "time"], pd.Timestamp)
    assert list(frame["Finding then"]) == ["pacemaker"] * 3  # what each collaborator saw
    assert list(frame["Finding now"][:2]) == ["no pacemaker", "pacemaker"]  # the painted-out device: replayed
    assert pd.isna(frame.loc[2, "Finding now"])
    assert list(frame["version then"]) == ["v1"] * 3 and list(frame["version now"]) == ["v2"] * 3
    assert frame["changed"].dtype == "boolean" and frame["changed"].tolist() == [True, False, pd.NA]
    assert list(frame[frame["changed"]]["message"]) == ["I painted the device out: wrong"]
    assert frame.loc[0, "Scan edits"] == [PAINT_OUT] and Path(frame.loc[0, "Scan"]).exists()
    assert frame["error"][:2].isna().all()
    assert "its inputs could not be loaded" in frame.loc[2, "error"] and "No such file" in frame.loc[2, "error"]

    # The outcome is recorded, a line per flag, beside the flags: another process reads it too.
    lines = [json.loads(line) for line in (tmp_path / "flags" / "retests.jsonl").read_text().splitlines()]
    assert [(line["flag"], line["version"], line["changed"]) for line in lines] == [
        (records[0]["id"], "v2", True),
        (records[1]["id"], "v2", False),
        (records[2]["id"], "v2", None),
    ]
    assert lines[0]["answer"] == "no pacemaker" and lines[2]["error"].startswith("its inputs could not be loaded")
    # The inbox shows it per flag, live.
    shown = [row.children[-2].value for row in inbox._rows.children]  # newest first
    assert "v2: now &#x27;no pacemaker&#x27;" in shown[2]
    assert "v2: unchanged (&#x27;pacemaker&#x27;)" in shown[1]
    assert "v2: could not re-test: its inputs could not be loaded" in shown[0]
    assert "v2: unchanged" in iface.inbox()._rows.children[1].children[-2].value  # and when opened later
    # Re-testing again keeps the earlier outcomes (append-only).
    iface.retest_flags(progress=False)
    assert len((tmp_path / "flags" / "retests.jsonl").read_text().splitlines()) == 6


def test_a_flag_sent_before_any_answer_is_retested_without_a_comparison(tmp_path: Path) -> None:
    iface = _scan_interface(tmp_path)
    view = iface.view()
    view.inputs[0].value = _scan()
    assert view.flag_current(message="not run yet") is not None
    frame = iface.retest_flags(progress=False)
    assert pd.isna(frame.loc[0, "Finding then"]) and frame.loc[0, "Finding now"] == "pacemaker"
    assert frame["changed"].tolist() == [pd.NA]
    assert "v1: answers &#x27;pacemaker&#x27; (no earlier answer" in iface.inbox()._rows.children[0].children[-2].value


def test_retests_go_through_the_queue_in_batches_like_process(tmp_path: Path) -> None:
    calls: list[int] = []

    def count(texts: list[str]) -> list[str]:
        calls.append(len(texts))
        if "boom" in texts:
            raise RuntimeError("the model crashed")
        return [text.upper() for text in texts]

    iface = nbshare.Interface(count, "text", "text", batch=True, max_batch_size=2, flagging_dir=tmp_path)
    view = iface.view()
    for word in ["a", "b", "c", "d", "e"]:
        view.inputs[0].value = word
        view.submit().result(10)
        view.flag_current(message=word)
    calls.clear()
    frame = iface.retest_flags(progress=False)
    assert calls == [2, 2, 1]
    assert list(frame["Output now"]) == ["A", "B", "C", "D", "E"] and not frame["changed"].any()

    iface.swap(lambda texts: count(["boom" if text == "c" else text for text in texts]))
    frame = iface.retest_flags(progress=False)  # one flag's row fails: it alone gets the error
    assert frame["changed"].tolist() == [False, False, pd.NA, False, False]
    assert frame.loc[2, "error"] == "RuntimeError: the model crashed" and frame["error"].isna().sum() == 4


def test_numbers_are_compared_up_to_float_noise_and_sklearn_models_retest(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    ages = np.array([[20.0, 1.0], [30.0, 2.0], [60.0, 1.0], [70.0, 3.0]])
    v1 = LogisticRegression().fit(ages, ["low", "low", "high", "high"])
    v2 = LogisticRegression().fit(ages, ["high", "high", "low", "low"])  # the retrained model reverses every answer
    iface = nbshare.Interface(
        v1,
        [nbshare.Number(label="age"), nbshare.Number(label="dose")],
        nbshare.Label(label="risk"),
        flagging_dir=tmp_path,
        version="v1",
    )
    view = iface.view()
    view.inputs[0].value, view.inputs[1].value = 65.0, 2.0
    view.submit().result(10)
    view.flag_current(message="high?")
    iface.swap(v2, version="v2")
    frame = iface.retest_flags(progress=False)
    assert (frame.loc[0, "age"], frame.loc[0, "risk then"], frame.loc[0, "risk now"]) == (65.0, "high", "low")
    assert frame["changed"].tolist() == [True]

    def dose(age: float) -> float:
        return age * 0.1

    numbers = nbshare.Interface(dose, "number", nbshare.Number(label="dose"), flagging_dir=tmp_path / "n")
    view = numbers.view()
    view.inputs[0].value = 3.0
    view.submit().result(10)
    view.flag_current()
    numbers.swap(lambda age: (age * 0.1) * (1 + 1e-12))  # a batched call rounds differently: not a change
    assert numbers.retest_flags(progress=False)["changed"].tolist() == [False]
    numbers.swap(lambda age: age * 0.2)
    assert numbers.retest_flags(progress=False)["changed"].tolist() == [True]


def test_retest_on_an_earlier_version_while_it_is_in_memory_and_clear_errors_otherwise(tmp_path: Path) -> None:
    iface = _scan_interface(tmp_path)
    view = iface.view()
    view.inputs[0].value = _scan()
    view.submit().result(10)
    view.flag_current(message="one")
    iface.swap(looks_at_the_device, version="v2")
    frame = iface.retest_flags("v1", progress=False)  # careless is still defined here: v1 can run again
    assert list(frame["version now"]) == ["v1"] and frame["changed"].tolist() == [False]
    assert iface.version == "v2"  # re-testing on v1 swapped nothing

    with pytest.raises(ValueError, match=r"no model answered as version 'v9'.*'v1', 'v2'"):
        iface.retest_flags("v9", progress=False)
    iface.swap(lambda image: {"pacemaker": 0.5, "no pacemaker": 0.5}, version="v3")  # kept by nothing else
    iface.swap(looks_at_the_device, version="v2")
    gc.collect()
    with pytest.raises(ValueError, match="the model of version 'v3' is no longer in memory"):
        iface.retest_flags("v3", progress=False)
    with pytest.raises(TypeError, match="version must be a version name"):
        iface.retest_flags(3, progress=False)  # type: ignore[arg-type]  # what a user might type
    empty = _scan_interface(tmp_path / "none").retest_flags(progress=False)
    assert empty.empty and "changed" in empty.columns


# -- replies and Your flags ---------------------------------------------------------------------------------------


def echo(text: str) -> str:
    return text


def test_a_reply_reaches_only_the_visitor_who_flagged_live_and_at_their_next_visit(tmp_path: Path) -> None:
    iface = nbshare.Interface(echo, "text", "text", flagging_dir=tmp_path, version="v1")
    alice, bob, notebook = _visitor_view(iface, "browser alice"), _visitor_view(iface, "browser bob"), iface.view()
    for view in (alice, bob, notebook):
        assert view.your_flags is not None and view.your_flags.items == []
        assert view.your_flags.layout.display == "none"  # hidden while there is none
    alice.inputs[0].value = "alice's case"
    alice.submit().result(10)
    _flag_from_page(alice, "wrong <b>answer</b>", option="")
    bob.inputs[0].value = "bob's case"
    _flag_from_page(bob, "bob's flag")
    notebook.flag_current(message="from the notebook")
    assert [item["message"] for item in alice.your_flags.items] == ["wrong <b>answer</b>"]
    assert alice.your_flags.items[0]["status"] == "sent" and alice.your_flags.layout.display is None
    assert [item["message"] for item in bob.your_flags.items] == ["bob's flag"]
    assert [item["message"] for item in notebook.your_flags.items] == ["from the notebook"]

    flag_id = next(r["id"] for r in iface.flag_store.records() if r["message"].startswith("wrong"))
    reply = iface.reply(flag_id, "<script>alert('x')</script> Thanks, fixed in v2")
    item = alice.your_flags.items[0]
    assert item["status"] == "replied" and alice.your_flags.replies == 1
    assert item["replies"] == [{"text": "<script>alert('x')</script> Thanks, fixed in v2", "time": reply["time"]}]
    for other in (bob, notebook):
        assert other.your_flags.replies == 0 and "Thanks" not in json.dumps(other.your_flags.items)
    stored = [json.loads(line) for line in (tmp_path / "replies.jsonl").read_text().splitlines()]
    assert [(r["flag"], r["text"]) for r in stored] == [(flag_id, reply["text"])] and stored[0]["time"]

    # Alice comes back (a new session, the same browser): her flag and the reply are there; Bob's never are.
    again = _visitor_view(iface, "browser alice")
    assert [(i["message"], i["status"]) for i in again.your_flags.items] == [("wrong <b>answer</b>", "replied")]
    assert "bob" not in json.dumps(again.your_flags.items)
    stranger = _visitor_view(iface, None)  # known by nothing but its session: starts empty
    assert stranger.your_flags.items == []
    # A flag Alice sends from one tab shows in her other open tab too.
    _flag_from_page(again, "second tab")
    assert [i["message"] for i in alice.your_flags.items] == ["second tab", "wrong <b>answer</b>"]
    # A closed view stops following the store.
    bob.close()
    iface.reply(flag_id, "one more")
    assert alice.your_flags.replies == 2


def test_reply_checks_the_flag_and_the_text(tmp_path: Path) -> None:
    iface = nbshare.Interface(echo, "text", "text", flagging_dir=tmp_path, max_flag_message_chars=50)
    view = iface.view()
    record = view.flag_current(message="a flag")
    assert record is not None
    with pytest.raises(KeyError, match="no flag with id 'nope'"):
        iface.reply("nope", "hello")
    with pytest.raises(ValueError, match="the reply is 51 characters; the limit is 50"):
        iface.reply(record["id"], "x" * 51)
    with pytest.raises(ValueError, match=r"not valid text \(U\+D800 at position 4"):
        iface.reply(record["id"], "see\ud800")
    with pytest.raises(ValueError, match="the reply is empty"):
        iface.reply(record["id"], "  \n")
    with pytest.raises(TypeError, match="a reply is text"):
        iface.reply(record["id"], None)  # type: ignore[arg-type]  # what a user might pass
    assert iface.flag_store.replies() == []
    assert iface.reply(record["id"], "ok")["text"] == "ok"


def test_your_flags_shows_the_latest_flags_newest_first_and_shortened(tmp_path: Path) -> None:
    iface = nbshare.Interface(echo, "text", "text", flagging_dir=tmp_path)
    view = iface.view()
    for number in range(MAX_SHOWN + 5):
        view.flag_current(message=f"flag {number} " + "x" * 300)
    shown = view.your_flags
    assert shown is not None and shown.total == MAX_SHOWN + 5 and len(shown.items) == MAX_SHOWN
    assert shown.items[0]["message"].startswith(f"flag {MAX_SHOWN + 4} ")
    assert shown.items[-1]["message"].startswith("flag 5 ")
    assert all(len(item["message"]) == MESSAGE_CHARS and item["message"].endswith("…") for item in shown.items)
    later = iface.view()  # read back from the disk: the same
    assert later.your_flags is not None and later.your_flags.items == shown.items


def test_your_flags_show_the_retest_of_each_flag_on_each_version(tmp_path: Path) -> None:
    iface = _scan_interface(tmp_path)
    view = _visitor_view(iface, "browser a")
    view.inputs[0].value = _scan()
    _paint_from_page(view, PAINT_OUT)
    view.submit().result(10)
    _flag_from_page(view, "wrong")
    iface.swap(looks_at_the_device, version="v2")
    iface.retest_flags(progress=False)
    assert view.your_flags is not None
    assert view.your_flags.items[0]["retests"] == ["Re-tested on v2: answer changed (now 'no pacemaker')"]
    assert view.your_flags.items[0]["status"] == "retested"
    iface.swap(careless, version="v3")
    iface.retest_flags(progress=False)
    assert view.your_flags.items[0]["retests"] == [
        "Re-tested on v3: answer unchanged",
        "Re-tested on v2: answer changed (now 'no pacemaker')",
    ]


def test_the_page_module_sets_every_text_as_text() -> None:
    source = (Path(nbshare.__file__).parent / "js" / "your_flags.js").read_text()
    assert "innerHTML" not in source and "insertAdjacentHTML" not in source and "textContent" in source


# -- the explanation on screen --------------------------------------------------------------------------------------


def _explaining(tmp_path: Path) -> tuple[nbshare.Interface, InterfaceView]:
    def pacemaker(images: list[np.ndarray]) -> list[dict[str, float]]:
        return [looks_at_the_device(image) for image in images]

    iface = nbshare.Interface(
        pacemaker,
        nbshare.Image(label="Scan", display_size=160),
        nbshare.Label(label="Finding"),
        batch=True,
        interpretation=nbshare.Occlusion(patch=20, stride=20),
        flagging_dir=tmp_path,
        version="v1",
    )
    view = _visitor_view(iface, "browser a")
    view.inputs[0].value = _scan()
    view.submit().result(10)
    return iface, view


def test_a_flag_sent_with_the_map_on_screen_stores_it_from_the_page_and_from_python(tmp_path: Path) -> None:
    iface, view = _explaining(tmp_path)
    assert view.explainer is not None
    explanation = view.explainer.explain().result(20)
    _flag_from_page(view, "the map points at the device")
    record = iface.flag_store.records()[-1]
    assert record["explanation"] == explanation.summary() and "Scan explanation" in record["values"]
    flags = iface.flags
    np.testing.assert_array_equal(np.load(flags.loc[0, "Scan explanation"]), explanation.inputs[0].map)
    assert flags.loc[0, "explanation"] == explanation.summary()
    assert view.flag_current(message="from Python") is not None
    assert "Scan explanation" in iface.flag_store.records()[-1]["values"]


def test_an_explanation_that_no_longer_matches_the_screen_is_not_recorded(tmp_path: Path) -> None:
    iface, view = _explaining(tmp_path)
    assert view.explainer is not None
    view.explainer.explain().result(20)
    _paint_from_page(view, PAINT_OUT)  # the image shown is no longer the one explained
    _flag_from_page(view, "after painting")
    assert "explanation" not in iface.flag_store.records()[-1]

    view.inputs[0].value = _scan()
    view.submit().result(10)
    view.explainer.explain().result(20)
    iface.swap(lambda images: [{"pacemaker": 0.0, "no pacemaker": 1.0} for _ in images], version="v2")
    view.submit().result(10)  # a new answer, from another model than the one explained
    _flag_from_page(view, "after a new answer")
    assert "explanation" not in iface.flag_store.records()[-1]


def test_text_the_page_sends_again_unchanged_keeps_the_explanation_on_screen_for_the_flag(tmp_path: Path) -> None:
    def sentiment(text: str) -> dict[str, float]:
        return {"positive": 0.9 if "good" in text.split() else 0.2, "negative": 0.1}

    iface = nbshare.Interface(sentiment, "text", "label", interpretation="occlusion", flagging_dir=tmp_path)
    view = _visitor_view(iface, "browser a")
    text = view.inputs[0]
    text.set_state({"value": "".join(["good ", "film"])})  # as the page's JSON arrives: a new string
    view.submit().result(10)
    assert view.explainer is not None
    view.explainer.explain().result(20)
    text.set_state({"value": "".join(["good", " film"])})  # Enter: the page sends the same text again, then Submit
    view.submit().result(10)
    _flag_from_page(view, "the words are right")
    record = iface.flag_store.records()[-1]
    assert "Text explanation" in record["values"] and record["explanation"].startswith("What moves")
