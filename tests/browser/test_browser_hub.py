"""A real JupyterHub (configurable-http-proxy, shared-password sign-in, local JupyterLab servers): the link a
researcher gets from launch() in a hub notebook is a whole address, it opens the app for its owner, sends a visitor
who is not signed in to the hub's login, and is refused to another user of the hub."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import nbformat
import pytest
from hub import PASSWORD, JupyterHubServer, proxy_command
from playwright.sync_api import expect

from conftest import ARTIFACTS
from harness import KernelProbe

CELLS = [
    "import os, nbshare\n"
    "iface = nbshare.Interface(lambda text: text.upper(), 'text', 'text', title='Hub app')\n"
    "public = iface.launch()  # this hub has public_url: JUPYTERHUB_PUBLIC_URL is this user's server address",
    "os.environ['JUPYTERHUB_PUBLIC_URL'] = ''  # what a hub without public_url gives its users' kernels\n"
    "bare = iface.launch()",
]


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[JupyterHubServer]:
    if proxy_command() is None:
        message = "configurable-http-proxy is missing: npm ci installs it (a devDependency)"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    server = JupyterHubServer(tmp_path_factory.mktemp("jupyterhub"), users=("alice", "bob"))
    yield server
    server.stop()


def sign_in(browser: Any, hub: JupyterHubServer, user: str, next_path: str) -> Any:
    """A browser context signed in to the hub as ``user``, its page at ``next_path`` after the sign-in."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{hub.url}hub/login?next={next_path}")
    page.locator("input[name=username]").fill(user)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("input[type=submit], button[type=submit]").first.click()
    return context, page


def test_hub_links_are_whole_and_open_the_app_only_for_their_owner(browser: Any, hub: JupyterHubServer) -> None:
    notebook = "hub_links.ipynb"
    cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(
        nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": kernelspec}), hub.home("alice") / notebook
    )
    hub.start_server("alice")
    alice, page = sign_in(browser, hub, "alice", f"{hub.base_url}user/alice/lab/tree/{notebook}?reset")
    kernel: KernelProbe | None = None
    try:
        page.locator(".jp-Notebook").first.wait_for(timeout=120_000)  # the hub spawned alice's JupyterLab
        page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").first.wait_for(
            state="attached", timeout=60_000
        )
        kernel = KernelProbe(hub.kernel_client("alice", notebook, hub.user_token("alice")))
        page.locator(".jp-Notebook").first.click()
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        panels = page.locator(".nbshare-links")
        expect(panels).to_have_count(2, timeout=60_000)

        server_prefix = f"http://127.0.0.1:{hub.port}{hub.base_url}user/alice/proxy/"
        whole = re.compile(re.escape(server_prefix) + r"\d+/\?token=[\w-]+$")
        # With public_url, the kernel itself knows the whole address.
        assert whole.match(kernel.eval("public.urls['proxy']"))
        # Without it, the kernel knew only the path; the links widget completed it from the notebook's address, on
        # the page and in link.url, so what the researcher copies is whole.
        hrefs = [panel.get_by_role("link").first.get_attribute("href") for panel in panels.all()]
        assert all(whole.match(href or "") for href in hrefs), hrefs
        bare_url = kernel.wait_for("bare.url", lambda url: url.startswith("http"))
        assert bare_url == hrefs[1] and whole.match(bare_url)
        expect(panels.first).to_contain_text("Hub link (only you, signed in to the hub")  # who can open it
        page.screenshot(path=str(ARTIFACTS / "hub-notebook-links.png"), full_page=True)

        for url in (kernel.eval("public.url"), bare_url):
            # The owner: the app, and an answer through the hub's proxy, jupyter-server-proxy and the websocket.
            app = alice.new_page()
            app.goto(url)
            expect(app.get_by_role("heading", name="Hub app")).to_be_visible(timeout=30_000)
            app.get_by_role("textbox").first.fill("expert")
            app.get_by_role("button", name="Submit").click()
            expect(app.get_by_text("EXPERT")).to_be_visible(timeout=30_000)
            assert "token=" not in app.url  # the token left the address bar
            app.close()

            # A visitor not signed in to the hub: its login page, not the app.
            stranger = browser.new_context()
            visit = stranger.new_page()
            visit.goto(url)
            expect(visit.locator("input[name=password]")).to_be_visible(timeout=30_000)
            assert "/hub/login" in visit.url
            stranger.close()

        # Another user of the hub: refused (403) by alice's server.
        bob, bob_page = sign_in(browser, hub, "bob", f"{hub.base_url}hub/home")
        try:
            bob_page.wait_for_url(re.compile(r".*/hub/home.*"), timeout=30_000)
            response = bob_page.goto(bare_url)
            assert response is not None and response.status == 403, response and response.status
            expect(bob_page.get_by_role("heading", name="Hub app")).to_have_count(0)
        finally:
            bob.close()
    except BaseException:
        page.screenshot(path=str(ARTIFACTS / "hub-failed.png"), full_page=True)
        print(hub.log())
        raise
    finally:
        if kernel is not None:
            kernel.client.stop_channels()
        alice.close()
