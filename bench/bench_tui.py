"""Start-up and idle cost of the TUI, measured as a user's terminal sees it (through tmux).

Prints, for `workbench demo` of two installed wheels (before: main at the session's start, after:
yours) and for a bare Textual app showing one label (the floor), paired round by round: time to
first paint (process start -> the expected text is on the tmux screen), to the full first screen
(the seed pods' glyphs drawn), the process's RSS then, the ratios to the floor (goals 1.3x, 1.6x,
RSS 1.2x), and the bytes the app writes to the terminal while idle (tmux pipe-pane; goal 0).
Then the key latency of each side (`bench_tui_keys.py`, run with each side's interpreter).

Usage: python bench/bench_tui.py --after /tmp/perf-venv/bin/workbench [--before EXE] [--runs N]
       [--idle SECONDS] [--keys N] [--key-runs N] [--no-keys]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

BASE = "/work/bench-venvs/base/bin/workbench"
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


def _side_python(exe: str) -> str:
    """The interpreter of the venv a `workbench` executable belongs to."""
    return str(Path(exe).parent / "python")


def paint_figures(args: argparse.Namespace, env: dict[str, str]) -> None:
    bare_file = Path(tempfile.mkstemp(suffix=".py", prefix="bare-textual-")[1])
    bare_file.write_text(BARE_APP)
    # (command, text of the first paint, text once everything is shown: the seed pods' glyph)
    cases = {
        "bare textual (floor)": (
            [_side_python(args.after), str(bare_file)],
            "bare textual ready",
            "bare textual ready",
        ),
        "before: workbench demo": ([args.before, "demo"], "Socket 1", "█"),
        "after: workbench demo": ([args.after, "demo"], "Socket 1", "█"),
    }
    samples: dict[str, list[tuple[float, float, int, int]]] = {label: [] for label in cases}
    # A session that outlives the measured ones, so the server does not exit between runs.
    subprocess.run(["tmux", "-L", SOCKET, "new-session", "-d", "-s", "keeper", "sleep", "3600"], check=True)
    try:
        for round_no in range(args.runs):
            # Paired: each round runs every case once, alternating which side goes first.
            order = list(cases) if round_no % 2 == 0 else [list(cases)[0], *list(cases)[:0:-1]]
            for label in order:
                argv, ready, full = cases[label]
                samples[label].append(measure(argv, ready, full, args.idle, env))
    finally:
        bare_file.unlink(missing_ok=True)
        _tmux("kill-server")
    med = statistics.median
    floor = samples["bare textual (floor)"]
    print(
        f"{'case':<24} {'first paint':>12} {'pods shown':>11} {'RSS':>10} {'idle bytes':>11}"
        f" {'paint/bare':>11} {'shown/bare':>11} {'RSS/bare':>9}"
    )
    for label, runs in samples.items():
        paint = [r[0] / f[0] for r, f in zip(runs, floor, strict=True)]
        shown = [r[1] / f[0] for r, f in zip(runs, floor, strict=True)]
        rss = [r[2] / f[2] for r, f in zip(runs, floor, strict=True)]
        print(
            f"{label:<24} {med(r[0] for r in runs):>10.3f} s {med(r[1] for r in runs):>9.3f} s"
            f" {med(r[2] for r in runs) / 1024:>6.1f} MiB {max(r[3] for r in runs):>11d}"
            f" {med(paint):>10.2f}x {med(shown):>10.2f}x {med(rss):>8.2f}x"
        )
    print(
        f"(median of {args.runs} paired rounds at 80x24, ratios paired round by round; idle recorded for"
        f" {args.idle:.0f} s after painting; goals: first paint <= 1.3x, pods shown <= 1.6x,"
        " RSS <= 1.2x, idle bytes 0)"
    )


def key_figures(args: argparse.Namespace) -> None:
    script = Path(__file__).with_name("bench_tui_keys.py")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    found: dict[str, list[dict[str, dict[str, float]]]] = {"before": [], "after": []}
    for round_no in range(args.key_runs):
        sides = [("before", args.before), ("after", args.after)]
        for side, exe in sides if round_no % 2 == 0 else sides[::-1]:
            cmd = [_side_python(exe), str(script), "--json", "--keys", str(args.keys)]
            out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=True).stdout
            found[side].append(json.loads(out))
    med = statistics.median
    print(f"key latency, ms (p99 and median over {args.keys} keys; median of {args.key_runs} paired runs)")
    print(f"  {'case':<24} {'before p99':>10} {'after p99':>10} {'after med':>10} {'goal':>5}")
    for case in found["after"][0]:
        b = med(r[case]["p99"] for r in found["before"])
        a = med(r[case]["p99"] for r in found["after"])
        a_med = med(r[case]["median"] for r in found["after"])
        goal = 16.0 if case.startswith("big") else 8.0
        mark = "met" if a <= goal else "MISSED"
        print(f"  {case:<24} {b:>10.2f} {a:>10.2f} {a_med:>10.2f} {goal:>5.0f}  {mark}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=BASE, help=f"the 'before' workbench (default {BASE})")
    ap.add_argument("--after", required=True, help="the 'after' workbench, from a wheel in a venv")
    ap.add_argument("--runs", type=int, default=3, help="paired rounds of start-up figures")
    ap.add_argument("--idle", type=float, default=5.0, help="seconds of idle to record")
    ap.add_argument("--keys", type=int, default=200, help="keys per key-latency case")
    ap.add_argument("--key-runs", type=int, default=1, help="paired runs of the key-latency script")
    ap.add_argument("--no-keys", action="store_true", help="skip the key-latency figures")
    ap.add_argument("--no-paint", action="store_true", help="skip the start-up figures")
    args = ap.parse_args()
    if not shutil.which("tmux"):
        print("tmux is not installed; nothing measured")
        return 1
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["TERM"] = "xterm-256color"
    env.pop("NO_COLOR", None)
    load = os.getloadavg()[0]
    print(f"before {args.before}; after {args.after}; load {load:.1f} on {os.cpu_count()} CPUs")
    if not args.no_paint:
        paint_figures(args, env)
    if not args.no_keys:
        key_figures(args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
