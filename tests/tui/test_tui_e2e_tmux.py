"""End to end: the installed `workbench demo` in a real terminal (tmux), keys in, screen text out."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

SOCKET = f"wbtest{os.getpid()}"


def tmux(*args: str) -> str:
    done = subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=False)
    return done.stdout


def screen() -> str:
    return tmux("capture-pane", "-p", "-t", "demo")


def wait_for(text: str, timeout: float = 40.0) -> str:
    deadline = time.monotonic() + timeout
    shown = ""
    while time.monotonic() < deadline:
        shown = screen()
        if text in shown:
            return shown
        time.sleep(0.1)
    raise AssertionError(f"{text!r} never appeared; the screen shows:\n{shown}")


@pytest.fixture
def demo() -> Iterator[None]:
    exe = shutil.which("workbench")
    if exe is None:
        pytest.fail("the `workbench` command is not installed (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm-256color"
    # A private tmux server (-L) so nothing else's sessions are touched.
    subprocess.run(
        ["tmux", "-L", SOCKET, "new-session", "-d", "-s", "demo", "-x", "80", "-y", "24", exe, "demo"],
        check=True,
        env=env,
    )
    try:
        yield
    finally:
        tmux("kill-server")


def test_demo_in_a_real_terminal(demo: None) -> None:
    text = wait_for("Socket 1")
    assert "NUMA 0" in text and "NUMA 3" in text
    assert "× 0" in text  # the reserved CPU, readable without colour
    assert "q Quit" in text  # the footer shows the bindings
    assert all(len(line) <= 80 for line in text.splitlines())
    wait_for("█")  # the seed pods' exclusive CPUs, placed right after the first paint
    tmux("send-keys", "-t", "demo", "l")
    wait_for("CPU 1 ·")
    tmux("send-keys", "-t", "demo", "2")
    text = wait_for("Pod budget")
    assert "postgres" in text
    wait_for("ADMITTED")
    tmux("send-keys", "-t", "demo", "3")
    wait_for("DRY RUN")
    tmux("send-keys", "-t", "demo", "q")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and "demo" in tmux("list-sessions", "-F", "#{session_name}"):
        time.sleep(0.1)
    assert "demo" not in tmux("list-sessions", "-F", "#{session_name}")  # q quit the app
