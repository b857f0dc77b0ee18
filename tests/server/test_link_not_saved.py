"""launch() in a real kernel, the notebook saved with its outputs and widget state: the file holds no token, and the
links widget still gets the full links when its view asks, as JupyterLab's widget manager does on render."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.util import run_sync

CELLS = [
    "import nbshare\n"
    "iface = nbshare.Interface(lambda text: text[::-1], 'text', 'text', title='Reverse')\n"
    "link = iface.launch()",
    "link",
    "print(link)\nrepr(link)",
    # Kept off the notebook: the test reads the token from a file.
    "with open('token.txt', 'w') as file:\n    file.write(link.local_url.split('token=')[1])",
]


def ask_for_links(client: NotebookClient, model_id: str) -> dict[str, Any]:
    """Send what the links view sends when it renders; return the widget's answer (a custom comm message)."""
    request = client.kc.session.msg(
        "comm_msg", {"comm_id": model_id, "data": {"method": "custom", "content": {"event": "links"}}}
    )
    client.kc.shell_channel.send(request)
    while True:
        message = run_sync(client.kc.get_iopub_msg)(timeout=20)
        content = message["content"]
        ours = message["msg_type"] == "comm_msg" and content.get("comm_id") == model_id
        if ours and content["data"].get("method") == "custom":
            return content["data"]["content"]  # type: ignore[no-any-return]


def test_a_saved_notebook_holds_no_token_and_the_view_still_gets_the_links(tmp_path: Path) -> None:
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in CELLS])
    resources = {"metadata": {"path": str(tmp_path)}}
    client = NotebookClient(notebook, timeout=60, kernel_name="python3", resources=resources)
    with client.setup_kernel():
        for index, cell in enumerate(notebook.cells):
            client.execute_cell(cell, index)
        views = [
            output["data"]["application/vnd.jupyter.widget-view+json"]["model_id"]
            for cell in notebook.cells
            for output in cell.outputs
            if "application/vnd.jupyter.widget-view+json" in output.get("data", {})
        ]
        assert len(views) == 3  # launch(): the interface and its links; then `link` as the cell's last expression
        assert views[1] == views[2]  # one links widget per link
        answer = ask_for_links(client, views[1])
        client.set_widgets_metadata()
        client.kc.execute("link.close()")
    token = (tmp_path / "token.txt").read_text()
    assert answer["links"][0]["url"].endswith(f"/?token={token}")

    path = tmp_path / "saved.ipynb"
    nbformat.write(notebook, path)
    saved = path.read_text(encoding="utf-8")
    assert token not in saved
    assert views[1] in json.dumps(notebook.metadata["widgets"])  # the widget's state was saved, without the token
    assert "?token=…" in saved and "link.url" in saved  # the masked link and where to find the full one
    errors = [output for cell in notebook.cells for output in cell.outputs if output.get("name") == "stderr"]
    assert errors == []
