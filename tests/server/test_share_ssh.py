"""share="ssh://user@host[:port]" against a real OpenSSH server: the page and a session through the tunnel, close,
a dropped connection coming back, a host outage ridden out, and clear errors for a key or host that will not do.

Each sshd runs on a loopback address at a free port with throw-away keys made by ssh-keygen in the test's folder and a
config of its own; the client gets its own config and known_hosts there too (~/.ssh is never read or written).
"""

from __future__ import annotations

import contextlib
import getpass
import logging
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import nbshare
from nbshare._log import _ready

from page_client import PageClient, fetch, run, token_cookie
from waiting import until

SSHD = "/usr/sbin/sshd"


def shout(text: str) -> str:
    return text.upper()


def _require_openssh() -> None:
    """Skip without OpenSSH here; under CI=true (where `.ci/run` installs it) a missing one is a failure."""
    missing = [name for name in ("ssh", "ssh-keygen") if shutil.which(name) is None]
    if not os.access(SSHD, os.X_OK):
        missing.append(SSHD)
    if missing:
        reason = f"{', '.join(missing)} not found: apt-get install -y openssh-server openssh-client"
        if os.environ.get("CI"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def free_port(address: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((address, 0))
        return int(probe.getsockname()[1])


def answers(address: str, port: int) -> bool:
    try:
        socket.create_connection((address, port), timeout=1).close()
    except OSError:
        return False
    return True


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def our_ssh_processes() -> list[int]:
    alive = []
    for pid in descendants(os.getpid()):
        try:
            if Path(f"/proc/{pid}/comm").read_text().strip() == "ssh" and "Z" not in _state(pid):
                alive.append(pid)
        except OSError:
            continue
    return alive


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


class Sshd:
    """A real OpenSSH server at ``address``:``port`` with throw-away keys in ``folder``."""

    def __init__(self, folder: Path, *, address: str = "127.0.0.1", gateway_ports: str = "clientspecified") -> None:
        self.folder, self.address, self.port = folder, address, free_port(address)
        folder.mkdir(parents=True, exist_ok=True)
        for name in ("host_key", "client_key", "stranger_key"):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(folder / name)], check=True)
        (folder / "authorized_keys").write_text((folder / "client_key.pub").read_text())
        self.config = folder / "sshd_config"
        self.config.write_text(
            f"Port {self.port}\nListenAddress {address}\nHostKey {folder / 'host_key'}\n"
            f"AuthorizedKeysFile {folder / 'authorized_keys'}\nStrictModes no\nPidFile {folder / 'sshd.pid'}\n"
            f"GatewayPorts {gateway_ports}\nAllowTcpForwarding yes\nPermitRootLogin prohibit-password\n"
            "PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n"
        )
        host_key = " ".join((folder / "host_key.pub").read_text().split()[:2])
        (folder / "known_hosts").write_text(f"[{address}]:{self.port} {host_key}\n")
        (folder / "no_known_hosts").write_text("")
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def share(self) -> str:
        return f"ssh://{getpass.getuser()}@{self.address}:{self.port}"

    def options(self, key: str = "client_key", known_hosts: str = "known_hosts") -> list[str]:
        """ssh_options for a client with ``key`` that knows the hosts in ``known_hosts``: a config file of its own."""
        config = self.folder / f"ssh_config_{key}_{known_hosts}"
        config.write_text(
            f"Host *\n  IdentityFile {self.folder / key}\n  IdentitiesOnly yes\n  IdentityAgent none\n"
            f"  UserKnownHostsFile {self.folder / known_hosts}\n  GlobalKnownHostsFile /dev/null\n"
        )
        return ["-F", str(config)]

    def start(self) -> None:
        if os.geteuid() == 0:
            Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # its privilege separation directory
        log = (self.folder / "sshd.log").open("ab")
        self.process = subprocess.Popen([SSHD, "-D", "-e", "-f", str(self.config)], stderr=log)
        deadline = time.monotonic() + 10
        while not answers(self.address, self.port):
            assert self.process.poll() is None, (self.folder / "sshd.log").read_text()
            assert time.monotonic() < deadline, "sshd did not start listening"
            time.sleep(0.05)

    def stop(self) -> None:
        """The host goes away: its sessions (the tunnels) end, and nothing answers on its port."""
        assert self.process is not None
        for pid in [*descendants(self.process.pid), self.process.pid]:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait()


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    _require_openssh()
    server = Sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    server.stop()


@pytest.fixture
def logged() -> Iterator[list[str]]:
    """The lines nbshare logs during the test."""
    lines: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(record.getMessage())

    handler = Collect()
    logger = _ready()
    logger.addHandler(handler)
    yield lines
    logger.removeHandler(handler)


def base(url: str) -> str:
    return url.split("?")[0]


def visit(url: str) -> str:
    """Open the link as a browser: token → the page and a cookie, the page again, then a session that answers."""

    async def scenario() -> str:
        first = await fetch(url)
        assert first.code == 200, first.code
        cookie = await token_cookie(url)
        page = await fetch(base(url), cookie)
        assert page.code == 200 and b"<html" in page.body.lower()
        client = await PageClient.connect(base(url), cookie)
        answer = await client.ask("through the tunnel")
        client.close()
        return str(answer)

    return str(run(scenario()))


def works(url: str) -> bool:
    async def status() -> int:
        response = await fetch(url, request_timeout=2)
        return int(response.code) if response is not None else 0

    try:
        return run(status()) == 200
    except OSError:
        return False


# -- the link ------------------------------------------------------------------------------------


def test_the_public_link_serves_the_page_and_a_session_through_the_tunnel_and_close_ends_it(sshd: Sshd) -> None:
    link = nbshare.Interface(shout, "text", "text").launch(inline=False, share=sshd.share, ssh_options=sshd.options())
    try:
        public = link.public_url or ""
        remote_port = int(public.split("/")[2].rsplit(":", 1)[1])
        assert public.startswith(f"http://{sshd.address}:") and remote_port != link.server.port
        assert link.url == public and public.endswith(f"/?token={link.server.access.token}")
        assert visit(public) == "THROUGH THE TUNNEL"
        # Visitors arrive from the local ssh client with headers of their own making: none is believed.
        assert link.server.access.trusted_proxies == ()
        assert len(our_ssh_processes()) == 1
    finally:
        link.close()
    assert not answers(sshd.address, remote_port)  # the host stopped listening
    assert our_ssh_processes() == []
    assert not [t for t in threading.enumerate() if t.name.startswith("nbshare-ssh")]


def test_a_remote_port_can_be_chosen(sshd: Sshd) -> None:
    chosen = free_port()
    share = f"{sshd.share}?remote_port={chosen}"
    link = nbshare.Interface(shout, "text", "text").launch(inline=False, share=share, ssh_options=sshd.options())
    try:
        assert (link.public_url or "").startswith(f"http://{sshd.address}:{chosen}/?token=")
        assert visit(link.url) == "THROUGH THE TUNNEL"
    finally:
        link.close()
    assert not answers(sshd.address, chosen)


def test_a_dropped_connection_comes_back_on_the_same_url(sshd: Sshd, logged: list[str]) -> None:
    link = nbshare.Interface(shout, "text", "text").launch(inline=False, share=sshd.share, ssh_options=sshd.options())
    try:
        url = link.url
        assert works(url)
        [first] = our_ssh_processes()
        os.kill(first, signal.SIGKILL)  # the connection drops
        until(lambda: any("dropped" in line for line in logged), within=10)
        until(lambda: any("is back" in line for line in logged), within=20)
        assert link.url == url and visit(url) == "THROUGH THE TUNNEL"
        [second] = our_ssh_processes()
        assert second != first
        assert any("killed by signal 9" in line and "reconnecting in 1 s" in line for line in logged), logged
    finally:
        link.close()
    assert our_ssh_processes() == []


def test_a_host_outage_is_ridden_out_with_growing_pauses_and_close_ends_a_pause_at_once(
    tmp_path: Path, logged: list[str]
) -> None:
    _require_openssh()
    host = Sshd(tmp_path / "host")
    link = nbshare.Interface(shout, "text", "text").launch(inline=False, share=host.share, ssh_options=host.options())
    try:
        url = link.url
        assert works(url)
        host.stop()
        until(lambda: any("Next try in 4 s" in line for line in logged), within=15)  # failed after 1 s, then 2 s
        assert any("Connection refused" in line for line in logged), logged
        host.start()
        until(lambda: any("is back" in line for line in logged), within=15)
        assert link.url == url and visit(url) == "THROUGH THE TUNNEL"  # the same remote port, asked for again
        host.stop()
        until(lambda: any("reconnecting in 8 s" in line for line in logged), within=10)  # a short uptime: no reset
        time.sleep(1)
        started = time.monotonic()
        link.close()
        assert time.monotonic() - started < 1.0
        assert our_ssh_processes() == []
        assert not [t for t in threading.enumerate() if t.name.startswith("nbshare-ssh")]
    finally:
        link.close()
        if host.process is not None and host.process.poll() is None:
            host.stop()


def test_a_host_that_binds_forwards_to_its_loopback_only_is_reported(tmp_path: Path, logged: list[str]) -> None:
    """GatewayPorts no: sshd binds the port to the host's loopback address, so the link answers there alone."""
    _require_openssh()
    host = Sshd(tmp_path / "host", address="127.0.0.2", gateway_ports="no")
    link = nbshare.Interface(shout, "text", "text").launch(inline=False, share=host.share, ssh_options=host.options())
    try:
        remote_port = int(link.url.split("/")[2].rsplit(":", 1)[1])
        assert not answers("127.0.0.2", remote_port) and answers("127.0.0.1", remote_port)
        assert any("does not answer from this machine" in line and "GatewayPorts clientspecified" in line
                   for line in logged), logged  # fmt: skip
    finally:
        link.close()
        host.stop()


# -- failures ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "said", "advice"),
    [
        ("unknown host key", "Host key verification failed", "log in once by hand (`ssh -p"),
        ("key not authorized", "Permission denied (publickey)", "nbshare never asks for a password"),
        ("nothing listening", "Connection refused", "check the host and the ssh port"),
        ("remote port taken", "remote port forwarding failed", "choose another ?remote_port="),
    ],
)
def test_a_tunnel_that_cannot_open_says_why_and_leaves_nothing_running(
    sshd: Sshd, case: str, said: str, advice: str
) -> None:
    share, options = sshd.share, sshd.options()
    if case == "unknown host key":
        options = sshd.options(known_hosts="no_known_hosts")
    elif case == "key not authorized":
        options = sshd.options(key="stranger_key")
    elif case == "nothing listening":
        share = f"ssh://{getpass.getuser()}@127.0.0.1:{free_port()}"
    port = free_port()
    with contextlib.ExitStack() as stack:
        if case == "remote port taken":
            taken = stack.enter_context(socket.create_server(("", 0), family=socket.AF_INET6, dualstack_ipv6=True))
            share = f"{sshd.share}?remote_port={taken.getsockname()[1]}"  # in use on every address of the host
        with pytest.raises(nbshare.ShareError) as failed:
            nbshare.Interface(shout, "text", "text").launch(inline=False, share=share, ssh_options=options, port=port)
    message = str(failed.value)
    assert "The SSH tunnel to" in message and said in message and advice in message, message
    assert our_ssh_processes() == []
    assert not answers("127.0.0.1", port)  # the server stopped too
    assert not [t for t in threading.enumerate() if t.name.startswith("nbshare-ssh")]


def test_without_an_ssh_command_the_error_says_to_install_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # a real PATH with no ssh on it
    port = free_port()
    with pytest.raises(nbshare.ShareError, match="no `ssh` command was found: install it"):
        nbshare.Interface(shout, "text", "text").launch(inline=False, share="ssh://ada@example.org", port=port)
    assert not answers("127.0.0.1", port)


@pytest.mark.parametrize(
    "share",
    [
        "yes",
        "http://example.org",
        "ssh://",
        "ssh://ada@",
        "ssh://ada:secret@example.org",
        "ssh://-oProxyCommand=touch%20x",
        "ssh://-oProxyCommand=x@example.org",
        "ssh://ada@example.org:notaport",
        "ssh://ada@example.org:0",
        "ssh://ada@example.org/path",
        "ssh://ada@example.org?remote_port=http",
        "ssh://ada@example.org?remote_port=70000",
        "ssh://ada@example.org?bind=0.0.0.0",
        "ssh://ada@example.org?remote_port=1&remote_port=2",
        1,
    ],
)
def test_a_share_value_that_is_not_understood_is_a_value_error_naming_the_forms(share: object) -> None:
    before = set(threading.enumerate())
    with pytest.raises(ValueError, match=r"share='ngrok'.*ssh://user@host\[:port\]\[\?remote_port=N\]"):
        nbshare.Interface(shout, "text", "text").launch(inline=False, share=share)
    assert set(threading.enumerate()) <= before  # nothing was started


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ("-i key", TypeError, "a list of strings"),
        ([1], TypeError, "non-empty strings"),
        (["-i"], ValueError, "-i needs a value"),
        (["-f"], ValueError, "-f is not allowed"),
        (["-Nf"], ValueError, "-f is not allowed"),
        (["-R", "8080:localhost:22"], ValueError, "-R is not allowed"),
        (["key"], ValueError, "'key' is not an ssh option"),
    ],
)
def test_ssh_options_are_checked_before_anything_starts(options: object, error: type, match: str) -> None:
    iface = nbshare.Interface(shout, "text", "text")
    with pytest.raises(error, match=match):
        iface.launch(inline=False, share="ssh://ada@example.org", ssh_options=options)


def test_options_of_the_other_tunnel_are_refused() -> None:
    iface = nbshare.Interface(shout, "text", "text")
    with pytest.raises(ValueError, match="ssh_options is for share='ssh://user@host'"):
        iface.launch(inline=False, share=True, ssh_options=["-i", "key"])
    with pytest.raises(ValueError, match="share_auth is basic auth at ngrok's edge"):
        iface.launch(inline=False, share="ssh://ada@example.org", share_auth=("ada", "pw"))
