"""Real JupyterLab: launch() shows links a researcher can click and copy, and the notebook the app saves (outputs,
metadata, widget state) holds no token."""

from __future__ import annotations

import json
import re
from typing import Any

import nbformat
import pytest
from playwright.sync_api import expect

from conftest import ARTIFACTS
from waiting import until

pytestmark = pytest.mark.browser

CELLS = [
    "import nbshare\n"
    "iface = nbshare.Interface(lambda text: text[::-1], nbshare.Textbox(label='Question'), 'text', title='Reverse')\n"
    "link = iface.launch()",
    "link",
]
PROXIED = re.compile(r"\/proxy\/\d+\/\?token=…$")  # the notebook server link, its token masked


def save_widget_state(jupyter_server: Any) -> None:
    """Turn on JupyterLab's "Save Jupyter widget state in notebooks" (off by default), as a researcher may have it."""
    folder = jupyter_server.root / ".lab-settings" / "@jupyter-widgets" / "jupyterlab-manager"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plugin.jupyterlab-settings").write_text(json.dumps({"saveState": True}))


def test_links_are_clickable_and_copyable_and_the_saved_notebook_holds_no_token(
    open_notebook: Any, jupyter_server: Any
) -> None:
    save_widget_state(jupyter_server)
    notebook = open_notebook(CELLS)
    page, kernel = notebook.page, notebook.kernel
    urls = kernel.eval("link.urls")
    token = urls["local"].split("token=")[1]
    assert set(urls) == {"proxy", "local"}  # JupyterLab runs with jupyter-server-proxy: the notebook server link

    # launch() showed the links, and `link` as a cell's last expression shows them again: the same widget.
    panels = page.locator(".nbshare-links")
    expect(panels).to_have_count(2)
    panel = panels.first
    row = panel.get_by_role("listitem").filter(has=page.get_by_role("link", name=PROXIED))
    proxied = row.get_by_role("link")
    expect(proxied).to_be_visible()
    assert proxied.get_attribute("href") == urls["proxy"]  # the text is masked, the link is whole
    assert token not in panel.inner_text()
    expect(panel).to_contain_text("link.url")

    # Copy puts the whole address on the clipboard.
    notebook.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=jupyter_server.url.rstrip("/"))
    row.get_by_role("button", name="Copy").click()
    expect(panel.get_by_role("status").filter(has_text="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == urls["proxy"]

    # Clicking opens the shared page in a new tab, and it answers.
    with notebook.context.expect_page() as opened:  # a new tab (noopener: no popup relation)
        proxied.click()
    visitor = opened.value
    visitor.get_by_role("textbox", name="Question").fill("stressed")
    visitor.get_by_role("button", name="Submit").click()
    expect(visitor.get_by_role("status").filter(has_text="desserts")).to_be_visible(timeout=20_000)
    visitor.close()
    notebook.screenshot(ARTIFACTS / "notebook-links.png")

    # Save with the app's shortcut, then read the file on disk.
    path = jupyter_server.root / notebook.name
    page.locator(".jp-InputArea-prompt").first.click()  # a cell selected, nothing of the outputs clicked
    page.keyboard.press("Control+s")
    until(lambda: "widget-view+json" in path.read_text(encoding="utf-8"), within=30)
    saved = path.read_text(encoding="utf-8")
    assert token not in saved
    notebook_file = nbformat.reads(saved, as_version=4)
    outputs = [output for cell in notebook_file.cells for output in cell.outputs]
    texts = [output.get("data", {}).get("text/plain", "") for output in outputs]
    assert any("?token=…" in text and "link.url" in text for text in texts)  # masked, and where the full link is
    widgets = notebook_file.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]
    assert widgets["state"], "the widget state was saved (so it was checked)"
    assert [output for output in outputs if output.get("name") == "stderr"] == []  # no red warnings
    kernel.eval("link.close() or True")
    expect(panel).to_contain_text("links are closed")
