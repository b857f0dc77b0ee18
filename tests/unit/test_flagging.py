"""Flags: stored durably, read back as a DataFrame, safe with concurrent and killed writers; hot swap versions."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image as PILImage

import nbshare
from nbshare.flagging import FlagStore


def shout(text: str) -> str:
    return text.upper()


def test_flag_after_an_answer_records_inputs_outputs_message_and_version(tmp_path: Path) -> None:
    iface = nbshare.Interface(shout, "text", "text", flagging_dir=tmp_path, flagging_options=["wrong", "unsure"])
    view = iface.view()
    view.inputs[0].value = "hello"
    view.submit().result()
    message = "<b>wrong</b> \x07 \u202e é"
    record = view.flag_current("wrong", message)
    assert record is not None and view.flag is not None and "Thank you" in view.flag.confirmation
    flags = iface.flags
    assert list(flags["Text"]) == ["hello"] and list(flags["Output"]) == ["HELLO"]
    row = flags.iloc[-1]
    assert row["message"] == message and row["option"] == "wrong" and row["session"] == "notebook"
    assert row["version"] == iface.version and row["version"].startswith("shout@")
    assert row["nbshare_version"] == nbshare.__version__ and isinstance(row["time"], pd.Timestamp)
    assert nbshare.load_flags(tmp_path).equals(flags)


def test_flagging_before_any_answer_records_the_inputs_only(tmp_path: Path) -> None:
    iface = nbshare.Interface(shout, "text", "text", flagging_dir=tmp_path)
    view = iface.view()
    view.inputs[0].value = "not run yet"
    assert view.flag_current(None, "the model never answered") is not None
    row = iface.flags.iloc[-1]
    assert row["Text"] == "not run yet" and row["Output"] is None and row["option"] is None


def test_refusals_are_shown_and_lose_nothing(tmp_path: Path) -> None:
    iface = nbshare.Interface(
        shout, "text", "text", flagging_dir=tmp_path, max_flag_message_chars=100, flagging_options=["wrong"]
    )
    view = iface.view()
    view.flag_current(None, "first")
    assert view.flag_current(None, "x" * 101) is None
    assert view.flag is not None and "101 characters; the limit is 100" in view.flag.error
    assert view.flag_current("made-up", "") is None and "unknown reason" in view.flag.error
    assert view.flag_current(None, "second") is not None and view.flag.error == ""
    assert list(iface.flags["message"]) == ["first", "second"]


def test_a_full_disk_reaches_the_viewer_and_earlier_flags_stay(tmp_path: Path) -> None:
    """A real write failure: the writing process may not grow files past 64 KB (RLIMIT_FSIZE), as on a full disk."""
    script = textwrap.dedent(
        f"""
        import resource, signal
        import nbshare, numpy as np
        iface = nbshare.Interface(lambda image: 1, nbshare.Image(), "number", flagging_dir={str(tmp_path)!r})
        view = iface.view()
        view.flag_current(None, "small and fine")
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))
        view.inputs[0].value = view.inputs[0].postprocess(
            np.random.default_rng(0).integers(0, 255, (300, 300, 3), dtype=np.uint8))
        print(view.flag_current(None, "too big for the disk"), view.flag.error)
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("None the flag could not be saved") and "earlier flags are intact" in result.stdout
    assert list(nbshare.load_flags(tmp_path)["message"]) == ["small and fine"]


def test_an_edited_image_is_stored_with_its_original_and_edit_log(tmp_path: Path) -> None:
    original = np.random.default_rng(4).integers(0, 255, (40, 60, 3), dtype=np.uint8)
    iface = nbshare.Interface(lambda image: image.mean(), nbshare.Image(), "number", flagging_dir=tmp_path)
    view = iface.view()
    edits = (
        {"op": "paint", "color": "#ff0000", "width": 6, "points": [[5, 5], [50, 30]]},
        {"op": "flip", "axis": "vertical"},
    )
    view.inputs[0].value = nbshare.EditedImage(original, edits)
    view.submit().result()
    view.flag_current(None, "the paint should not matter")
    row = iface.flags.iloc[-1]
    edited = np.asarray(PILImage.open(row["Image"]))
    assert np.array_equal(edited, nbshare.replay(original, list(row["Image edits"])))
    assert np.array_equal(np.asarray(PILImage.open(row["Image original"])), original)
    assert row["Image edits"] == list(edits)
    assert isinstance(row["Output"], float)


def test_twenty_concurrent_writers_fifty_flags_each_gives_exactly_a_thousand_intact_records(tmp_path: Path) -> None:
    def writer(number: int) -> None:
        store = FlagStore(tmp_path)  # one store object per writer, as separate sessions and processes have
        for index in range(50):
            store.append({"message": f"w{number} f{index}"}, {"Text": {"role": "input", "value": "x" * 500}})

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = FlagStore(tmp_path).records()
    assert len(records) == 1000 and len(tmp_path.joinpath("flags.jsonl").read_text().splitlines()) == 1000
    assert {r["message"] for r in records} == {f"w{n} f{i}" for n in range(20) for i in range(50)}


def test_a_writer_killed_mid_stream_loses_nothing_earlier(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import numpy as np
        from nbshare import EditedImage
        from nbshare.flagging import FlagStore
        store = FlagStore({str(tmp_path)!r})
        image = np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)
        index = 0
        while True:
            store.append({{"message": f"m{{index}}"}}, {{"Image": {{"role": "input", "value": EditedImage(image)}}}})
            index += 1
        """
    )
    writers = [subprocess.Popen([sys.executable, "-c", script]) for _ in range(2)]
    deadline = time.monotonic() + 30
    while len(FlagStore(tmp_path).records()) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    for writer in writers:
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait()
    with open(tmp_path / "flags.jsonl", "ab") as handle:
        handle.write(b'{"id": "torn by a kill", "message": "hal')  # what a kill inside write() could leave
    records = FlagStore(tmp_path).records()
    assert len(records) >= 40
    for record in records:
        assert (tmp_path / record["values"]["Image"]["file"]).is_file()
    flags = nbshare.load_flags(tmp_path)
    assert len(flags) == len(records) and flags["message"].str.startswith("m").all()
    json.dumps(records)


def test_hot_swap_changes_every_open_view_and_flags_record_the_version(tmp_path: Path) -> None:
    iface = nbshare.Interface(shout, "text", "text", flagging_dir=tmp_path, version="v1")
    view = iface.view()
    view.inputs[0].value = "abc"
    view.submit().result()
    view.flag_current(None, "v1 answer")
    iface.swap(lambda text: text[::-1], version="v2")
    view.submit().result()
    assert view.outputs[0].value == "cba"
    view.flag_current(None, "v2 answer")
    iface.fn = str.title
    assert iface.version.startswith("str.title@")
    flags = iface.flags
    assert list(flags["version"]) == ["v1", "v2"] and list(flags["Output"]) == ["ABC", "cba"]


def test_csv_export_neutralises_formulas(tmp_path: Path) -> None:
    iface = nbshare.Interface(shout, "text", "text", flagging_dir=tmp_path / "store")
    view = iface.view()
    for text in ['=HYPERLINK("http://evil")', "+1", "-2", "@SUM(A1)", "plain"]:
        view.inputs[0].value = text
        view.flag_current(None, text)
    nbshare.export_csv(iface.flags, tmp_path / "flags.csv")
    exported = pd.read_csv(tmp_path / "flags.csv")
    assert list(exported["message"]) == ['\'=HYPERLINK("http://evil")', "'+1", "'-2", "'@SUM(A1)", "plain"]


def test_default_store_is_named_after_the_interface(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    iface = nbshare.Interface(shout, "text", "text", title="Sentiment: v2!")
    iface.view().flag_current(None, "hi")
    assert (tmp_path / "nbshare_flags" / "sentiment-v2" / "flags.jsonl").is_file()
    with pytest.raises(FileNotFoundError, match="no flags in"):
        nbshare.load_flags(tmp_path / "elsewhere")


def test_the_inbox_shows_flags_live_newest_first_and_load_reproduces_one(tmp_path: Path) -> None:
    original = np.random.default_rng(9).integers(0, 255, (30, 40), dtype=np.uint8)
    iface = nbshare.Interface(
        lambda image: float(image.mean()), nbshare.Image(image_mode="L"), "number", flagging_dir=tmp_path
    )
    visitor = iface.view()  # stands for a shared-page visitor: a view of its own
    notebook_view = iface.view()  # Load fills the newest view the notebook shows
    inbox = iface.inbox()
    assert "0 flag" not in inbox._header.value and inbox._rows.children == ()
    edits = ({"op": "paint", "color": "#000000", "width": 8, "points": [[2, 2], [30, 20]]},)
    visitor.inputs[0].value = nbshare.EditedImage(original, edits)
    visitor.submit().result()
    visitor.flag_current(None, "first <i>flag</i>")
    visitor.flag_current(None, "second")
    assert "2 flags" in inbox._header.value
    newest, oldest = inbox._rows.children
    assert "second" in newest.children[1].value and "first &lt;i&gt;flag&lt;/i&gt;" in oldest.children[1].value
    assert isinstance(newest.children[0], __import__("ipywidgets").Image)
    oldest.children[-1].click()  # Load
    loaded = notebook_view.inputs[0].value
    assert np.array_equal(loaded.original, original) and loaded.edits == edits
    expected = float(nbshare.replay(original, edits).mean())
    deadline = time.monotonic() + 5
    while notebook_view.outputs[0].value != pytest.approx(expected) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert notebook_view.outputs[0].value == pytest.approx(expected)
    record_id = iface.flags["id"].iloc[-1]
    assert iface.load_flag(record_id) is notebook_view
    with pytest.raises(KeyError, match="no flag with id"):
        iface.load_flag("nope")


def test_audio_tables_files_plots_and_highlights_are_stored_and_loaded_back(tmp_path: Path) -> None:
    from nbshare.values import sound as audio

    rate = 8_000
    tone = (0.4 * np.sin(np.arange(rate) / 3)).astype(np.float32)

    def describe(clip: tuple, table: pd.DataFrame, path: str) -> tuple:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure

        figure = Figure(figsize=(2, 2))
        figure.add_subplot().plot(clip[1][:100])
        return [("dose", float(table["dose"].iloc[0])), ("size", len(Path(path).read_bytes()))], figure

    iface = nbshare.Interface(
        describe,
        [nbshare.Audio(label="Sound"), nbshare.Dataframe(label="Table", headers=["dose"], datatype="number"),
         nbshare.File(label="Notes")],
        [nbshare.HighlightedText(label="Why"), nbshare.Plot(label="Plot")],
        flagging_dir=tmp_path / "flags",
    )  # fmt: skip
    view = iface.view()
    sound, table, notes = view.inputs
    sound.value = (rate, tone)
    sound._receive_page_event(sound, {"event": "edit", "edit": {"op": "trim", "start": 0.25, "end": 0.75}}, [])
    sound._receive_page_event(sound, {"event": "edit", "edit": {"op": "noise", "snr_db": 15}}, [])
    table._receive_page_event(table, {"event": "set", "row": 0, "column": 0, "block": [["2.5"]]}, [])
    notes._receive_page_event(notes, {"event": "upload", "part": 0, "parts": 1, "name": "n.txt"}, [b"hello"])
    view.submit().result(timeout=10)
    record = view.flag_current(message="check")
    assert record is not None
    row = iface.flags.iloc[-1]
    stored_rate, stored = audio.decode_wav(Path(row["Sound"]).read_bytes())
    assert stored_rate == rate and np.array_equal(stored, sound.value.edited())
    assert np.array_equal(audio.decode_wav(Path(row["Sound original"]).read_bytes())[1][:, 0], tone)
    assert [edit["op"] for edit in row["Sound edits"]] == ["trim", "noise"]
    pd.testing.assert_frame_equal(row["Table"], pd.DataFrame({"dose": [2.5]}))
    assert Path(row["Notes"]).read_bytes() == b"hello"
    assert PILImage.open(row["Plot"]).format == "PNG"
    assert [t["text"] for t in row["Why"]["tokens"]] == ["dose", " ", "size"]

    table._receive_page_event(table, {"event": "set", "row": 0, "column": 0, "block": [["lots"]]}, [])
    view.flag_current(message="bad cell")  # flagged as seen: the text that does not parse is kept
    assert iface.flags.iloc[-1]["Table"].to_dict("list") == {"dose": ["lots", "", ""]}

    sound.value = None
    loaded = iface.load_flag(record["id"])
    assert np.array_equal(loaded.inputs[0].value.edited(), stored)
    assert loaded.inputs[1].cells[0] == ["2.5"] and loaded.inputs[2].value.data == b"hello"
