"""How the shared page loads, over real sockets: content-hashed files kept for good, compressed once, the token
traded for a cookie without a redirect, the widget modules the interface uses named up front."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import pytest

import nbshare
from nbshare.server.assets import BUNDLE_DIR, accepted_coding

from page_client import PageClient, fetch, run, token_cookie

IMMUTABLE = "private, max-age=31536000, immutable"
HASHED = re.compile(r'(?:src|href)="((?:static|widgets)/[^"]+)"')


def shout(text: str) -> str:
    return text.upper()


def classify(image: Any) -> dict[str, float]:
    return {"red": 1.0}


@pytest.fixture(scope="module")
def link() -> Iterator[nbshare.Link]:
    link = nbshare.Interface(shout, "text", "text", title="Shout {main}").launch(inline=False)
    yield link
    link.close()


def base(link: nbshare.Link) -> str:
    return link.local_url.split("?")[0]


async def get(link: nbshare.Link, path: str, cookie: str = "", coding: str = "identity") -> Any:
    """GET with the raw bytes as sent (nothing decompressed by the client)."""
    return await fetch(base(link) + path, cookie, headers={"Accept-Encoding": coding}, decompress_response=False)


def brotli_decompress(data: bytes) -> bytes:
    """Node's zlib (the one the build compresses with) undoes brotli; Python has no brotli without a package."""
    node = shutil.which("node")
    assert node is not None, "Node.js is needed to build nbshare and to check its brotli files"
    script = "process.stdout.write(require('zlib').brotliDecompressSync(require('fs').readFileSync(0)))"
    return subprocess.run([node, "-e", script], input=data, capture_output=True, check=True).stdout


def test_a_link_answers_the_page_itself_with_the_cookie_and_no_redirect(link: nbshare.Link) -> None:
    async def scenario() -> None:
        page = await fetch(link.local_url)
        assert page.code == 200 and "Location" not in page.headers
        cookies = page.headers.get_list("Set-Cookie")
        token_cookie_header = next(c for c in cookies if c.startswith(f"nbshare-{link.server.access.server_id}="))
        assert link.server.access.token in token_cookie_header and "HttpOnly" in token_cookie_header
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["Referrer-Policy"] == "no-referrer"  # its first requests leave while the token shows
        body = page.body.decode()
        assert "Shout {main}</title>" in body  # braces in a title are text, not a placeholder
        assert 'id="nbshare-loading"' in body and "Connecting…" in body  # something to see at once
        assert "script-src 'self' blob:;" in page.headers["Content-Security-Policy"]  # no inline script needed
        assert "<script>" not in body  # (the module table is a JSON data block, which never runs)
        # The cookie alone opens the page and a session, as it did after the redirect.
        cookie = await token_cookie(link.local_url)
        again = await fetch(base(link), cookie)
        without_tree = lambda body: re.sub(rb'id="nbshare-first">.*?</script>', b"", body)  # noqa: E731 - its session
        assert again.code == 200 and without_tree(again.body) == without_tree(page.body)
        client = await PageClient.connect(base(link), cookie)
        assert await client.ask("far") == "FAR"
        client.close()

    run(scenario())


ATTACK = "</script><script>alert(1)</script><!--"


def test_the_page_comes_with_its_first_widget_tree_and_its_websocket_carries_on() -> None:
    iface = nbshare.Interface(shout, nbshare.Textbox(value=ATTACK, placeholder=ATTACK), "text", title=ATTACK)
    link = iface.launch(inline=False, grace_seconds=0.2)
    sessions = link.server.sessions

    async def scenario() -> dict[str, Any]:
        cookie = await token_cookie(link.local_url)  # (the token's page has its session too)
        before = set(sessions)
        page = (await fetch(base(link), cookie)).body.decode()
        made = list(set(sessions) - before)  # the page's request made the session
        await asyncio.sleep(0.6)  # longer than the grace period: a session whose page has not connected yet waits
        client, tree = await PageClient.from_page(base(link), cookie)
        seen = {
            "page": page,
            "made": made,
            "tree": tree,
            "sessions": list(sessions),
            "value": client.models[client.find("Textbox")]["value"],
            "answer": await client.ask("far"),
            "displays": [c for c in client.controls if c["msg_type"] == "nbshare_display"],
        }
        client.close()
        return seen

    try:
        seen = run(scenario())
    finally:
        link.close()
    tree, page = seen["tree"], seen["page"]
    assert len(seen["made"]) == 1 and seen["made"][0] in page
    assert tree["welcome"]["session"] in seen["sessions"]
    assert tree["display"] and any(m["message"]["msg_type"] == "comm_open" for m in tree["messages"])
    assert seen["value"] == ATTACK  # the text survives whole in the tree...
    assert ATTACK not in page and "<script>alert" not in page  # ...but never as markup: the data block cannot end
    assert page.count("</script>") == page.count("<script")
    assert seen["answer"] == "FAR"  # the websocket carried on with that session
    assert seen["displays"] == []  # nothing shown twice: the tree was the display


def test_a_page_that_cannot_get_a_session_still_loads_and_its_websocket_says_why() -> None:
    link = nbshare.Interface(shout, "text", "text").launch(inline=False, max_sessions_per_client=1)

    async def scenario() -> tuple[str, str]:
        cookie = await token_cookie(link.local_url)
        client, _ = await PageClient.from_page(base(link), cookie)  # one open page: its session is never taken
        page = (await fetch(base(link), cookie)).body.decode()
        try:
            await PageClient.connect(base(link), cookie)  # what that page's websocket then does
        except ConnectionError as error:
            refused = str(error)
        finally:
            client.close()
        return page, refused

    try:
        page, refused = run(scenario())
    finally:
        link.close()
    assert '<script type="application/json" id="nbshare-first"></script>' in page  # no tree, the page all the same
    assert 'id="nbshare-loading"' in page
    assert refused.startswith("closed: 4") and "sessions" in refused  # the websocket says why


def test_only_a_visit_gets_a_session_made_with_the_page_and_only_its_browser_can_resume_it() -> None:
    link = nbshare.Interface(shout, "text", "text").launch(inline=False)
    sessions = link.server.sessions

    async def scenario() -> dict[str, Any]:
        cookie = await token_cookie(link.local_url)
        before = len(sessions)
        asked = {}
        # Another site's <img> or fetch() at the link, a prefetch: the page, but no session made for it.
        for kind, headers in [
            ("image", {"Sec-Fetch-Dest": "image", "Sec-Fetch-Mode": "no-cors", "Sec-Fetch-Site": "cross-site"}),
            ("fetch", {"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors"}),
            ("prefetch", {"Sec-Fetch-Dest": "document", "Sec-Purpose": "prefetch"}),
            ("visit", {"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate"}),
        ]:
            page = (await fetch(base(link), cookie, headers=headers)).body.decode()
            asked[kind] = ('id="nbshare-first"></script>' not in page, len(sessions) - before)
        # A session id is no key for another browser (its own cookie, same link token).
        client, tree = await PageClient.from_page(base(link), cookie)
        stranger = await token_cookie(link.local_url)
        try:
            await PageClient.connect(base(link), stranger, session=tree["welcome"]["session"])
            asked["stranger"] = "resumed"
        except ConnectionError as error:
            asked["stranger"] = str(error)
        asked["owner"] = await client.ask("mine")
        client.close()
        return asked

    try:
        asked = run(scenario())
    finally:
        link.close()
    assert asked["image"] == (False, 0) and asked["fetch"] == (False, 0) and asked["prefetch"] == (False, 0)
    assert asked["visit"] == (True, 1)
    assert asked["stranger"].startswith("closed: 4001") and asked["owner"] == "MINE"


def test_wrong_and_expired_tokens_are_refused_as_before(link: nbshare.Link) -> None:
    async def scenario(expiring: nbshare.Link) -> None:
        wrong = await fetch(base(link) + "?token=not-the-token")
        assert wrong.code == 403 and "Set-Cookie" not in wrong.headers
        time.sleep(1.3)
        expired = await fetch(expiring.local_url)
        assert expired.code == 410 and "Set-Cookie" not in expired.headers

    expiring = nbshare.Interface(shout, "text", "text").launch(inline=False, expires_in=1)
    try:
        run(scenario(expiring))
    finally:
        expiring.close()


def test_a_link_that_needs_a_sign_in_still_goes_to_the_form_and_its_styles_need_only_the_token() -> None:
    link = nbshare.Interface(shout, "text", "text").launch(inline=False, auth=("ada", "lovelace"))

    async def scenario() -> None:
        visit = await fetch(link.local_url)
        assert visit.code == 303 and visit.headers["Location"] == "./login"
        cookie = await token_cookie(link.local_url)
        form = await fetch(base(link) + "login", cookie)
        css = HASHED.findall(form.body.decode())
        assert css == [link.server.assets.url("main.css")]
        assert (await get(link, css[0], cookie)).code == 200  # the form's styles before the sign-in
        assert (await get(link, link.server.assets.url("main.js"), cookie)).code == 401  # the rest after it
        origin = {"Origin": f"http://127.0.0.1:{link.server.port}"}
        body = "username=ada&password=lovelace"
        signed = await fetch(base(link) + "login", cookie, body=body, method="POST", headers=origin)
        assert signed.code == 303 and signed.headers["Location"] == "./"
        both = f"{cookie}; {signed.headers['Set-Cookie'].split(';')[0]}"
        page = await fetch(base(link), both)
        assert page.code == 200
        for path in HASHED.findall(page.body.decode()):
            assert (await get(link, path, both)).code == 200, path

    try:
        run(scenario())
    finally:
        link.close()


def test_every_file_the_page_names_is_named_by_its_hash_and_kept_for_good(link: nbshare.Link) -> None:
    async def scenario() -> None:
        cookie = await token_cookie(link.local_url)
        page = (await fetch(base(link), cookie)).body.decode()
        named = HASHED.findall(page)
        table = json.loads(re.search(r'id="nbshare-widget-modules">(.*?)</script>', page).group(1))  # type: ignore[union-attr]
        names = {re.sub(r"\.[0-9a-f]{16}\.", ".", path) for path in [*named, *table.values()]}
        assert {"static/boot.js", "static/main.css", "static/main.js", "widgets/anywidget.js"} <= names
        assert {"anywidget", "ipycanvas"} <= set(table)
        chunks = [path for path in named if path.startswith("static/chunk.")]
        assert chunks, "the page preloads the chunks main.js imports"
        for path in {*named, *table.values()}:
            response = await get(link, path, cookie)
            assert response.code == 200, path
            if path in chunks:  # named by esbuild with a hash of its bytes: the build's own file
                assert re.fullmatch(r"static/chunk\.[A-Z0-9]{8}\.js", path), path
                assert response.body == (BUNDLE_DIR / path.removeprefix("static/")).read_bytes()
            else:
                digest = re.search(r"\.([0-9a-f]{16})\.(?:js|css)$", path).group(1)  # type: ignore[union-attr]
                assert hashlib.sha256(response.body).hexdigest().startswith(digest), path
            assert response.headers["Cache-Control"] == IMMUTABLE, path
            assert response.headers.get_list("Vary") == ["Accept-Encoding"], path
            assert "Content-Encoding" not in response.headers, path  # asked for identity
        for built in ("boot.js", "main.js", "main.css"):  # the bytes of the build, not of another copy
            response = await get(link, link.server.assets.url(built), cookie)
            assert response.body == (BUNDLE_DIR / built).read_bytes()
        main = (BUNDLE_DIR / "main.js").read_text(encoding="utf-8")
        assert all(f'"./{path.removeprefix("static/")}"' in main for path in chunks)  # what it imports, preloaded
        # The controls' chunk, which nbshare's own trees never need, is not preloaded but is served when asked for.
        lazy = [chunk for chunk in BUNDLE_DIR.glob("chunk.*.js") if f"static/{chunk.name}" not in chunks]
        assert lazy
        for chunk in lazy:
            assert (await get(link, f"static/{chunk.name}", cookie)).headers["Cache-Control"] == IMMUTABLE
        # The page itself and the API are never kept.
        assert (await fetch(base(link), cookie)).headers["Cache-Control"] == "no-store"
        bearer = {"Authorization": f"Bearer {link.server.access.token}"}
        api = await fetch(base(link) + "api/openapi.json", headers=bearer)
        assert api.code == 200 and api.headers["Cache-Control"] == "no-store"

    run(scenario())


def test_brotli_and_gzip_as_the_client_accepts_them_each_the_same_bytes(link: nbshare.Link) -> None:
    async def scenario() -> None:
        cookie = await token_cookie(link.local_url)
        files = ["main.js", "main.css", *link.server.assets.main_imports]
        paths = [*map(link.server.assets.url, files), link.server.widget_modules.urls()["anywidget"]]
        for path in paths:
            plain = (await get(link, path, cookie)).body
            best = await get(link, path, cookie, "gzip, deflate, br")
            if path.startswith("static/"):  # brotli made by the build; a widget package's file gets gzip here
                assert best.headers["Content-Encoding"] == "br" and len(best.body) < len(plain) / 2, path
                assert brotli_decompress(best.body) == plain, path
            else:
                assert best.headers["Content-Encoding"] == "gzip" and gzip.decompress(best.body) == plain, path
            as_gzip = await get(link, path, cookie, "gzip, deflate")
            assert as_gzip.headers["Content-Encoding"] == "gzip" and len(as_gzip.body) < len(plain) / 2, path
            assert gzip.decompress(as_gzip.body) == plain, path  # once: tornado's own gzip left it alone
            no_br = await get(link, path, cookie, "br;q=0, gzip")
            assert no_br.headers["Content-Encoding"] == "gzip" and gzip.decompress(no_br.body) == plain
            neither = await get(link, path, cookie, "br;q=0, deflate")
            assert "Content-Encoding" not in neither.headers and neither.body == plain
            assert (await get(link, path, cookie, "*")).headers["Content-Encoding"] == best.headers["Content-Encoding"]

    run(scenario())


def test_accept_encoding_is_read_with_its_weights() -> None:
    assert accepted_coding("gzip, deflate, br, zstd", "br")
    assert accepted_coding("GZIP", "gzip")
    assert not accepted_coding("gzip", "br")
    assert not accepted_coding("br;q=0, gzip", "br") and accepted_coding("br;q=0, gzip", "gzip")
    assert accepted_coding("*", "br") and not accepted_coding("*, br;q=0", "br")
    assert not accepted_coding("br;q=nonsense", "br") and not accepted_coding("", "gzip")


def test_unknown_names_are_404_and_nothing_is_served_without_the_cookie(link: nbshare.Link) -> None:
    async def scenario() -> None:
        cookie = await token_cookie(link.local_url)
        main, module = link.server.assets.url("main.js"), link.server.widget_modules.urls()["anywidget"]
        for path in [
            "static/main.js",  # the name without its hash
            re.sub(r"\.[0-9a-f]{16}\.", ".0000000000000000.", main),
            "widgets/anywidget.js",
            re.sub(r"\.[0-9a-f]{16}\.", ".0000000000000000.", module),
            "widgets/no-such-package.0000000000000000.js",
        ]:
            response = await get(link, path, cookie)
            assert response.code == 404, path
            assert "immutable" not in response.headers.get("Cache-Control", ""), path  # a refusal is never kept
        for path in [main, module, link.server.assets.url("main.css")]:
            assert (await get(link, path)).code == 403, path
            wrong = f"nbshare-{link.server.access.server_id}=not-the-token"
            assert (await get(link, path, wrong)).code == 403, path

    run(scenario())


def test_the_page_preloads_the_widget_modules_its_interface_uses() -> None:
    image = nbshare.Interface(classify, "image", "label").launch(inline=False)
    text = nbshare.Interface(shout, "text", "text").launch(inline=False)

    def preloaded(link: nbshare.Link) -> set[str]:
        async def scenario() -> str:
            return str((await fetch(link.local_url)).body.decode())

        page = run(scenario())
        modules = link.server.widget_modules.urls()
        paths = re.findall(r'<link rel="preload" as="script" href="([^"]+)">', page)
        return {name for name, path in modules.items() if path in paths}

    try:
        assert preloaded(text) == {"anywidget"}
        assert preloaded(image) == {"anywidget", "ipycanvas"}  # the image editor draws on ipycanvas layers
    finally:
        image.close()
        text.close()
