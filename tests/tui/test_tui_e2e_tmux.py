"""End to end: the installed `workbench demo` in a real terminal (tmux), keys in, screen text out."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")

# One private tmux server per demo started: a server still shutting down after the previous
# test's kill-server made the next new-session on the same socket fail now and then.
_starts = itertools.count()
SOCKET = f"wbtest{os.getpid()}-0"


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


def start_demo(columns: int, *, no_color: bool = False) -> Iterator[None]:
    exe = shutil.which("workbench")
    if exe is None:
        pytest.fail("the `workbench` command is not installed (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm-256color"
    if no_color:
        env["NO_COLOR"] = "1"
    global SOCKET
    SOCKET = f"wbtest{os.getpid()}-{next(_starts)}"
    # A private tmux server (-L) so nothing else's sessions are touched.
    subprocess.run(
        ["tmux", "-L", SOCKET, "new-session", "-d", "-s", "demo", "-x", str(columns), "-y", "24"]
        + [exe, "demo"],
        check=True,
        env=env,
    )
    try:
        yield
    finally:
        tmux("kill-server")


@pytest.fixture(params=["colour", "NO_COLOR"])
def demo(request: pytest.FixtureRequest) -> Iterator[None]:
    """On a colour terminal, and as a user with NO_COLOR exported starts it."""
    yield from start_demo(80, no_color=request.param == "NO_COLOR")


# Keys a screen shows only in some states (confirm and roll back while a transaction waits).
WHILE_PENDING = {"commit.confirm", "commit.rollback"}


def screen_keys(mode: str) -> list[tuple[str, str]]:
    """(key, label) of every binding the user should see on `mode`'s screen: the screen's and
    its focused widget's shown keys and the app's, plus the four screen keys in the tabs."""
    from workbench.tui import bindings

    own = {"node": bindings.NODE + bindings.GRID, "draft": bindings.DRAFT}.get(mode)
    own = own or {"commit": bindings.COMMIT, "journal": bindings.JOURNAL}[mode]
    shown = [b for b in own + bindings.APP if b.show and b.id not in WHILE_PENDING]
    tabs = [b for b in bindings.APP if b.id in {f"app.{m}" for m, _ in bindings.MODES}]
    return [(b.key.split(",")[0], b.description) for b in shown + tabs]


def test_demo_in_a_real_terminal(demo: None) -> None:
    text = wait_for("Socket 1")
    assert "NUMA 0" in text and "NUMA 3" in text
    assert "× 0" in text  # the reserved CPU, readable without colour
    assert "q Quit" in text  # the footer shows the bindings
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


KEY_SHOWN = {"question_mark": "?", "slash": "/", "ctrl+s": "^s"}


@pytest.mark.parametrize("columns", [80, 100, 120])
def test_every_screen_shows_every_key_label(columns: int) -> None:
    """Not `len(line) <= columns` (tmux clips every line to the pane, so that cannot fail):
    each key and its label, as the user reads them, somewhere on each screen."""
    for _ in start_demo(columns):
        wait_for("Quit")
        marks = {"node": "Socket 0", "draft": "Pod budget", "commit": "Commit ·", "journal": "Journal ·"}
        for n, (mode, mark) in enumerate(marks.items(), start=1):
            tmux("send-keys", "-t", "demo", str(n))
            wait_for(mark)
            # The footer follows the focus a refresh later: look until all are there or 20 s.
            deadline = time.monotonic() + 20
            while True:
                text = screen()
                missing = [
                    f"{KEY_SHOWN.get(key, key)} {label}"
                    for key, label in screen_keys(mode)
                    if f"{KEY_SHOWN.get(key, key)} {label}" not in text
                ]
                if not missing or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert missing == [], f"not on the {mode} screen at {columns} columns: {missing}\n{text}"
