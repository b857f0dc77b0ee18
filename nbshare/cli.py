"""``nbshare demo`` and ``nbshare serve app.py``: a shared page without Jupyter, from a terminal."""

from __future__ import annotations

import argparse
import getpass
import os
import runpy
import sys
import threading
from pathlib import Path

from .interface import Interface
from .server.access import LOOPBACK
from .share import ShareError

__all__ = ["main"]

PASSWORD_VARIABLE = "NBSHARE_PASSWORD"
TOKEN_VARIABLE = "NBSHARE_TOKEN"
"""A fixed access token, so that a permanent link survives a restart (else a new one is made at each start)."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="nbshare", description="Serve an nbshare Interface as a standalone page.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="serve the demo: the pacemaker detector of notebooks/pacemaker.ipynb")
    serve = commands.add_parser("serve", help="serve the Interface defined in a Python script")
    serve.add_argument("script", type=Path, help="a Python file that creates an nbshare.Interface")
    serve.add_argument("--name", help="the variable holding the Interface, when the script makes several")
    for command in (demo, serve):
        command.add_argument("--port", type=int, default=None, help="port to listen on (default: a free one)")
        command.add_argument(
            "--host",
            default="127.0.0.1",
            help="address to listen on: 127.0.0.1 (default: this machine only), 0.0.0.0 (every IPv4 interface) or "
            ":: (every IPv6 one), for a reverse proxy elsewhere or a container; a warning says who can then reach it",
        )
        command.add_argument(
            "--trusted-proxy",
            action="append",
            metavar="ADDRESS",
            help="a reverse proxy's address or range (10.0.0.0/8) whose X-Forwarded-For/-Host/-Proto are believed; "
            "repeatable. A proxy on this machine is 127.0.0.1; in a container, the proxy container's address",
        )
        command.add_argument(
            "--share",
            nargs="?",
            const="ngrok",
            default=False,
            metavar="ssh://USER@HOST[:PORT]",
            help="also make a public link: through ngrok (--share alone), or an SSH tunnel to a host you can log in to",
        )
        command.add_argument(
            "--auth",
            metavar="USER",
            help=f"ask visitors to sign in as USER; the password comes from ${PASSWORD_VARIABLE} or is asked for",
        )
        command.add_argument("--open", action="store_true", help="open the page in a browser")
    args = parser.parse_args(argv)
    try:
        interface = demo_interface() if args.command == "demo" else interface_from_script(args.script, args.name)
    except (OSError, LookupError, ValueError, TypeError) as error:
        parser.exit(2, f"nbshare: {error}\n")
    try:
        auth = _credentials(args.auth) if args.auth else None
    except ValueError as error:
        parser.exit(2, f"nbshare: {error}\n")
    try:
        link = interface.launch(
            inline=False, inbrowser=args.open, share=args.share, auth=auth, port=args.port, host=args.host,
            token=os.environ.pop(TOKEN_VARIABLE, None) or None,  # read once: the script's subprocesses never see it
            trusted_proxies=_trusted_proxies(args.trusted_proxy, args.share),
        )  # fmt: skip
    except (OSError, ValueError, ShareError) as error:  # a port in use, an unknown address, a typo, a tunnel
        parser.exit(2, f"nbshare: {error}\n")
    print(link._describe(reveal=True), flush=True)  # a terminal: nothing here is saved in a notebook
    if interface.flagging:
        folder = interface.flag_store.folder
        print(f"Flags sent from the page are written to {folder}", flush=True)
        print(f"  read them in Python: nbshare.load_flags({str(folder)!r})", flush=True)
    print("Press Ctrl+C to stop serving.", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        link.close()
    return 0


def _trusted_proxies(named: list[str] | None, share: str | bool) -> list[str] | None:
    """The proxies ``--trusted-proxy`` names (None: launch's default); with ``--share`` through ngrok the ngrok
    agent, which connects from this machine, is one too (an SSH tunnel forwards bare connections: not it)."""
    if not named:
        return None
    return [*named, *LOOPBACK] if share == "ngrok" else named


def _credentials(user: str) -> tuple[str, str]:
    """(user, password): the password from the environment or typed at a prompt, never from the command line,
    where every user of the machine could read it in the process list."""
    if ":" in user:
        raise ValueError(
            "--auth takes only the user name: a password on the command line shows in the process list. "
            f"Set {PASSWORD_VARIABLE} or type it when asked."
        )
    password = os.environ.pop(PASSWORD_VARIABLE, None)  # read once; the script's own subprocesses never see it
    if not password:
        if sys.stdin.isatty():
            password = getpass.getpass(f"Password for {user}: ")
        else:  # piped in: echo "$SECRET" | nbshare serve --auth ada app.py
            password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise ValueError(f"--auth {user} needs a password: set {PASSWORD_VARIABLE} or type it when asked")
    return user, password


def interface_from_script(script: Path, name: str | None) -> Interface:
    if not script.is_file():
        raise FileNotFoundError(f"no such script: {script}")
    namespace = runpy.run_path(str(script), run_name="__nbshare__")
    if name is not None:
        if not isinstance(namespace.get(name), Interface):
            raise LookupError(f"{script} defines no Interface named {name!r}")
        return namespace[name]  # type: ignore[no-any-return]
    found = {key: value for key, value in namespace.items() if isinstance(value, Interface)}
    if len(found) != 1:
        what = "no Interface" if not found else f"several Interfaces ({', '.join(sorted(found))}); pick one with --name"
        raise LookupError(f"{script} defines {what}")
    return next(iter(found.values()))


def demo_interface() -> Interface:
    """The pacemaker detector of ``notebooks/pacemaker.ipynb``: its trained model and example frames ship in the
    package (:mod:`nbshare.demo`), so no notebook and no training are needed."""
    from .demo import pacemaker_interface

    return pacemaker_interface()


if __name__ == "__main__":
    sys.exit(main())
