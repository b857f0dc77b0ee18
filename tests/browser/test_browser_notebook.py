"""Real JupyterLab, real Chromium: a user types, clicks and reads; we assert the page and the kernel."""

from __future__ import annotations

import contextlib

import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS

pytestmark = pytest.mark.browser

SHOUT = [
    "import nbshare\n"
    "received = []\n"
    "def shout(text):\n"
    "    received.append(text)\n"
    "    if text == 'boom':\n"
    "        raise ValueError('cannot shout boom')\n"
    "    return text.upper() + '!'\n",
    "iface = nbshare.Interface(shout, 'text', 'text', title='Shout',\n"
    "                          description='Type a **sentence**. <script>window.pwned = 1</script>')\n"
    "iface",
]


def test_type_submit_shows_answer_and_the_function_received_the_text(open_notebook):
    notebook = open_notebook(SHOUT)
    app = notebook.app("Shout")
    expect(app).to_be_visible(timeout=30_000)

    app.get_by_role("textbox", name="Text").fill("hello doctor")
    app.get_by_role("button", name="Submit").click()

    expect(app.get_by_role("status").filter(has_text="HELLO DOCTOR!")).to_be_visible()
    assert notebook.kernel.eval("received") == ["hello doctor"]
    # The description is Markdown with its HTML escaped: the bold renders, the script is only text.
    expect(app.locator(".nbshare-description strong")).to_have_text("sentence")
    expect(app.locator(".nbshare-description")).to_contain_text("<script>")
    assert notebook.page.evaluate("window.pwned") is None
    notebook.screenshot(ARTIFACTS / "notebook-text.png")


def test_function_error_is_shown_and_the_interface_stays_usable(open_notebook):
    notebook = open_notebook(SHOUT)
    app = notebook.app("Shout")
    textbox = app.get_by_role("textbox", name="Text")

    textbox.fill("boom")
    app.get_by_role("button", name="Submit").click()
    expect(app.get_by_role("alert")).to_have_text("ValueError: cannot shout boom")

    textbox.fill("calm")
    textbox.press("Enter")  # Enter in a one-line field submits
    expect(app.get_by_role("status").filter(has_text="CALM!")).to_be_visible()
    expect(app.get_by_role("alert")).to_have_count(0)
    assert notebook.kernel.eval("received") == ["boom", "calm"]


def test_clear_empties_inputs_and_outputs(open_notebook):
    notebook = open_notebook(SHOUT)
    app = notebook.app("Shout")
    app.get_by_role("textbox", name="Text").fill("x")
    app.get_by_role("button", name="Submit").click()
    expect(app.get_by_role("status").filter(has_text="X!")).to_be_visible()

    app.get_by_role("button", name="Clear").click()
    expect(app.get_by_role("textbox", name="Text")).to_have_value("")
    notebook.kernel.wait_for("iface._views[-1].outputs[0].value", lambda value: value == "")


def test_several_inputs_map_to_parameters_and_a_tuple_fills_several_outputs(open_notebook):
    notebook = open_notebook(
        [
            "import nbshare\n"
            "calls = []\n"
            "def bmi(weight_kg, height_cm, metric):\n"
            "    calls.append([weight_kg, height_cm, metric])\n"
            "    value = weight_kg / (height_cm / 100) ** 2\n"
            "    return round(value, 1), {'band': 'high' if value > 25 else 'normal'}\n"
            "nbshare.Interface(bmi, ['number', nbshare.Slider(minimum=100, maximum=220, value=170), 'checkbox'],\n"
            "                  ['number', 'json'], title='BMI')",
        ]
    )
    app = notebook.app("BMI")
    app.get_by_role("spinbutton", name="Weight kg").fill("90")
    app.get_by_role("checkbox", name="Metric").check()
    slider = app.get_by_role("slider", name="Height cm")
    slider.focus()
    for _ in range(10):
        slider.press("ArrowRight")  # 170 -> 180
    app.get_by_role("button", name="Submit").click()

    expect(app.get_by_role("spinbutton", name="Output 1")).to_have_value("27.8")
    expect(app.locator(".nbshare-json")).to_contain_text('"band": "high"')
    assert notebook.kernel.eval("calls") == [[90.0, 180.0, True]]


def test_live_mode_runs_on_change_without_a_submit_button(open_notebook):
    notebook = open_notebook(
        [
            "import nbshare\nnbshare.Interface(lambda text: len(text), 'text', 'number', live=True, title='Count')",
        ]
    )
    app = notebook.app("Count")
    expect(app.get_by_role("button", name="Submit")).to_be_hidden()
    app.get_by_role("textbox", name="Text").press_sequentially("abcd")
    expect(app.get_by_role("spinbutton", name="Output")).to_have_value("4")


def test_sklearn_classifier_label_and_example_click(open_notebook):
    notebook = open_notebook(
        [
            "import nbshare\n"
            "from sklearn.datasets import load_iris\n"
            "from sklearn.linear_model import LogisticRegression\n"
            "iris = load_iris(as_frame=True)\n"
            "model = LogisticRegression(max_iter=500).fit(iris.data, iris.target_names[iris.target])\n"
            "nbshare.Interface(model, ['number'] * 4, nbshare.Label(num_top_classes=3), title='Iris',\n"
            "                  examples=[[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])",
        ]
    )
    app = notebook.app("Iris")
    # Inputs are named after the model's features.
    expect(app.get_by_role("spinbutton", name="Sepal length (cm)")).to_be_visible()
    app.get_by_role("button", name="Example 2: 6.7, 3.0, 5.2, 2.3").click()
    expect(app.get_by_role("spinbutton", name="Petal length (cm)")).to_have_value("5.2")
    expect(app.locator(".nbshare-label-top")).to_have_text("virginica")
    expect(app.locator(".nbshare-bar-row")).to_have_count(3)
    app.screenshot(path=str(ARTIFACTS / "notebook-iris.png"))


def test_notebook_7_shows_the_interface_and_its_image_editor(jupyter_server, browser):
    """Notebook 7 (the `notebook` package, served by the same Jupyter server): the interface renders, ipycanvas's
    front end loads, an example fills the editor and the answer comes back."""
    import nbformat

    name = "notebook7.ipynb"
    cells = [
        "import numpy as np, nbshare\n"
        "frame = np.zeros((40, 60, 3), dtype=np.uint8); frame[:] = (30, 160, 90)\n"
        "iface = nbshare.Interface(lambda image: list(image.shape), 'image', 'json', title='Shape',\n"
        "                          examples=[frame])\n"
        "iface",
    ]
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(notebook, jupyter_server.root / name)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{jupyter_server.url}notebooks/{name}?token={jupyter_server.token}")
        page.locator(".jp-Notebook").first.wait_for(timeout=60_000)
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
            state="attached", timeout=60_000
        )
        assert page.locator("#main-panel, .jp-NotebookPanel").count() > 0 and "/lab" not in page.url  # Notebook 7
        wait_until_the_page_is_connected_to_its_kernel(jupyter_server, name)
        page.locator(".jp-Notebook").first.click()
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        app = page.locator(".nbshare-app").filter(has=page.get_by_role("heading", name="Shape"))
        expect(app).to_be_visible(timeout=60_000)
        app.get_by_role("button", name="Example 1").click()
        expect(app.get_by_role("img", name="Image: drag to paint, erase or crop")).to_be_visible()  # ipycanvas's view
        expect(app.locator(".nbshare-json, pre").filter(has_text="60").first).to_be_visible(timeout=30_000)
        page.wait_for_function(
            "() => { const picture = document.querySelector('.nbshare-app canvas.nbshare-picture');"
            " return picture && !picture.hidden && picture.width === 60; }"
        )
        page.screenshot(path=str(ARTIFACTS / "notebook7.png"))
    finally:
        with contextlib.suppress(Exception):
            for session in jupyter_server.api("GET", "api/sessions"):
                if session["path"].endswith(name):
                    jupyter_server.api("DELETE", f"api/sessions/{session['id']}")
        context.close()


def wait_until_the_page_is_connected_to_its_kernel(server, name, timeout=60):
    """The server's own word that the notebook's kernel is idle with the page connected (its Run menu acts then)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for session in server.api("GET", "api/sessions"):
            kernel = session.get("kernel") or {}
            if session["path"].endswith(name) and kernel.get("execution_state") == "idle" and kernel.get("connections"):
                return
        time.sleep(0.2)
    raise AssertionError(f"{name}'s kernel never became idle with the page connected")
