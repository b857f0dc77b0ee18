"""Tier 1: per-session comms keep two visitors' widget trees apart, with no server and no browser."""

from __future__ import annotations

import time

import pytest
from ipywidgets.widgets.widget import _instances

import nbshare
from nbshare._routing import CommSession, current_session, session_scope


class Page:
    """What a visitor's page would receive: every message and its buffers."""

    def __init__(self):
        self.messages = []

    def __call__(self, message, buffers):
        self.messages.append((message, buffers))

    def opened(self):
        return {m["content"]["comm_id"]: m["content"] for m, _ in self.messages if m["msg_type"] == "comm_open"}

    def updates(self, comm_id):
        return [
            m["content"]["data"]["state"]
            for m, _ in self.messages
            if m["msg_type"] == "comm_msg" and m["content"]["comm_id"] == comm_id and "state" in m["content"]["data"]
        ]


def build(interface, page):
    session = CommSession(page)
    with session_scope(session):
        view = interface.view()
    return session, view


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_each_session_gets_its_own_comms_and_messages():
    iface = nbshare.Interface(lambda text: text.upper(), "text", "text")
    page_a, page_b = Page(), Page()
    session_a, view_a = build(iface, page_a)
    session_b, view_b = build(iface, page_b)
    notebook_view = iface.view()

    assert view_a.inputs[0].comm.session is session_a and view_b.inputs[0].comm.session is session_b
    assert not hasattr(notebook_view.inputs[0].comm, "session")  # the notebook keeps the kernel's comms
    assert view_a.inputs[0].model_id in page_a.opened() and view_a.inputs[0].model_id not in page_b.opened()
    assert current_session() is None

    # Visitor A types and submits; only A's tree changes, and only A's page hears about it.
    session_a.handle(
        {
            "msg_type": "comm_msg",
            "content": {"comm_id": view_a.inputs[0].model_id, "data": {"method": "update", "state": {"value": "hi"}}},
        },
        [],
    )
    session_a.handle(
        {
            "msg_type": "comm_msg",
            "content": {
                "comm_id": view_a.actions.model_id,
                "data": {"method": "custom", "content": {"event": "submit"}},
            },
        },
        [],
    )
    wait_until(lambda: view_a.status.state == "done")
    assert view_a.outputs[0].value == "HI" and view_b.outputs[0].value == "" and notebook_view.outputs[0].value == ""
    assert {"value": "HI"} in page_a.updates(view_a.outputs[0].model_id)
    assert not any(m["content"]["comm_id"] == view_a.outputs[0].model_id for m, _ in page_b.messages)


def test_malformed_and_foreign_messages_are_refused():
    iface = nbshare.Interface(lambda text: text, "text", "text")
    session_a, _ = build(iface, Page())
    _, view_b = build(iface, Page())
    with pytest.raises(ValueError, match="no such comm in this session"):
        session_a.handle({"msg_type": "comm_msg", "content": {"comm_id": view_b.inputs[0].model_id, "data": {}}}, [])
    for bad in [{}, {"msg_type": "execute_request", "content": {}}, {"msg_type": "comm_msg", "content": "x"}, []]:
        with pytest.raises(ValueError):
            session_a.handle(bad, [])


def test_closing_a_session_frees_its_widgets_and_stops_sending():
    iface = nbshare.Interface(lambda text: text, "text", "text")
    page = Page()
    session, view = build(iface, page)
    ids = [widget.model_id for widget in view._widgets]
    assert all(model_id in _instances for model_id in ids)
    session.close()
    assert not any(model_id in _instances for model_id in ids)
    count = len(page.messages)
    view.outputs[0].value = "after close"
    assert len(page.messages) == count


def test_image_editor_draws_through_the_sessions_own_canvas_manager():
    import numpy as np

    iface = nbshare.Interface(lambda image: image.shape, nbshare.Image(), "json")
    page = Page()
    session, view = build(iface, page)
    editor = view.inputs[0]
    manager = editor._canvas._canvas_manager
    assert manager is session.resources["canvas_manager"] and manager.comm.session is session
    assert all(layer._canvas_manager is manager for layer in editor._canvas._canvases)
    before = len(page.messages)
    with session_scope(session):
        editor.value = np.zeros((10, 10, 3), dtype=np.uint8)
    draws = [m for m, buffers in page.messages[before:] if m["content"]["comm_id"] == manager.model_id and buffers]
    assert draws, "the draw commands did not reach this session's page"
    # The notebook's editor still uses ipycanvas's global manager.
    import ipycanvas

    assert iface.view().inputs[0]._canvas._canvas_manager is ipycanvas.canvas._CANVAS_MANAGER
