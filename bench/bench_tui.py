"""Start-up and idle cost of the TUI, measured as a user's terminal sees it (through tmux).

Prints, for `workbench demo` and for a bare Textual app showing one label (the floor):
time to first paint (process start -> the expected text is on the tmux screen), the process's
RSS at that moment, the ratio to the floor (goal within 1.5x), and the bytes the app writes to
the terminal while idle on its first screen after painting (tmux pipe-pane; goal 0).

Usage: python bench/bench_tui.py [--runs N] [--idle SECONDS]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BARE_APP = """
from textual.app import App
from textual.widgets import Label

class Bare(App):
    def compose(self):
        yield Label("bare textual ready")

Bare().run()
"""


SOCKET = f"wbbench{os.getpid()}"  # a private tmux server: nobody else's sessions are touched
_runs = iter(range(1_000_000))


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", "-L", SOCKET, *args], capture_output=True, text=True, check=False).stdout


def _rss_kib(pid: int) -> int:
    """RSS of the pane's process and its children (the app may run under a shell wrapper)."""
    total = 0
    pids = [pid]
    try:
        kids = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        pids += [int(k) for k in kids]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


def measure(
    argv: list[str], ready: str, full: str, idle: float, env: dict[str, str]
) -> tuple[float, float, int, int]:
    name = f"run{next(_runs)}"
    log = Path(tempfile.mkstemp(prefix="wb-idle-")[1])
    start = time.perf_counter()
    subprocess.run(
        ["tmux", "-L", SOCKET, "new-session", "-d", "-s", name, "-x", "80", "-y", "24", *argv],
        check=True,
        env=env,
    )
    try:
        first_paint = None
        deadline = start + 30
        while time.perf_counter() < deadline:
            if ready in _tmux("capture-pane", "-p", "-t", name):
                first_paint = time.perf_counter() - start
                break
            time.sleep(0.01)
        if first_paint is None:
            raise SystemExit(f"{argv}: {ready!r} never appeared:\n{_tmux('capture-pane', '-p', '-t', name)}")
        complete = None
        while time.perf_counter() < deadline:
            if full in _tmux("capture-pane", "-p", "-t", name):
                complete = time.perf_counter() - start
                break
            time.sleep(0.01)
        if complete is None:
            raise SystemExit(f"{argv}: {full!r} never appeared")
        pid = int(_tmux("display-message", "-p", "-t", name, "#{pane_pid}").strip())
        rss = _rss_kib(pid)
        # Idle starts once the screen has stopped changing for a second (late layout passes on a
        # loaded machine are part of painting, not of idling).
        last, stable_since = "", time.perf_counter()
        while time.perf_counter() - stable_since < 1.0 and time.perf_counter() < deadline:
            now = _tmux("capture-pane", "-p", "-e", "-t", name)
            if now != last:
                last, stable_since = now, time.perf_counter()
            time.sleep(0.05)
        _tmux("pipe-pane", "-o", "-t", name, f"cat >> {log}")
        time.sleep(idle)
        _tmux("pipe-pane", "-t", name)
        idle_bytes = log.stat().st_size
    finally:
        _tmux("kill-session", "-t", name)
        log.unlink(missing_ok=True)
    return first_paint, complete, rss, idle_bytes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--idle", type=float, default=5.0, help="seconds of idle to record")
    args = ap.parse_args()
    if not shutil.which("tmux"):
        print("tmux is not installed; nothing measured")
        return 1
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("NO_COLOR", None)
    bare_file = Path(tempfile.mkstemp(suffix=".py", prefix="bare-textual-")[1])
    bare_file.write_text(BARE_APP)
    workbench = shutil.which("workbench")
    demo_cmd = [workbench, "demo"] if workbench else [sys.executable, "-m", "workbench", "demo"]
    # (command, text of the first paint, text once everything is shown: the seed pods' glyph)
    cases = {
        "bare textual (floor)": (
            [sys.executable, str(bare_file)],
            "bare textual ready",
            "bare textual ready",
        ),
        "workbench demo": (demo_cmd, "Socket 1", "█"),
    }
    results: dict[str, tuple[float, float, float, int]] = {}
    # A session that outlives the measured ones, so the server does not exit between runs.
    subprocess.run(["tmux", "-L", SOCKET, "new-session", "-d", "-s", "keeper", "sleep", "3600"], check=True)
    try:
        for label, (argv, ready, full) in cases.items():
            paints, fulls, rsss, idles = [], [], [], []
            for _ in range(args.runs):
                t, t_full, rss, idle = measure(argv, ready, full, args.idle, env)
                paints.append(t)
                fulls.append(t_full)
                rsss.append(rss)
                idles.append(idle)
            results[label] = (
                statistics.median(paints),
                statistics.median(fulls),
                statistics.median(rsss) / 1024,
                max(idles),
            )
    finally:
        bare_file.unlink(missing_ok=True)
        _tmux("kill-server")
    floor_t, _, floor_m, _ = results["bare textual (floor)"]
    print(
        f"{'case':<22} {'first paint':>12} {'pods shown':>11} {'RSS':>10} {'idle bytes':>11}"
        f" {'paint ratio':>12} {'RSS ratio':>10}"
    )
    for label, (t, t_full, m, idle) in results.items():
        print(
            f"{label:<22} {t:>10.3f} s {t_full:>9.3f} s {m:>6.1f} MiB {idle:>11d}"
            f" {t / floor_t:>11.2f}x {m / floor_m:>9.2f}x"
        )
    print(
        f"(median of {args.runs} runs at 80x24; idle recorded for {args.idle:.0f} s after first paint;"
        " goals: ratios <= 1.5x, idle bytes 0)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
