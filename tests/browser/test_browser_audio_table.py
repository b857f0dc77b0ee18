"""Real Chromium, in JupyterLab and on the shared page: upload a WAV, trim it, add noise, edit two table cells, submit,
flag, and read the flag back in ``iface.flags``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from playwright.sync_api import expect
from test_browser_share import Visitor

import nbshare
from nbshare.values import sound as audio

from conftest import ARTIFACTS

pytestmark = pytest.mark.browser

RATE = 16_000
SETUP = """
import numpy as np, pandas as pd, nbshare
import nbshare
from nbshare.values import sound as audio
RATE = 16_000
tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(3 * RATE) / RATE)).astype(np.float32)
open('tone.wav', 'wb').write(audio.encode_wav(tone, RATE, float32=True))
open('notes.wav', 'w').write('not audio at all')
open('silence.wav', 'wb').write(audio.encode_wav(np.zeros(RATE, np.float32), RATE))
patients = pd.DataFrame({'age': [61, 47], 'weight': [80.5, 66.0], 'smoker': [True, False], 'name': ['A', 'B']})
received = []
def inspect(recording, table):
    rate, samples = recording
    received.append((rate, samples, table))
    return {'frames': len(samples), 'rows': len(table), 'ages': table['age'].tolist()}
def build(folder):
    inputs = [nbshare.Audio(label='Recording'), nbshare.Dataframe(label='Patients', value=patients)]
    return nbshare.Interface(inspect, inputs, 'json', title='Audio and table', flagging_dir=folder)
"""


def choose_file(page: Any, root: Any, button: str, path: Path) -> None:
    with page.expect_file_chooser() as chooser:
        root.get_by_role("button", name=button).click()
    chooser.value.set_files(str(path))


def edit_cell(page: Any, root: Any, row: int, column: int, text: str) -> None:
    """Click a cell, type over it (typing starts the editor), press Enter."""
    root.locator(f'.nbshare-grid-cell[data-row="{row}"][data-column="{column}"]').click()
    page.keyboard.type(text)
    page.keyboard.press("Enter")


def exercise(page: Any, root: Any, folder: Path, state: Any) -> None:
    """What a person does: bad files first, then the WAV, trim 0.5–2.0 s, noise at 10 dB, two cells, Submit, Flag.

    ``state(expression)`` reads a value of the interface's view in the kernel that runs it.
    """
    choose_file(page, root, "Choose audio", folder / "notes.wav")
    expect(root.get_by_role("alert")).to_contain_text("could not be decoded as audio")
    choose_file(page, root, "Choose audio", folder / "silence.wav")
    expect(root.get_by_role("alert")).to_contain_text("is silent")
    choose_file(page, root, "Choose audio", folder / "tone.wav")
    expect(root.locator(".nbshare-audio-info")).to_have_text("3.00 s · 16.0 kHz · mono")
    root.get_by_label("Selection start (seconds)").fill("0.5")
    root.get_by_label("Selection end (seconds)").fill("2")
    root.get_by_role("button", name="Trim to selection").click()
    expect(root.locator(".nbshare-audio-info")).to_have_text("1.50 s · 16.0 kHz · mono")
    root.get_by_label("Signal-to-noise ratio (dB)").fill("10")
    root.get_by_role("button", name="Add noise").click()
    state_wait(state, "inputs[0].edit_count", 2)

    edit_cell(page, root, 0, 0, "55")
    edit_cell(page, root, 1, 1, "72.5")
    edit_cell(page, root, 1, 0, "forty")  # not a whole number: marked at the cell, nothing lost
    expect(root.locator(".nbshare-grid-invalid")).to_have_count(1)
    expect(root.get_by_role("alert")).to_contain_text("'forty' is not a whole number")
    edit_cell(page, root, 1, 0, "47")
    expect(root.locator(".nbshare-grid-invalid")).to_have_count(0)

    root.get_by_role("button", name="Submit").click()
    expect(root.locator(".nbshare-json")).to_contain_text('"frames": 24000')
    root.get_by_label("Flag message").fill("noise makes it flip")
    root.get_by_role("button", name="Flag", exact=True).click()
    expect(root.get_by_role("status").filter(has_text="Flagged")).to_be_visible()


def state_wait(state: Any, expression: str, expected: Any) -> None:
    import time

    deadline = time.monotonic() + 15
    while state(expression) != expected:
        assert time.monotonic() < deadline, f"{expression} stayed {state(expression)!r}"
        time.sleep(0.05)


def check_received(rate: int, samples: np.ndarray, table: pd.DataFrame) -> None:
    tone = (0.5 * np.sin(2 * np.pi * 440 * np.arange(3 * RATE) / RATE)).astype(np.float32)
    assert rate == RATE and samples.shape == (24_000,) and samples.dtype == np.float32
    assert abs(audio.snr_db(tone[8_000:32_000], samples) - 10) < 0.5
    assert table["age"].tolist() == [55, 47] and table["weight"].tolist() == [80.5, 72.5]
    assert str(table["age"].dtype) == "int64" and str(table["weight"].dtype) == "float64"
    assert str(table["smoker"].dtype) == "bool" and table["name"].tolist() == ["A", "B"]


def check_flag(flags: pd.DataFrame, samples: np.ndarray, table: pd.DataFrame) -> None:
    row = flags.iloc[-1]
    assert row["message"] == "noise makes it flip"
    rate, stored = audio.decode_wav(Path(row["Recording"]).read_bytes())
    assert rate == RATE and np.array_equal(stored[:, 0], samples)
    assert [edit["op"] for edit in row["Recording edits"]] == ["trim", "noise"]
    pd.testing.assert_frame_equal(row["Patients"], table)


def test_audio_and_table_in_the_notebook(open_notebook: Any, jupyter_server: Any) -> None:
    notebook = open_notebook([SETUP, "iface = build('flags')\niface"])
    app = notebook.app("Audio and table")
    kernel = notebook.kernel
    exercise(notebook.page, app, jupyter_server.root, lambda expression: kernel.eval(f"iface._views[-1].{expression}"))
    app.screenshot(path=str(ARTIFACTS / "audio-table-notebook.png"))
    kernel.eval("np.save('got.npy', received[-1][1]) or received[-1][2].to_pickle('got.pkl')")
    samples = np.load(jupyter_server.root / "got.npy")
    table = pd.read_pickle(jupyter_server.root / "got.pkl")
    check_received(kernel.eval("received[-1][0]"), samples, table)
    kernel.eval("iface.flags.to_pickle('flags.pkl')")
    check_flag(pd.read_pickle(jupyter_server.root / "flags.pkl"), samples, table)


def test_audio_and_table_on_the_shared_page(browser: Any, tmp_path: Path) -> None:
    namespace: dict[str, Any] = {}
    import os

    previous = os.getcwd()
    os.chdir(tmp_path)  # SETUP writes its files where it runs
    try:
        exec(SETUP, namespace)
    finally:
        os.chdir(previous)
    iface = namespace["build"](tmp_path / "flags")
    link = iface.launch(inline=False)
    visitor = Visitor(browser, link.local_url)
    try:
        view = lambda: next(v for v in iface._views if v.session_id != "notebook")  # noqa: E731
        exercise(
            visitor.page,
            visitor.page.locator(".nbshare-app"),
            tmp_path,
            lambda expression: eval(f"view().{expression}", {"view": view}),
        )
        visitor.page.screenshot(path=str(ARTIFACTS / "audio-table-shared.png"), full_page=True)
        rate, samples, table = namespace["received"][-1]
        check_received(rate, samples, table)
        check_flag(iface.flags, samples, table)
        assert visitor.errors == []
    finally:
        visitor.close()
        link.close()


def test_the_new_outputs_on_the_shared_page(browser: Any, tmp_path: Path) -> None:
    """Highlighted tokens with a legend, a sortable table, a plot, a playable and downloadable clip, a file download;
    a huge paste is refused at the grid with the limit, a file over the limit in the page."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    def report(words: str, limit: pd.DataFrame) -> tuple:
        tokens = words.split()
        figure = Figure(figsize=(3, 2))
        figure.add_subplot().plot([1, 3, 2])
        wave = (0.3 * np.sin(np.arange(RATE) / 5)).astype(np.float32)
        table = pd.DataFrame({"token": tokens, "length": [len(t) for t in tokens]})
        highlights = [(t, "LONG" if len(t) > 4 else None) for t in tokens]
        return highlights, table, figure, (RATE, wave), ("report.txt", words.encode())

    iface = nbshare.Interface(
        report,
        [nbshare.Textbox(label="Words"), nbshare.Dataframe(label="Limit", headers=["n"], datatype="int", max_rows=50)],
        [nbshare.HighlightedText(label="Tokens"), nbshare.Dataframe(label="Lengths"), nbshare.Plot(label="Chart"),
         nbshare.Audio(label="Tone"), nbshare.File(label="Report")],
        title="Outputs",
    )  # fmt: skip
    link = iface.launch(inline=False)
    visitor = Visitor(browser, link.local_url)
    page = visitor.page
    try:
        page.locator('.nbshare-grid-cell[data-row="0"][data-column="0"]').click()
        page.evaluate(
            """() => {
                const data = new DataTransfer();
                data.setData('text/plain', Array.from({ length: 80 }, (_, i) => String(i)).join('\\n'));
                const grid = document.querySelector('.nbshare-grid');
                grid.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data }));
            }"""
        )
        expect(page.get_by_role("alert")).to_contain_text("pasting 80 rows here would make 80; the limit is 50")
        expect(page.locator(".nbshare-grid").first.locator(".nbshare-grid-row[aria-rowindex]")).to_have_count(3)
        page.get_by_role("textbox", name="Words").fill("a tiny hospital ward")
        page.get_by_role("button", name="Submit").click()
        expect(page.locator("mark.nbshare-token")).to_have_count(1)
        expect(page.locator("mark.nbshare-token")).to_contain_text("hospital")
        expect(page.locator(".nbshare-legend")).to_contain_text("LONG")
        lengths = page.locator(".nbshare-dataframe").filter(has_text="Lengths")
        expect(lengths.locator(".nbshare-grid-summary")).to_have_text("4 rows · click a column to sort")
        lengths.get_by_role("columnheader", name="length").click()
        lengths.get_by_role("columnheader", name="length").click()  # descending
        first_cell = lengths.locator('.nbshare-grid-row[aria-rowindex="2"] .nbshare-grid-cell').nth(1)
        expect(first_cell).to_have_text("hospital")
        expect(page.get_by_role("img", name="Chart")).to_be_visible()
        assert page.get_by_role("img", name="Chart").evaluate("image => image.naturalWidth") > 100
        tone = page.locator(".nbshare-audio").filter(has_text="Tone")
        expect(tone.locator(".nbshare-audio-info")).to_have_text("1.00 s · 16.0 kHz · mono")
        with page.expect_download() as download:
            tone.get_by_role("button", name="Download").click()
        clip = audio.decode_wav(Path(download.value.path()).read_bytes())
        assert clip[0] == RATE and clip[1].shape == (RATE, 1)
        tone.get_by_role("button", name="▶ Play").click()
        expect(tone.get_by_role("button", name="■ Stop")).to_be_visible()
        with page.expect_download() as download:
            page.locator(".nbshare-file").get_by_role("button", name="Download").click()
        assert download.value.suggested_filename == "report.txt"
        assert Path(download.value.path()).read_bytes() == b"a tiny hospital ward"
        page.screenshot(path=str(ARTIFACTS / "outputs-shared.png"), full_page=True)
        assert visitor.errors == []
    finally:
        visitor.close()
        link.close()


def test_a_recording_from_the_microphone_arrives_as_a_clip(browser: Any) -> None:
    """Chromium's synthetic microphone (a beep each second) records through MediaRecorder, decodes and is sent."""
    iface = nbshare.Interface(lambda clip: len(clip[1]) / clip[0], nbshare.Audio(label="Voice"), "number")
    link = iface.launch(inline=False)
    visitor = Visitor(browser, link.local_url)
    try:
        visitor.context.grant_permissions(["microphone"])
        page = visitor.page
        page.get_by_role("button", name="Record").click()
        expect(page.locator(".nbshare-recording")).to_contain_text("Recording…")
        page.wait_for_timeout(1_500)
        page.get_by_role("button", name="■ Stop").click()
        expect(page.locator(".nbshare-audio-info")).to_contain_text("kHz · mono")
        view = next(v for v in iface._views if v.session_id != "notebook")
        clip = view.inputs[0].value
        assert clip.name == "recording.webm" and 1.0 < clip.duration < 3.0, (clip.name, clip.duration)
        page.get_by_role("button", name="Submit").click()
        expect(page.get_by_role("spinbutton", name="Output")).not_to_have_value("")
        assert visitor.errors == []
    finally:
        visitor.close()
        link.close()
