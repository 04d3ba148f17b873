"""End to end: the installed `workbench demo` in a real terminal (tmux), keys in, screen text out."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator

import pytest
from textual.binding import Binding

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


def start_demo(columns: int, *, no_color: bool = False) -> Iterator[None]:
    exe = shutil.which("workbench")
    if exe is None:
        pytest.fail("the `workbench` command is not installed (pip install -e .)")
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    env["TERM"] = "xterm-256color"
    if no_color:
        env["NO_COLOR"] = "1"
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


def footer_labels() -> list[str]:
    """What the Node screen's footer should show: every shown binding of the app, the screen
    and the grid (which has the focus), by its description."""
    from workbench.tui.app import WorkbenchApp
    from workbench.tui.screens.node import NodeScreen
    from workbench.tui.widgets.numa_grid import NumaGrid

    labels = []
    for cls in (NumaGrid, NodeScreen, WorkbenchApp):
        labels += [b.description for b in cls.BINDINGS if isinstance(b, Binding) and b.show and b.description]
    return labels


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


CUT_FOOTER = pytest.mark.xfail(
    strict=True,
    reason="TUI layout: the footer holds more bindings than 80 or 100 columns and cuts the rest "
    "(at 100 columns after '3 C'); fixing it belongs to the screen/footer restructuring",
)


@pytest.mark.parametrize(
    "columns", [pytest.param(80, marks=CUT_FOOTER), pytest.param(100, marks=CUT_FOOTER), 120]
)
def test_the_footer_shows_every_binding(columns: int) -> None:
    for _ in start_demo(columns):
        footer = wait_for("Quit").splitlines()[-1]
        missing = [label for label in footer_labels() if label not in footer]
        assert missing == [], f"cut from the footer at {columns} columns: {missing}\n{footer}"
