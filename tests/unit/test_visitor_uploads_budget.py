"""All visitors' uploads together have a memory budget: each within its own limits cannot add up to an OOM."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image as PILImage

import nbshare
from nbshare._routing import CommSession, session_scope
from nbshare.widgets import VISITOR_UPLOADS


def _png(side: int) -> bytes:
    buffer = io.BytesIO()
    PILImage.fromarray(np.full((side, side, 3), 90, dtype=np.uint8)).save(buffer, "PNG")
    return buffer.getvalue()


def _upload(image: nbshare.Image, data: bytes) -> None:
    with session_scope(CommSession(lambda _message, _buffers: None)):
        image._receive_page_event(image, {"event": "upload", "name": "scan.png"}, [data])


def test_visitors_uploads_share_one_budget_and_a_closed_page_gives_its_share_back(monkeypatch) -> None:
    monkeypatch.setattr(VISITOR_UPLOADS, "limit", 2 * 400 * 400 * 3)
    monkeypatch.setattr(VISITOR_UPLOADS, "held", 0)
    first, second, third = nbshare.Image(), nbshare.Image(), nbshare.Image()
    _upload(first, _png(400))
    _upload(second, _png(400))
    _upload(third, _png(400))  # a third visitor's image would pass the budget of all visitors
    assert third.value is None and "visitors' uploads already hold" in third.message
    assert "VISITOR_UPLOADS.limit" in third.message
    _upload(first, _png(300))  # a visitor replacing their own image gives back the old one's share
    assert first.value.original.shape == (300, 300, 3) and first.message == ""
    second.close()  # a session that ends gives its share back
    _upload(third, _png(400))
    assert third.value is not None and third.message == ""
    notebook = nbshare.Image()
    notebook._receive_page_event(notebook, {"event": "upload", "name": "mine.png"}, [_png(800)])
    assert notebook.value is not None  # the researcher's own uploads in the notebook do not count
    assert VISITOR_UPLOADS.held == (300 * 300 + 400 * 400) * 3
