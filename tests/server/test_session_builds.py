"""A new visitor's widget tree is built off the server's loop: a slow build delays that visitor alone."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import nbshare

from page_client import PageClient, run, token_cookie


class SlowToBuild(nbshare.Textbox):
    """A Textbox whose copies for new visitors wait until the test lets them be made."""

    building = threading.Event()
    release = threading.Event()

    def clone(self, **overrides: Any) -> Any:
        if SlowToBuild.building.is_set() or overrides:
            return super().clone(**overrides)
        SlowToBuild.building.set()
        SlowToBuild.release.wait(30)
        return super().clone(**overrides)


def test_a_slow_build_of_one_visitors_page_does_not_hold_up_another_visitors_answers() -> None:
    SlowToBuild.building.set()  # the template and the first visitor's tree are built at once
    interface = nbshare.Interface(lambda text, _note: text.upper(), ["text", SlowToBuild(label="Note")], "text")
    link = interface.launch(inline=False)
    try:
        url = link.local_url

        async def visitors() -> tuple[str, str]:
            cookie = await token_cookie(url)
            first = await PageClient.connect(url.split("?")[0], cookie)
            SlowToBuild.building.clear()  # the next visitor's tree waits in its build: their page's request waits
            opening = asyncio.ensure_future(PageClient.from_page(url.split("?")[0], cookie))
            while not SlowToBuild.building.is_set():
                await asyncio.sleep(0.01)
            answer = await first.ask("still served")  # the loop is free while the other page is being built
            assert not opening.done()
            SlowToBuild.release.set()
            second, _ = await opening
            later = await second.ask("built")
            first.close()
            second.close()
            return answer, later

        assert run(visitors()) == ("STILL SERVED", "BUILT")
    finally:
        SlowToBuild.release.set()
        link.close()
