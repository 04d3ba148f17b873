"""Whole-process CLI latency, before vs after, paired run by run (issue 12).

    python3 bench/bench_cli.py --after /tmp/perf-venv/bin/workbench [--before EXE] [--runs N]

Both sides are INSTALLED wheels (build one: `python3 -m pip wheel --no-deps -w /tmp/perf-wheel .
&& python3 -m venv /tmp/perf-venv && /tmp/perf-venv/bin/pip install /tmp/perf-wheel/*.whl`);
`--before` defaults to `/work/bench-venvs/base/bin/workbench` (main at the session's start).
The environment is the caller's minus PYTHONPATH (so no checkout shadows the wheel);
PYTHONDONTWRITEBYTECODE stays as it is: an installed wheel has its bytecode compiled by pip.

Cases, each run once per round, rounds alternating which side goes first:
- floor: `python -c pass` with the after venv's interpreter;
- `topology --sysfs-root <256ppc-8n8s4t> -o json` vs `lstopo-no-graphics --if fsroot --input
  <same> --of xml` run in the same round (goal: after within 1.6x of lstopo, median of the
  per-round ratios);
- `--help` of the top level and of every subcommand (nested ones too; goal < 60 ms each);
- `admit <seed postgres.yaml> --demo` (goal < 120 ms).
Prints medians of wall-clock ms (and process CPU ms), and after/before ratios. On a loaded machine
wall time mostly measures the scheduler: the CPU columns (user + system of each process) say what
the command itself costs.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASE = "/work/bench-venvs/base/bin/workbench"
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


def run_once(cmd: list[str]) -> tuple[float, float]:
    """Wall and CPU (user + system of the child) milliseconds of one whole process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=ENV)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = (time.perf_counter() - t0) * 1000
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} exited {proc.returncode}")
    return wall, (usage.ru_utime + usage.ru_stime) * 1000


def subcommands(exe: str, path: list[str]) -> list[list[str]]:
    """Every command path under `path`, read from the COMMAND listing of its --help (argparse
    prints each subcommand indented 4 spaces under the `COMMAND` metavar)."""
    out = subprocess.run([exe, *path, "--help"], capture_output=True, text=True, env=ENV).stdout
    names: list[str] = []
    listing = False
    for line in out.splitlines():
        if line.strip() == "COMMAND" or re.fullmatch(r"  \{[a-z0-9_,-]+\}", line):
            listing = True
        elif listing and (found := re.match(r"    ([a-z][a-z0-9_-]*)(\s|$)", line)):
            names.append(found.group(1))
        elif listing and not line.startswith("      "):
            listing = False
    paths = [path]
    for name in names:
        paths += subcommands(exe, [*path, name])
    return paths


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", default=BASE, help=f"the 'before' workbench (default {BASE})")
    ap.add_argument("--after", required=True, help="the 'after' workbench, from a wheel in a venv")
    ap.add_argument("--runs", type=int, default=21, help="rounds (default 21)")
    ap.add_argument("--no-help", action="store_true", help="skip the --help cases")
    args = ap.parse_args()
    lstopo = shutil.which("lstopo-no-graphics")
    python = str(Path(args.after).parent / "python")
    sides = {"before": args.before, "after": args.after}
    scratch = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(prefix="bench-cli-", dir=scratch) as tmp:
        with tarfile.open(REPO / "fixtures/sysfs/256ppc-8n8s4t.tar.xz") as tar:
            tar.extractall(tmp, filter="tar")
        tree = str(Path(tmp) / "256ppc-8n8s4t")
        pod = str(REPO / "workbench/data/pods/postgres.yaml")
        cases: dict[str, list[str]] = {
            "topology -o json (256ppc)": ["topology", "--sysfs-root", tree, "-o", "json"],
            "admit postgres --demo": ["admit", pod, "--demo"],
            "admit postgres --demo -o json": ["admit", pod, "--demo", "-o", "json"],
        }
        if not args.no_help:
            for path in subcommands(args.after, []):
                cases[" ".join([*path, "--help"])] = [*path, "--help"]
        singles: dict[str, list[str]] = {"python -c pass (floor)": [python, "-c", "pass"]}
        if lstopo:
            singles["lstopo --of xml (256ppc)"] = [lstopo, "--if", "fsroot", "--input", tree, "--of", "xml"]
        for cmd in [*singles.values(), *([exe, *argv] for exe in sides.values() for argv in cases.values())]:
            run_once(cmd)  # warm the page cache
        wall: dict[tuple[str, str], list[float]] = {}
        cpu: dict[tuple[str, str], list[float]] = {}
        for round_no in range(args.runs):
            order = list(sides.items()) if round_no % 2 == 0 else list(sides.items())[::-1]
            for label, cmd in singles.items():
                w, c = run_once(cmd)
                wall.setdefault((label, ""), []).append(w)
                cpu.setdefault((label, ""), []).append(c)
            for label, argv in cases.items():
                for side, exe in order:
                    w, c = run_once([exe, *argv])
                    wall.setdefault((label, side), []).append(w)
                    cpu.setdefault((label, side), []).append(c)
    report(args.runs, wall, cpu, singles, cases)
    return 0


def report(
    runs: int,
    wall: dict[tuple[str, str], list[float]],
    cpu: dict[tuple[str, str], list[float]],
    singles: dict[str, list[str]],
    cases: dict[str, list[str]],
) -> None:
    med = statistics.median
    load = os.getloadavg()[0]
    print(f"{runs} paired rounds; medians, ms wall (ms CPU); load {load:.1f} on {os.cpu_count()} CPUs")
    for label in singles:
        print(f"  {label:38} {med(wall[label, '']):7.1f} ({med(cpu[label, '']):5.1f})")
    print(f"  {'case':38} {'before':>15} {'after':>15} {'after/before':>12}")
    for label in cases:
        b, a = wall[label, "before"], wall[label, "after"]
        ratio = med([x / y for x, y in zip(a, b, strict=True)])
        print(
            f"  {label:38} {med(b):7.1f} ({med(cpu[label, 'before']):5.1f})"
            f" {med(a):7.1f} ({med(cpu[label, 'after']):5.1f}) {ratio:11.2f}x"
        )
    print("goals (after):")
    topo = "topology -o json (256ppc)"
    if ("lstopo --of xml (256ppc)", "") in wall:
        hw, hw_cpu = wall["lstopo --of xml (256ppc)", ""], cpu["lstopo --of xml (256ppc)", ""]
        for side in ("before", "after"):
            ratio = med([x / y for x, y in zip(wall[topo, side], hw, strict=True)])
            ratio_cpu = med([x / y for x, y in zip(cpu[topo, side], hw_cpu, strict=True)])
            mark = "      " if side == "before" else ("met   " if ratio <= 1.6 else "MISSED")
            print(
                f"  {mark} {side:6} topology / lstopo, paired: {ratio:.2f}x wall, {ratio_cpu:.2f}x CPU"
                " (goal <= 1.6x)"
            )
    helps = [label for label in cases if label.endswith("--help")]
    if helps:
        worst = max(helps, key=lambda h: med(wall[h, "after"]))
        ms = med(wall[worst, "after"])
        print(f"  {'met   ' if ms < 60 else 'MISSED'} slowest --help: `{worst}` {ms:.1f} ms (goal < 60 ms)")
    ms = med(wall["admit postgres --demo", "after"])
    print(f"  {'met   ' if ms < 120 else 'MISSED'} admit postgres --demo: {ms:.1f} ms (goal < 120 ms)")


if __name__ == "__main__":
    sys.exit(main())
