"""`nbshare serve` behind a real reverse proxy: Debian's nginx running examples/nginx.conf (the file the README
documents), and Caddy running examples/Caddyfile, each in front of a real `nbshare serve examples/app.py` process.

Through the proxy: the link, the sign-in, the page's websocket over HTTPS, Secure cookies, the visitor's own address
for sign-in throttling, and a foreign page's websocket refused. Sent straight to nbshare by a peer it does not trust,
the same X-Forwarded-* headers are believed in nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from tornado.httpclient import HTTPRequest
from tornado.iostream import StreamClosedError
from tornado.websocket import websocket_connect

from harness import REPO, free_port
from page_client import PageClient, fetch, run

EXAMPLES = REPO / "examples"
PASSWORD = "proxy-test-password"
VISITOR_A, VISITOR_B, STRANGER = "127.0.0.2", "127.0.0.3", "127.0.0.4"  # loopback, but not the trusted 127.0.0.1


def tool(name: str) -> str:
    """A program the test runs for real: skipped where it is missing, a failure under CI=true."""
    found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")  # nginx is in sbin, off a user's PATH
    if found is None:
        reason = f"{name} is not installed: apt-get install -y {name}"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
    return found


@contextmanager
def nbshare_serve(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run ``nbshare serve ARGS``; yield all it printed up to "Press Ctrl+C" (the links, a warning), then stop it.
    Its output goes to a file, so a long run never blocks on a full pipe."""
    output = cwd / f"nbshare-{time.monotonic_ns()}.log"
    with output.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "nbshare", "serve", *args],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=sink,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        deadline = time.monotonic() + 60
        while "Press Ctrl+C" not in (printed := output.read_text()):
            assert process.poll() is None, f"nbshare serve exited with {process.returncode}:\n{printed}"
            assert time.monotonic() < deadline, f"no link printed:\n{printed}"
            time.sleep(0.05)
        yield printed
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(20)


def printed_link(printed: str, name: str) -> str:
    found = re.search(rf"{re.escape(name)}[^:]*: (\S+)", printed)
    assert found is not None, f"no {name} in:\n{printed}"
    return found.group(1)


def nginx_config(template: str, root: Path, upstream: int, plain: int, https: int, redirect: int) -> str:
    """examples/nginx.conf with this test's ports and certificate (each replaced line must be there, once), plus the
    main context a whole nginx needs: everything it writes goes under ``root``."""
    site = template
    for old, new in [
        ("listen 80;", f"listen 127.0.0.1:{redirect};"),
        ("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;\n    listen 127.0.0.1:{plain};"),
        ("/etc/letsencrypt/live/nbshare.example.org/fullchain.pem", str(root / "cert.pem")),
        ("/etc/letsencrypt/live/nbshare.example.org/privkey.pem", str(root / "key.pem")),
        ("proxy_pass http://127.0.0.1:7860;", f"proxy_pass http://127.0.0.1:{upstream};"),
    ]:
        assert site.count(old) == 1, f"examples/nginx.conf no longer has {old!r} once"
        site = site.replace(old, new)
    temp = "\n".join(
        f"    {kind}_temp_path {root / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers as root may enter pytest's private tmp folder
    return (
        f"{user}worker_processes 1;\npid {root / 'nginx.pid'};\nerror_log {root / 'error.log'};\n"
        f"events {{ worker_connections 128; }}\n"
        f"http {{\n    access_log {root / 'access.log'};\n{temp}\n{site}\n}}\n"
    )


@dataclass
class Proxy:
    """A running proxy: its plain-HTTP and HTTPS bases, and the certificate that proves the HTTPS one."""

    plain: str
    https: str
    cert: str


@contextmanager
def nginx(upstream: int, root: Path) -> Iterator[Proxy]:
    """A real nginx in the foreground with examples/nginx.conf and a self-signed certificate."""
    executable = tool("nginx")
    subprocess.run(
        [tool("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(root / "key.pem"), "-out", str(root / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    plain, https, redirect = free_port(), free_port(), free_port()
    config = root / "nginx.conf"
    config.write_text(nginx_config((EXAMPLES / "nginx.conf").read_text(), root, upstream, plain, https, redirect))
    command = [executable, "-p", str(root), "-c", str(config), "-e", str(root / "error.log"), "-g", "daemon off;"]
    proxy = Proxy(f"http://127.0.0.1:{plain}", f"https://127.0.0.1:{https}", str(root / "cert.pem"))
    with running(command, {}, proxy, root, root / "error.log"):
        yield proxy


@contextmanager
def caddy(upstream: int, root: Path) -> Iterator[Proxy]:
    """A real Caddy with examples/Caddyfile: HTTPS from its own certificate authority (``127.0.0.1`` is no name a
    public one would certify), plus a plain-HTTP address for the same site, both named through $NBSHARE_DOMAIN."""
    executable = tool("caddy")
    plain, https, redirect = free_port(), free_port(), free_port()
    site = (EXAMPLES / "Caddyfile").read_text()
    assert site.count("reverse_proxy nbshare:7860") == 1, "examples/Caddyfile no longer proxies to nbshare:7860"
    options = (  # the test's own: no admin endpoint, no system trust store, nothing written outside ``root``
        f"{{\n\tadmin off\n\tskip_install_trust\n\thttp_port {redirect}\n"
        f"\thttps_port {https}\n\tstorage file_system {root / 'caddy'}\n}}\n"
    )
    config = root / "Caddyfile"
    config.write_text(options + site.replace("reverse_proxy nbshare:7860", f"reverse_proxy 127.0.0.1:{upstream}"))
    env = {
        "NBSHARE_DOMAIN": f"https://127.0.0.1:{https}, http://127.0.0.1:{plain}",
        "XDG_DATA_HOME": str(root / "data"),
        "XDG_CONFIG_HOME": str(root / "config"),
    }
    cert = root / "caddy" / "pki" / "authorities" / "local" / "root.crt"
    proxy = Proxy(f"http://127.0.0.1:{plain}", f"https://127.0.0.1:{https}", str(cert))
    with running([executable, "run", "--config", str(config), "--adapter", "caddyfile"], env, proxy, root, None):
        yield proxy


@contextmanager
def running(command: list[str], env: dict[str, str], proxy: Proxy, root: Path, log: Path | None) -> Iterator[None]:
    """Run a proxy in the foreground until it answers over HTTPS with a certificate ``proxy.cert`` proves."""
    output = root / f"{Path(command[0]).name}.out"
    with output.open("w") as sink:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while not answers(proxy):
            if process.poll() is not None or time.monotonic() > deadline:
                text = output.read_text() + (log.read_text() if log is not None and log.exists() else "")
                raise AssertionError(f"{command[0]} did not start:\n{text[-3000:]}")
            time.sleep(0.1)
        yield
    finally:
        process.terminate()
        process.wait(20)


def answers(proxy: Proxy) -> bool:
    """Both addresses answer (nbshare refuses a request without the token: any HTTP answer will do)."""
    if not Path(proxy.cert).exists():
        return False

    async def probe() -> bool:
        plain = await fetch(f"{proxy.plain}/", request_timeout=2)
        secure = await fetch(f"{proxy.https}/", request_timeout=2, ca_certs=proxy.cert)
        return plain is not None and secure is not None and plain.code == secure.code == 403

    try:
        return bool(run(probe()))
    except (OSError, StreamClosedError):  # not listening yet, or no certificate yet
        return False


@dataclass
class Deployment:
    upstream: int
    token: str
    plain: str
    https: str
    cert: str

    def via(self, base: str) -> str:
        return f"{base}/?token={self.token}"


@pytest.fixture(scope="module", params=["nginx", "caddy"])
def deployment(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """`nbshare serve examples/app.py --trusted-proxy 127.0.0.1 --auth ada` behind a proxy on this machine."""
    root = tmp_path_factory.mktemp(request.param)
    args = [str(EXAMPLES / "app.py"), "--trusted-proxy", "127.0.0.1", "--auth", "ada"]
    with nbshare_serve(args, root, {"NBSHARE_PASSWORD": PASSWORD}) as printed:
        local = urlsplit(printed_link(printed, "Local link"))
        upstream, token = int(local.port or 0), local.query.removeprefix("token=")
        with {"nginx": nginx, "caddy": caddy}[request.param](upstream, root) as proxy:
            yield Deployment(upstream, token, proxy.plain, proxy.https, proxy.cert)


def cookies_of(response: Any) -> str:
    jar: SimpleCookie = SimpleCookie()
    for header in response.headers.get_list("Set-Cookie"):
        jar.load(header)
    return "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())


async def sign_in(base: str, cookie: str, password: str, **options: Any) -> Any:
    """POST the sign-in form at ``base`` as a page served from ``base`` would."""
    origin = options.pop("origin", base)
    return await fetch(f"{base}/login", cookie, method="POST", body=f"username=ada&password={password}",
                       headers={"Origin": origin, **options.pop("headers", {})}, **options)  # fmt: skip


async def timed_sign_in(base: str, cookie: str, **options: Any) -> float:
    """Seconds a wrong sign-in took (its wait is the throttle the client's address earned); it must be refused."""
    started = time.monotonic()
    answer = await sign_in(base, cookie, "wrong", **options)
    assert answer.code == 401, answer.code
    return time.monotonic() - started


def test_the_link_the_sign_in_and_the_page_over_https_through_the_proxy(deployment: Deployment) -> None:
    async def scenario() -> None:
        https, tls = deployment.https, {"ca_certs": deployment.cert}
        visit = await fetch(deployment.via(https), **tls)
        assert visit.code == 303 and visit.headers["Location"] == "./login"
        for cookie in visit.headers.get_list("Set-Cookie"):  # the proxy said https: the cookies never travel in clear
            assert "Secure" in cookie and "HttpOnly" in cookie, cookie
        cookie = cookies_of(visit)
        assert (await fetch(f"{https}/", cookie, **tls)).headers["Location"] == "./login"
        assert (await sign_in(https, cookie, "wrong", **tls)).code == 401
        signed = await sign_in(https, cookie, PASSWORD, **tls)
        assert signed.code == 303 and "Secure" in signed.headers["Set-Cookie"]
        cookie = f"{cookie}; {cookies_of(signed)}"
        page = await fetch(f"{https}/", cookie, **tls)
        assert page.code == 200 and "<title>Shout</title>" in page.body.decode()
        socket = await websocket_connect(
            HTTPRequest(f"wss://{urlsplit(https).netloc}/ws", headers={"Cookie": cookie, "Origin": https}, **tls)
        )
        client = PageClient(socket)  # the page's protocol, through the proxy's websocket upgrade
        await client.until(lambda: any(c["msg_type"] == "nbshare_display" for c in client.controls))
        assert await client.ask("hello") == "HELLO!"
        client.close()

    run(scenario())


def test_a_foreign_page_is_refused_through_the_proxy(deployment: Deployment) -> None:
    """The proxy writes X-Forwarded-Host itself: a foreign page cannot claim to be the site, not even by sending it."""

    async def scenario() -> None:
        plain = deployment.plain
        cookie = cookies_of(await fetch(deployment.via(plain)))
        signed = await sign_in(plain, cookie, PASSWORD)
        assert signed.code == 303
        cookie = f"{cookie}; {cookies_of(signed)}"
        client = await PageClient.connect(f"{plain}/", cookie)
        assert await client.ask("through the proxy") == "THROUGH THE PROXY!"
        client.close()
        for origin in ["https://evil.example", f"{plain}.evil.example", "null"]:
            for forged in [{}, {"X-Forwarded-Host": urlsplit(origin).netloc or origin}]:
                headers = {"Cookie": cookie, "Origin": origin, **forged}
                with pytest.raises(Exception, match="403"):
                    await websocket_connect(HTTPRequest(f"ws://{urlsplit(plain).netloc}/ws", headers=headers))
        foreign = await sign_in(plain, cookie, PASSWORD, origin="https://evil.example",
                                headers={"X-Forwarded-Host": "evil.example"})  # fmt: skip
        assert foreign.code == 403

    run(scenario())


def test_forwarded_headers_count_from_the_proxy_only(deployment: Deployment) -> None:
    """Sign-in throttling is per visitor: behind the proxy, by the address the proxy saw (not the proxy's own, shared by
    all); straight from a peer nbshare does not trust, X-Forwarded-For/-Proto/-Host are ignored."""

    async def scenario() -> None:
        plain, direct = deployment.plain, f"http://127.0.0.1:{deployment.upstream}"
        cookie = cookies_of(await fetch(deployment.via(plain)))
        for _ in range(3):  # visitor A fails three times: waits 0, 0.5 and 1 s; its next attempt waits 2 s
            await timed_sign_in(plain, cookie, network_interface=VISITOR_A)
        assert await timed_sign_in(plain, cookie, network_interface=VISITOR_B) < 1.5  # B is not A
        forged = {"X-Forwarded-For": "198.51.100.7", "X-Real-IP": "198.51.100.7"}  # A claims a fresh address
        assert await timed_sign_in(plain, cookie, network_interface=VISITOR_A, headers=forged) >= 1.9
        # Straight to nbshare, a stranger claims to be A (whose next attempt waits 4 s): not believed.
        claims_a = {"X-Forwarded-For": VISITOR_A, "X-Real-IP": VISITOR_A}
        assert await timed_sign_in(direct, cookie, network_interface=STRANGER, headers=claims_a) < 1.5
        # The scheme and the host: not from a stranger; through the proxy, what it saw (plain HTTP, its own host).
        https_claim = {"X-Forwarded-Proto": "https"}
        for base, peer in [(direct, STRANGER), (plain, VISITOR_B)]:
            visit = await fetch(deployment.via(base), network_interface=peer, headers=https_claim)
            assert visit.code == 303 and "Secure" not in visit.headers["Set-Cookie"]
        signed = await sign_in(plain, cookie, PASSWORD, network_interface=VISITOR_B)
        assert signed.code == 303
        host_claim = {
            "Cookie": f"{cookie}; {cookies_of(signed)}",
            "Origin": "https://nbshare.example.org",
            "X-Forwarded-Host": "nbshare.example.org",
        }
        with pytest.raises(Exception, match="403"):
            await websocket_connect(
                HTTPRequest(f"ws://127.0.0.1:{deployment.upstream}/ws", headers=host_claim, network_interface=STRANGER)
            )

    run(scenario())


def test_serve_on_every_interface_warns_and_prints_a_network_link(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text((EXAMPLES / "app.py").read_text())
    with nbshare_serve(["app.py", "--host", "0.0.0.0"], tmp_path) as printed:
        assert "Warning: nbshare is listening on 0.0.0.0" in printed and "--trusted-proxy" in printed
        local, network = printed_link(printed, "Local link"), printed_link(printed, "Network link")
        assert urlsplit(local).hostname == "127.0.0.1" and urlsplit(network).hostname not in ("127.0.0.1", "0.0.0.0")
        assert urlsplit(network).port == urlsplit(local).port and network.endswith(urlsplit(local).query)

        async def visit() -> None:
            for link in (local, network):  # both reach the same server
                assert (await fetch(link)).code == 200

        run(visit())
    with nbshare_serve(["app.py"], tmp_path) as printed:  # the default: this machine only, no warning
        assert "Warning" not in printed and "Network link" not in printed


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--host", "example.org"], "host must be an IP address"),
        (["--trusted-proxy", "the proxy"], "trusted_proxies takes addresses or ranges"),
    ],
)
def test_a_wrong_address_is_refused_with_what_to_write(tmp_path: Path, option: list[str], message: str) -> None:
    (tmp_path / "app.py").write_text((EXAMPLES / "app.py").read_text())
    result = subprocess.run(
        [sys.executable, "-m", "nbshare", "serve", "app.py", *option],
        cwd=tmp_path, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2 and message in result.stderr, result.stderr


def test_the_caddyfile_is_valid(tmp_path: Path) -> None:
    """examples/Caddyfile, as Caddy itself reads it (its state goes to a temporary folder)."""
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    for domain in ("localhost", "nbshare.example.org"):
        result = subprocess.run(
            [tool("caddy"), "validate", "--config", str(EXAMPLES / "Caddyfile"), "--adapter", "caddyfile"],
            env={**env, "NBSHARE_DOMAIN": domain}, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 0 and "Valid configuration" in result.stdout + result.stderr, result.stderr
