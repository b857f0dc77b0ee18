"""A page's update of a component's value meets the component's own limits before it is set, not only at Submit."""

from __future__ import annotations

import nbshare

from page_client import PageClient, run, token_cookie


def test_a_textbox_value_over_its_max_length_is_refused_when_the_page_sets_it() -> None:
    link = nbshare.Interface(lambda text: text.upper(), nbshare.Textbox(max_length=1000), "text").launch(inline=False)
    try:
        url = link.local_url

        async def page() -> tuple[list[str], str, str]:
            client = await PageClient.connect(url.split("?")[0], await token_cookie(url))
            box = client.find("Textbox")
            client.update(box, value="A" * 1_000_000)
            await client.until(lambda: client.errors())
            answer = await client.ask("fits")
            client.close()
            return client.errors(), answer, client.session or ""

        errors, answer, session_id = run(page())
        assert any("1,000,000 characters" in error and "1,000" in error for error in errors), errors
        assert answer == "FITS"  # the session lives on
        session = link.server.sessions[session_id]
        assert len(session.view.inputs[0].value) <= 1000  # the long value was never held
    finally:
        link.close()


def test_a_choice_that_is_not_offered_is_refused_when_the_page_sets_it() -> None:
    link = nbshare.Interface(lambda size: size, nbshare.Dropdown(["S", "M"]), "text").launch(inline=False)
    try:
        url = link.local_url

        async def page() -> tuple[list[str], str]:
            client = await PageClient.connect(url.split("?")[0], await token_cookie(url))
            client.update(client.find("Dropdown"), value="X" * 100_000)
            await client.until(lambda: client.errors())
            client.close()
            return client.errors(), client.session or ""

        errors, session_id = run(page())
        assert any("is not one of the choices" in error for error in errors)
        session = link.server.sessions[session_id]
        assert session.view.inputs[0].value is None
    finally:
        link.close()
