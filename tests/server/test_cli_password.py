"""`nbshare serve --auth USER`: the password comes from $NBSHARE_PASSWORD or a prompt, never the process list."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from page_client import fetch, run, token_cookie

APP = "import nbshare\ndemo = nbshare.Interface(lambda text: text.upper(), 'text', 'text')\n"


@contextmanager
def serving(tmp_path: Path, args: list[str], env: dict[str, str], stdin: str = "") -> Iterator[tuple[int, str]]:
    (tmp_path / "app.py").write_text(APP)
    process = subprocess.Popen(
        [sys.executable, "-m", "nbshare", "serve", "app.py", *args],
        cwd=tmp_path,
        env={**os.environ, **env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(stdin)
    process.stdin.close()
    printed = []
    try:
        for line in process.stdout:
            printed.append(line)
            found = re.search(r"Local link \(this machine only\): (\S+)", line)
            if found:
                yield process.pid, found.group(1)
                break
        else:
            raise AssertionError("no link printed:\n" + "".join(printed))
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(20)


def signs_in(url: str, user: str, password: str) -> int:
    async def attempt() -> int:
        cookie = await token_cookie(url)
        origin = re.match(r"http://[^/]+", url).group(0)  # type: ignore[union-attr]
        answer = await fetch(
            url.split("?")[0] + "login",
            cookie,
            method="POST",
            body=f"username={user}&password={password}",
            headers={"Origin": origin},
        )
        return int(answer.code)

    return int(run(attempt()))


def test_the_password_comes_from_the_environment_and_never_shows_in_the_process_list(tmp_path: Path) -> None:
    secret = "correct-horse-battery"
    with serving(tmp_path, ["--auth", "ada"], {"NBSHARE_PASSWORD": secret}) as (pid, url):
        assert secret not in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        assert signs_in(url, "ada", secret) == 303
        assert signs_in(url, "ada", "wrong") == 401


def test_without_the_variable_the_password_is_asked_for(tmp_path: Path) -> None:
    env = {"NBSHARE_PASSWORD": ""}
    with serving(tmp_path, ["--auth", "ada"], env, stdin="typed-at-the-prompt\n") as (_pid, url):
        assert signs_in(url, "ada", "typed-at-the-prompt") == 303


def test_a_password_on_the_command_line_is_refused_with_the_way_to_pass_it(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    result = subprocess.run(
        [sys.executable, "-m", "nbshare", "serve", "app.py", "--auth", "ada:lovelace"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "process list" in result.stderr and "NBSHARE_PASSWORD" in result.stderr
