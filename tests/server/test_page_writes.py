"""What a page may write: a plain ipywidget's value while it is an input (within its own bounds and options),
nothing of an output or a layout box, and no trait through a buffer path. Over a real websocket."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import ipywidgets
import pytest

import nbshare

from page_client import PageClient, run, token_cookie

seen: list[tuple[Any, ...]] = []


def repeat(text: str, times: int, unit: str, span: tuple[float, float]) -> str:
    seen.append((text, times, unit, span))
    return f"{text * times} {unit} {span[0]}-{span[1]}"


@pytest.fixture
def link(tmp_path: Path) -> Iterator[nbshare.Link]:
    seen.clear()
    inputs = [
        "text",
        ipywidgets.IntSlider(value=2, min=1, max=5, description="Times"),
        ipywidgets.Dropdown(options=[("metres", "m"), ("feet", "ft")], value="m", description="Unit"),
        ipywidgets.FloatRangeSlider(value=(0.2, 0.4), min=0.0, max=1.0, description="Span"),
    ]
    iface = nbshare.Interface(repeat, inputs, ipywidgets.Textarea(description="Answer"), flagging_dir=tmp_path)
    link = iface.launch(inline=False)
    yield link
    link.close()


def model(client: PageClient, name: str) -> str:
    return next(cid for cid, state in client.models.items() if state.get("_model_name") == f"{name}Model")


async def answer(client: PageClient) -> str:
    output = model(client, "Textarea")
    client.models[output]["value"] = None
    client.update(client.find("Textbox"), value="ab")
    client.custom(client.find("Actions"), {"event": "submit"})
    await client.until(lambda: client.models[output].get("value") not in (None, ""))
    return str(client.models[output]["value"])


def test_a_plain_ipywidget_input_takes_only_values_within_its_own_bounds_and_options(link: nbshare.Link) -> None:
    async def scenario() -> None:
        client = await PageClient.connect(link.local_url.split("?")[0], await token_cookie(link.local_url))
        slider, dropdown, span = (
            model(client, "IntSlider"),
            model(client, "Dropdown"),
            model(client, "FloatRangeSlider"),
        )
        allowed = [client.update(slider, value=3), client.update(dropdown, index=1), client.update(span, value=[0, 1])]
        refused = [
            client.update(slider, max=10**9),
            client.update(slider, value=10**9),
            client.update(slider, value=0),
            client.update(slider, description="<b>forged</b>"),
            client.update(dropdown, index=7),
            client.update(span, value=[0.5, 2.0]),
            client.update(span, value=[0.9, 0.1]),
            client.update(model(client, "Textarea"), value="a forged answer"),
            client.update(model(client, "VBox"), children=[]),
            client.update(model(client, "Layout"), display="none"),
        ]
        await client.until(lambda: all(client.acked(m) for m in allowed + refused))
        errors = client.errors()
        assert len(errors) == len(refused), errors
        assert "may not change IntSlider.max" in errors[0]
        assert "Times takes values from 1 to 5; got 1000000000" in errors[1]
        assert "Times takes values from 1 to 5; got 0" in errors[2]
        assert "may not change IntSlider.description" in errors[3]
        assert "Unit has 2 options; there is no option 7" in errors[4]
        assert "Span takes values from 0.0 to 1.0; got 2.0" in errors[5]
        assert "a range must not end before it starts" in errors[6]
        assert "may not change Textarea.value" in errors[7]
        assert errors[8].endswith(".children") and "may not change Layout.display" in errors[9]
        # The page is told what the kernel holds after a refusal; the function saw only the values allowed.
        assert client.models[slider]["value"] == 3 and client.models[slider]["max"] == 5
        assert await answer(client) == "ababab ft 0.0-1.0"
        assert seen[-1] == ("ab", 3, "ft", (0.0, 1.0))
        client.close()

    run(scenario())


def test_a_flag_records_the_models_answer_not_what_the_page_wrote_into_an_output(
    link: nbshare.Link, tmp_path: Path
) -> None:
    async def scenario() -> None:
        client = await PageClient.connect(link.local_url.split("?")[0], await token_cookie(link.local_url))
        assert await answer(client) == "abab m 0.2-0.4"
        client.update(model(client, "Textarea"), value="a forged answer")
        control = client.find("FlagControl")
        sent = client.custom(control, {"event": "flag", "option": None, "message": "wrong"})
        await client.until(lambda: client.acked(sent))
        client.close()

    run(scenario())
    record = json.loads((tmp_path / "flags.jsonl").read_text().splitlines()[-1])
    assert record["values"]["Answer"]["value"] == "abab m 0.2-0.4"


def test_a_buffer_path_names_a_trait_the_page_may_set_like_any_state_name(link: nbshare.Link) -> None:
    async def scenario() -> None:
        client = await PageClient.connect(link.local_url.split("?")[0], await token_cookie(link.local_url))
        textbox = client.find("Textbox")
        evil = b"export default {render({el}){el.innerHTML = '<img src=x onerror=alert(1)>'}}"

        def update(state: dict[str, Any], paths: list[Any], buffers: list[bytes]) -> str:
            return client.send(
                "comm_msg", textbox, {"method": "update", "state": state, "buffer_paths": paths}, buffers
            )

        refused = [
            update({"value": "x"}, [["_esm"]], [evil]),
            update({}, [["max_length"]], [b"\x00"]),
            update({"value": "x"}, [["value"]], []),
            update({"value": {}}, [["value", "deep", "er"]], [b"x"]),
            update({"value": "x"}, [[0]], [b"x"]),
        ]
        await client.until(lambda: all(client.acked(m) for m in refused))
        errors = client.errors()
        assert len(errors) == len(refused), errors
        assert "may not change '_esm'" in errors[0] and "may not change Textbox.max_length" in errors[1]
        assert "1 buffer path(s)" in errors[2] and "does not name a place" in errors[3]
        assert "a trait name must be text" in errors[4]
        session = link.server.sessions[client.session]
        assert session.view.inputs[0]._esm != evil and session.view.inputs[0].max_length == 100_000
        client.close()

    run(scenario())
