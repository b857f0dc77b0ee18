"""``share="ssh://user@host[:port]"``: a public link through an SSH reverse tunnel to a host one can log in to.

The system's OpenSSH client runs ``ssh -N -R *:<remote port>:127.0.0.1:<local port> user@host``: the host's sshd
listens on the remote port and hands every connection to this machine's server. Nothing is downloaded and no account
elsewhere is needed. ssh never prompts (``BatchMode``): it logs in with the keys of the user's agent and ssh config,
as any ssh they run would, and a missing key or an unknown host key is an error that says what to do. A dropped
connection is made again, with a growing pause, for the same remote port, until :meth:`SshTunnel.close`.

Whether visitors can reach the port is the host's call: its sshd binds forwarded ports to its loopback address unless
``GatewayPorts`` is ``clientspecified`` (or ``yes``) in its sshd_config; else a reverse proxy there must serve it.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import ipaddress
import re
import shutil
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from urllib.parse import SplitResult, parse_qs, unquote, urlsplit

from ._log import log
from .share import ShareError

__all__ = ["SHARE_FORMS", "SshTarget", "SshTunnel", "check_ssh_options", "open_tunnel"]

SHARE_FORMS = (
    "share=True or share='ngrok' (a public link through ngrok), or share='ssh://user@host[:port][?remote_port=N]' "
    "(a public link through an SSH tunnel to a host you can log in to with a key)"
)
CONNECT_SECONDS = 30.0
"""How long ssh may take to log in and open the remote port before the attempt counts as failed."""
FIRST_RETRY_SECONDS = 1.0
MAX_RETRY_SECONDS = 30.0
STABLE_SECONDS = 60.0
"""A tunnel that stayed up this long starts its next reconnection from the first, short pause again."""
STOP_SECONDS = 3.0
PROBE_SECONDS = 2.0

# Options that would take the process out of our hands: fork away (-f), print and exit (-G, -V), run a control
# command or share a master connection (-O, -M, -S), a stdio forward instead of a login (-W), log elsewhere or not
# at all (-E, -y, -q: the tunnel's outcome is read from ssh's log), or a remote forward of their own (-R).
FORBIDDEN_FLAGS = set("fGVOMSWEyqR")
FLAGS_WITH_VALUE = set("bBcDeEFiIJlLmoOpPQRSwW")
_HOST = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_USER = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class SshTarget:
    """Where the tunnel goes: ``ssh://user@host[:port][?remote_port=N]``, checked before anything starts.

    ``remote_port=0`` (the default) lets the host pick a free port; reconnections ask for the one it picked.
    """

    host: str
    user: str | None = None
    port: int | None = None
    remote_port: int = 0

    @classmethod
    def parse(cls, share: object) -> SshTarget:
        """The target ``share`` names; a ``ValueError`` naming the accepted forms for anything else."""
        if not isinstance(share, str) or not share.startswith("ssh://"):
            raise ValueError(f"share={share!r} is not understood: use {SHARE_FORMS}.")
        parts = urlsplit(share)
        problem = _url_problem(parts)
        if problem:
            raise ValueError(f"share={share!r}: {problem}. The form is {SHARE_FORMS}.")
        query = parse_qs(parts.query, keep_blank_values=True)
        return cls(
            host=str(parts.hostname),
            user=unquote(parts.username) if parts.username else None,
            port=parts.port,
            remote_port=int(query["remote_port"][0]) if "remote_port" in query else 0,
        )

    @property
    def destination(self) -> str:
        return f"{self.user}@{self.host}" if self.user else self.host

    @property
    def login(self) -> str:
        """The ssh command that logs in the same way, for messages that tell the researcher to try it by hand."""
        return f"ssh {f'-p {self.port} ' if self.port else ''}{self.destination}"

    def public_url(self, remote_port: int) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{remote_port}/"


def _url_problem(parts: SplitResult) -> str:
    """What is wrong with a parsed ``ssh://`` link, or ""."""
    try:
        port = parts.port
    except ValueError as error:
        return f"the port is not a number from 1 to 65535 ({error})"
    host, user = parts.hostname, parts.username
    if not host or not (_HOST.fullmatch(host) or _is_ip(host)):
        return "it needs a host name or address after ssh:// (and after user@)"
    if parts.password is not None:
        return "a password does not belong in the link: ssh logs in with your keys (ssh-agent or ~/.ssh)"
    if user is not None and not _USER.fullmatch(unquote(user)):
        return f"{user!r} is not a user name ssh takes"
    if port == 0:
        return "the ssh port cannot be 0"
    if parts.path not in ("", "/") or parts.fragment:
        return "only ?remote_port=N may follow the host and port"
    query = parse_qs(parts.query, keep_blank_values=True)
    if set(query) - {"remote_port"} or any(len(values) > 1 for values in query.values()):
        return f"the only option is ?remote_port=N, got ?{parts.query}"
    remote = query.get("remote_port", ["0"])[0]
    if not (remote.isdigit() and int(remote) <= 65535):
        return f"remote_port must be a port number (0 lets the host pick one), got {remote!r}"
    return ""


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def check_ssh_options(options: object) -> tuple[str, ...]:
    """``ssh_options`` as ssh arguments: a list of strings such as ``["-F", "/path/config", "-i", "/path/key",
    "-o", "Port=2222"]``, each option followed by its value. Passed as a list, never through a shell."""
    if isinstance(options, str | bytes) or not isinstance(options, list | tuple):
        raise TypeError(f"ssh_options takes a list of strings such as ['-i', '/path/key'], got {options!r}")
    arguments = tuple(options)
    if not all(isinstance(argument, str) and argument and "\0" not in argument for argument in arguments):
        raise TypeError(f"ssh_options takes non-empty strings, got {options!r}")
    index = 0
    while index < len(arguments):
        option = arguments[index]
        if not option.startswith("-") or option in ("-", "--"):
            raise ValueError(f"ssh_options: {option!r} is not an ssh option (each value follows its option)")
        letters = option[1:]
        for position, letter in enumerate(letters):
            if letter in FORBIDDEN_FLAGS:
                raise ValueError(f"ssh_options: -{letter} is not allowed: nbshare runs and watches the ssh process")
            if letter in FLAGS_WITH_VALUE:
                if position == len(letters) - 1:  # the value is the next argument
                    if index + 1 == len(arguments):
                        raise ValueError(f"ssh_options: -{letter} needs a value after it")
                    index += 1
                break
        index += 1
    return arguments


def open_tunnel(target: SshTarget, local_host: str, local_port: int, options: tuple[str, ...] = ()) -> SshTunnel:
    """Forward the host's port to ``local_host:local_port`` here (where the server answers this machine) and keep
    the tunnel up until ``close()``; a ``ShareError`` saying what to do if ssh cannot open it."""
    ssh = shutil.which("ssh")
    if ssh is None:
        raise ShareError(
            "share='ssh://...' uses the system's OpenSSH client, and no `ssh` command was found: install it "
            "(apt-get install openssh-client, brew install openssh, or Windows' optional OpenSSH Client feature)."
        )
    tunnel = SshTunnel(ssh, target, (local_host, local_port), options)
    if not _answers(target.host, tunnel.remote_port):
        log(
            f"{tunnel.public_url} does not answer from this machine. The host's sshd binds forwarded ports to its "
            "loopback address unless its sshd_config has `GatewayPorts clientspecified` (or `yes`): ask its admin, or "
            f"serve port {tunnel.remote_port} there through a reverse proxy and give out the proxy's address with the "
            "same ?token=. A firewall in between can also block the port."
        )
    return tunnel


def _answers(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=PROBE_SECONDS).close()
    except OSError:
        return False
    return True


class SshTunnel:
    """One public port on the host, forwarded to ``local`` (host, port) here by an ssh process that a watcher
    thread restarts when it exits, until :meth:`close`."""

    def __init__(self, ssh: str, target: SshTarget, local: tuple[str, int], options: tuple[str, ...]) -> None:
        self._ssh, self.target, self._options = ssh, target, options
        self._local = f"{local[0]}:{local[1]}"  # as ssh writes it in its log
        self._forward_to = f"[{local[0]}]:{local[1]}" if ":" in local[0] else self._local  # as -R takes it
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._connection = self._connect(target.remote_port)
        self.remote_port = self._connection.ready()  # raises ShareError, with nothing left running
        self.public_url = target.public_url(self.remote_port)
        self._watcher = threading.Thread(target=self._keep_up, name="nbshare-ssh-tunnel", daemon=True)
        self._watcher.start()
        atexit.register(self.close)  # ssh is a process of its own: it would outlive the kernel

    def close(self) -> None:
        """Stop ssh (the host stops listening on the port) and stop reconnecting; returns at once during a pause."""
        with self._lock:
            self._closing.set()
            connection = self._connection
        connection.stop()
        if self._watcher is not threading.current_thread():
            self._watcher.join(timeout=STOP_SECONDS + 1)
        atexit.unregister(self.close)

    def _argv(self, remote_port: int) -> list[str]:
        """ssh's arguments. The first ``-o`` of a setting wins, so ours that must hold come before the caller's
        options; the ones a special setup may change come after them."""
        essential = {
            "BatchMode": "yes",  # never prompt: no password, no host key question
            "ExitOnForwardFailure": "yes",  # a port the host will not open is a failure, not a silent login
            "ControlMaster": "no",  # this process owns its connection: never ride on (or become) a shared one
            "ControlPath": "none",
            "LogLevel": "DEBUG1",  # the forward's outcome is read from ssh's log
        }
        adjustable = {"ServerAliveInterval": "15", "ServerAliveCountMax": "3", "ConnectTimeout": "15"}
        port = ["-p", str(self.target.port)] if self.target.port else []
        forward = f"*:{remote_port}:{self._forward_to}"
        return [self._ssh, "-N", "-T", *_settings(essential), *self._options, *_settings(adjustable), *port,
                "-R", forward, "--", self.target.destination]  # fmt: skip

    def _keep_up(self) -> None:
        """The watcher: when ssh exits, unless closing, connect again after a pause that doubles up to 30 s."""
        delay = FIRST_RETRY_SECONDS
        while True:
            up_since = time.monotonic()
            reason = self._connection.wait()
            if self._closing.is_set():
                return
            if time.monotonic() - up_since >= STABLE_SECONDS:
                delay = FIRST_RETRY_SECONDS
            log(f"the SSH tunnel for {self.public_url} dropped ({reason}); reconnecting in {delay:g} s")
            while True:
                if self._closing.wait(delay):
                    return
                delay = min(delay * 2, MAX_RETRY_SECONDS)
                try:
                    self._reconnect()
                    break
                except ShareError as error:
                    if self._closing.is_set():
                        return
                    log(f"reconnecting the SSH tunnel failed: {error} Next try in {delay:g} s.")
            log(f"the SSH tunnel is back: {self.public_url} works again")

    def _reconnect(self) -> None:
        with self._lock:
            if self._closing.is_set():
                raise ShareError("the tunnel is closing")
            self._connection = connection = self._connect(self.remote_port)
        connection.ready()

    def _connect(self, remote_port: int) -> _Connection:
        return _Connection(self._argv(remote_port), self.target, self._local, remote_port)


def _settings(options: dict[str, str]) -> list[str]:
    return [argument for name, value in options.items() for argument in ("-o", f"{name}={value}")]


class _Connection:
    """One ssh process. A thread reads its log (its stderr, drained for as long as it runs) for the forward's
    outcome and for the line that says why it failed."""

    def __init__(self, argv: list[str], target: SshTarget, local: str, remote_port: int) -> None:
        self.target = target
        self.requested = remote_port
        self.process = subprocess.Popen(  # a list, never a shell; a session of its own: no terminal to prompt on
            argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        self.lines: collections.deque[str] = collections.deque(maxlen=30)  # ssh's own messages, not its debug log
        self.port: int | None = None
        self._outcome = threading.Event()
        connect = re.escape(local)
        self._allocated = re.compile(rf"Allocated port (\d+) for remote forward to {connect}\b")
        self._success = re.compile(rf"remote forward success for: listen \S*?:?(\d+), connect {connect}\b")
        self._reader = threading.Thread(target=self._read, name="nbshare-ssh-log", daemon=True)
        self._reader.start()

    def ready(self, within: float = CONNECT_SECONDS) -> int:
        """The port the host listens on once the forward is up; else stop ssh and raise a ``ShareError``."""
        finished = self._outcome.wait(within)
        if self.port is not None and self.process.poll() is None:
            return self.port
        if finished:  # its log ended: ssh is exiting, and its exit code is part of the story
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(STOP_SECONDS)
        self.stop()
        raise ShareError(self._failure(not finished, within))

    def wait(self) -> str:
        """Block until ssh exits; why it did, in a few words."""
        code = self.process.wait()
        self._reader.join(timeout=STOP_SECONDS)
        line = _reason(self.lines)
        how = f"killed by signal {-code}" if code < 0 else f"exit code {code}"
        return f"ssh: {line}, {how}" if line else f"ssh {how}"

    def stop(self) -> None:
        """End ssh: politely, then for sure. The host closes the remote port when the connection ends."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._outcome.set()
        self._reader.join(timeout=STOP_SECONDS)

    def _read(self) -> None:
        assert self.process.stderr is not None
        with self.process.stderr:
            for raw in self.process.stderr:
                self._note(raw.decode("utf-8", "replace").rstrip())
        self._outcome.set()

    def _note(self, line: str) -> None:
        allocated = self._allocated.search(line)
        if allocated:
            self.port = int(allocated.group(1))
            self._outcome.set()
        elif self._success.search(line):
            if self.requested:  # a port asked for by number: no "Allocated" line follows
                self.port = self.requested
                self._outcome.set()
        elif not line.startswith("debug"):
            self.lines.append(line)

    def _failure(self, timed_out: bool, within: float) -> str:
        where = f"{self.target.destination}" + (f" (port {self.target.port})" if self.target.port else "")
        if timed_out:
            said = _reason(self.lines)
            return (
                f"ssh did not open the tunnel to {where} within {within:g} s"
                + (f"; its last words: “{said}”" if said else "")
                + f". Check that `{self.target.login}` logs in without a prompt."
            )
        line, hint = _explain(self.lines, self.target)
        said = f"ssh said: “{line}”" if line else f"ssh exited with code {self.process.returncode} and said nothing"
        return f"The SSH tunnel to {where} failed: {said}. {hint}"


_NOT_A_REASON = ("Transferred:", "Bytes per second:", "Authenticated to", "Warning: Permanently added")


def _reason(lines: collections.deque[str]) -> str:
    """The last line of ssh's that says something went wrong."""
    telling = [line for line in lines if line.strip() and not line.startswith(_NOT_A_REASON)]
    return telling[-1] if telling else ""


def _explain(lines: collections.deque[str], target: SshTarget) -> tuple[str, str]:
    """(ssh's line that tells what failed, what to do about it)."""
    hints = [
        (
            "REMOTE HOST IDENTIFICATION HAS CHANGED",
            "The host's key is not the one your known_hosts has for it. If the host was reinstalled, remove the old "
            f"key (`ssh-keygen -R {target.host}`) and log in once by hand (`{target.login}`) to accept the new one; "
            "if not, someone may be in between: do not share through it.",
        ),
        (
            "Host key verification failed",
            f"ssh does not know this host's key yet, and nbshare never asks: log in once by hand (`{target.login}`), "
            "check and accept the host key, then launch again.",
        ),
        (
            "Permission denied",
            "The host refused every key ssh offered, and nbshare never asks for a password: make sure "
            f"`{target.login}` logs in without one (a key in your ssh-agent or ~/.ssh, or "
            "ssh_options=['-i', '/path/to/key']).",
        ),
        (
            "remote port forwarding failed",
            "The host would not listen on that port: it is in use there (choose another ?remote_port=, or leave it "
            "out to let the host pick one), it is below 1024 (only root may listen there), or the host's sshd does "
            "not allow forwarding (AllowTcpForwarding).",
        ),
        ("Could not resolve hostname", "Check the host name."),
        ("Connection refused", "Nothing answers there: check the host and the ssh port, and that sshd runs."),
        ("timed out", "The host did not answer: check the host, the ssh port, and that no firewall is in between."),
        ("No route to host", "The host cannot be reached from here: check the host and your network."),
    ]
    for needle, hint in hints:
        for line in lines:
            if needle in line:
                return line, hint
    return _reason(lines), f"Check that `{target.login}` logs in without a prompt, then launch again."
