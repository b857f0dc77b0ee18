"""A property-based fuzzer driven by the served OpenAPI description (schemathesis) finds no 5xx and no answer that
does not match the description, for a text + number + image interface."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

import nbshare


def describe(text: str, scale: float, picture: np.ndarray) -> tuple[str, float, np.ndarray]:
    return f"{text[:20]} {picture.shape}", scale * float(picture.mean()), 255 - picture


@pytest.fixture(scope="module")
def link(tmp_path_factory: pytest.TempPathFactory) -> Iterator[nbshare.Link]:
    iface = nbshare.Interface(
        describe,
        [
            nbshare.Textbox(label="Note", max_length=200),
            nbshare.Number(label="Scale", minimum=-5, maximum=5),
            nbshare.Image(label="Scan", max_pixels=4096, max_upload_bytes=50_000),
        ],
        [nbshare.Text(label="Summary"), nbshare.Number(label="Score"), nbshare.Image(label="Inverted")],
        examples=[["a note", 1, np.zeros((8, 8, 3), dtype=np.uint8)]],
        flagging_dir=tmp_path_factory.mktemp("flags"),
    )
    link = iface.launch(inline=False, max_message_bytes=1_000_000)
    yield link
    link.close()


def headers_for(link: nbshare.Link) -> dict[str, str]:
    assert link.server is not None
    return {"Authorization": f"Bearer {link.server.access.token}"}


@pytest.fixture(scope="module")
def api(link: nbshare.Link) -> Any:
    url = link.local_url.split("?")[0] + "api/openapi.json"
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers_for(link)), timeout=30) as answer:
        document = json.loads(answer.read())
    return schemathesis.openapi.from_dict(document)


schema = schemathesis.pytest.from_fixture("api")


@schema.parametrize()
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_get_no_5xx_and_answers_match_the_description(case: Any, link: nbshare.Link) -> None:
    case.call_and_validate(
        base_url=link.local_url.split("?")[0].rstrip("/"),
        headers=headers_for(link),
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
