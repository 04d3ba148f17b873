"""Scenarios run against both the kernel model (a sandbox) and a real cgroup v2 kernel.

Each scenario is a list of operations in its own fresh cgroup; the outcome of each operation is
"ok", an errno name, or the text read ("MISSING" for a file that does not exist). The real
kernel's outcomes are recorded in fixtures/kernel-fidelity.json (from the throwaway QEMU VM of
tests/vm); the model must give the same, except where KNOWN_DIFFERENCES says why not.

    python3 tests/cgroups/cgroup_fidelity.py CGROUP_ROOT   (in the VM: prints FIDELITY {json})
"""

from __future__ import annotations

import errno
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace

from workbench.admission.decision import ContainerPlacement, Decision, PodPlacement
from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.layout import StandaloneLayout
from workbench.cgroups.ops import perform, read_back
from workbench.cgroups.plan import plan
from workbench.topology.cpuset import CPUSet

Op = tuple[str, ...]
BASE = "wb-fidelity"
ALL = "+cpuset +cpu +memory"

SCENARIOS: dict[str, list[Op]] = {
    "mkdir-defaults": [
        ("write", "", "cgroup.subtree_control", ALL),
        ("mkdir", "a"),
        ("read", "a", "cgroup.controllers"),
        ("read", "a", "cgroup.subtree_control"),
        ("read", "a", "cgroup.procs"),
        ("read", "a", "cpuset.cpus"),
        ("read", "a", "cpuset.mems"),
        ("read", "a", "cpuset.cpus.effective"),
        ("read", "a", "cpuset.mems.effective"),
        ("read", "a", "cpuset.cpus.partition"),
        ("read", "a", "cpu.max"),
        ("read", "a", "cpu.weight"),
        ("read", "a", "memory.max"),
        ("read", "a", "memory.current"),
        ("read", "a", "pids.max"),
    ],
    "files-follow-subtree-control": [
        ("mkdir", "a"),
        ("read", "a", "cpu.max"),
        ("write", "", "cgroup.subtree_control", "+cpu"),
        ("read", "a", "cpu.max"),
        ("read", "a", "cgroup.controllers"),
        ("write", "", "cgroup.subtree_control", "-cpu"),
        ("read", "a", "cpu.max"),
    ],
    "cpuset-narrowing": [
        ("write", "", "cgroup.subtree_control", "+cpuset"),
        ("write", "", "cpuset.cpus", "0-3"),
        ("write", "", "cpuset.mems", "0-1"),
        ("mkdir", "a"),
        ("read", "a", "cpuset.cpus.effective"),
        ("write", "a", "cpuset.cpus", "2-5"),
        ("read", "a", "cpuset.cpus"),
        ("read", "a", "cpuset.cpus.effective"),
        ("write", "a", "cpuset.cpus", "6-7"),
        ("read", "a", "cpuset.cpus.effective"),
        ("write", "a", "cpuset.mems", "1-2"),
        ("read", "a", "cpuset.mems.effective"),
        ("write", "a", "cpuset.cpus", "1-2"),
        ("write", "", "cpuset.cpus", "0-1"),
        ("read", "a", "cpuset.cpus"),
        ("read", "a", "cpuset.cpus.effective"),
        ("write", "", "cpuset.cpus", ""),
        ("read", "a", "cpuset.cpus.effective"),
    ],
    "cpuset-bad-values": [
        ("write", "", "cgroup.subtree_control", "+cpuset"),
        ("mkdir", "a"),
        ("write", "a", "cpuset.cpus", "0-8"),
        ("write", "a", "cpuset.cpus", "zero"),
        ("write", "a", "cpuset.mems", "4"),
        ("read", "a", "cpuset.cpus"),
    ],
    "cpu-max-and-weight": [
        ("write", "", "cgroup.subtree_control", "+cpu"),
        ("mkdir", "a"),
        ("write", "a", "cpu.max", "50000 200000"),
        ("read", "a", "cpu.max"),
        ("write", "a", "cpu.max", "max"),
        ("read", "a", "cpu.max"),
        ("write", "a", "cpu.max", "999 100000"),
        ("write", "a", "cpu.max", "1000 999"),
        ("write", "a", "cpu.max", "1000 1000001"),
        ("write", "a", "cpu.max", "1000 100000"),
        ("read", "a", "cpu.max"),
        ("write", "a", "cpu.weight", "0"),
        ("write", "a", "cpu.weight", "10001"),
        ("write", "a", "cpu.weight", "abc"),
        ("write", "a", "cpu.weight", "39"),
        ("read", "a", "cpu.weight"),
    ],
    "memory-values": [
        ("write", "", "cgroup.subtree_control", "+memory"),
        ("mkdir", "a"),
        ("write", "a", "memory.max", "1M"),
        ("read", "a", "memory.max"),
        ("write", "a", "memory.max", "5000"),
        ("read", "a", "memory.max"),
        ("write", "a", "memory.max", "max"),
        ("read", "a", "memory.max"),
        ("write", "a", "memory.max", "lots"),
    ],
    "subtree-control-rules": [
        ("write", "", "cgroup.subtree_control", "+bogus"),
        ("write", "", "cgroup.subtree_control", "+cpu +bogus"),
        ("write", "", "cgroup.subtree_control", "cpu"),
        ("read", "", "cgroup.subtree_control"),
        ("write", "", "cgroup.subtree_control", "+cpu"),
        ("mkdir", "a"),
        ("write", "a", "cgroup.subtree_control", "+memory"),
        ("write", "a", "cgroup.procs", "PID"),
        ("write", "a", "cgroup.subtree_control", "+cpu"),
        ("park", "PID"),
        ("write", "a", "cgroup.subtree_control", "+cpu"),
        ("write", "", "cgroup.subtree_control", "-cpu"),
        ("write", "a", "cgroup.procs", "PID"),
        ("write", "a", "cgroup.procs", "abc"),
    ],
    "read-only-files": [
        ("write", "", "cgroup.subtree_control", ALL),
        ("mkdir", "a"),
        ("write", "a", "cpuset.cpus.effective", "1"),
        ("write", "a", "memory.current", "1"),
        ("write", "a", "cgroup.controllers", "cpu"),
        ("write", "a", "no.such.file", "1"),
    ],
    "rmdir-rules": [
        ("mkdir", "a"),
        ("mkdir", "a/b"),
        ("rmdir", "a"),
        ("write", "a/b", "cgroup.procs", "PID"),
        ("rmdir", "a/b"),
        ("park", "PID"),
        ("rmdir", "a/b"),
        ("rmdir", "a"),
        ("mkdir", "a"),
        ("mkdir", "a"),
        ("mkdir", "x/y"),
    ],
}


def _errname(code: int | None) -> str:
    return errno.errorcode.get(code or 0, str(code))


def run_scenario(fs: CgroupFS, top: str, ops: Sequence[Op], pid: int, park: str) -> list[str]:
    """Run `ops` inside cgroup `top` (created fresh); the outcome of each operation."""
    fs.mkdir(top)
    out: list[str] = []
    for op in ops:
        kind, rest = op[0], op[1:]
        try:
            if kind == "mkdir":
                fs.mkdir(f"{top}/{rest[0]}")
                out.append("ok")
            elif kind == "rmdir":
                fs.rmdir(f"{top}/{rest[0]}")
                out.append("ok")
            elif kind == "park":
                fs.write(park, "cgroup.procs", str(pid))
                out.append("ok")
            elif kind == "read":
                cg = f"{top}/{rest[0]}" if rest[0] else top
                text = fs.read(cg, rest[1])
                out.append("MISSING" if text is None else text.replace(str(pid), "PID"))
            else:
                cg = f"{top}/{rest[0]}" if rest[0] else top
                fs.write(cg, rest[1], rest[2].replace("PID", str(pid)))
                out.append("ok")
        except OSError as e:
            out.append(_errname(e.errno))
    return out


def plan_and_apply(fs: CgroupFS, base: str, pid: int) -> list[str]:
    """A two-container pod planned, applied write by write and read back, then moved and undone."""
    ex = ContainerPlacement(
        "app", "app", CPUSet.parse("2-3"), CPUSet.parse("1"), "container", "max 100000", "5000000"
    )
    shared = ContainerPlacement(
        "side", "app", CPUSet.parse("4-5"), CPUSet.parse("1-2"), "pod", "200000 100000", str(256 << 20)
    )
    pod = PodPlacement(CPUSet.parse("2-5"), CPUSet.parse("4-5"), CPUSet.parse("1-2"), "max 100000", "max")
    first = Decision(True, "", "", "static", "pod", "fid/web", None, pod=pod, containers=(ex, shared))
    moved = replace(
        first,
        containers=(replace(ex, cpus=CPUSet.parse("6-7")), shared),
        pod=replace(pod, cpus=CPUSet.parse("4-7")),
    )
    layout = StandaloneLayout(parent=f"{base}/plan")
    out: list[str] = []
    for decision, attach in ((first, {"app": pid}), (moved, {})):
        writes = plan(decision, layout, fs, attach=attach)
        for w in writes:
            rel = w.cgroup.removeprefix(f"{base}/")
            try:
                perform(fs, w)
                rb = read_back(fs, w)
                shown = (rb.value or "").replace(str(pid), "PID")
                out.append(
                    f"{w.action} {rel} {w.file}: ok, reads {shown!r}, {'verified' if rb.ok else rb.problem}"
                )
            except OSError as e:
                out.append(f"{w.action} {rel} {w.file}: {_errname(e.errno)}")
    return out


def run_all(fs: CgroupFS, pid: int, park: str) -> dict[str, list[str]]:
    """Every scenario under `park`/wb-fidelity/<name>; `park` holds the test process between steps."""
    base = f"{park}/{BASE}" if park else BASE
    fs.mkdir(base)
    fs.write(base, "cgroup.subtree_control", ALL)
    results = {name: run_scenario(fs, f"{base}/{name}", ops, pid, park) for name, ops in SCENARIOS.items()}
    results["plan-and-apply"] = plan_and_apply(fs, base, pid)
    return results


def main(root: str) -> int:
    fs = CgroupFS(root)
    if not fs.writable:
        print(f"not writable: {fs.refuse_writes_reason()}", file=sys.stderr)
        return 2
    # the root must offer the controllers to wb-fidelity; the root itself may hold processes
    fs.write("", "cgroup.subtree_control", ALL)
    sleeper = subprocess.Popen(["sleep", "600"])
    try:
        results = run_all(fs, sleeper.pid, "")
    finally:
        sleeper.kill()
    uname = subprocess.run(["uname", "-r"], capture_output=True, text=True).stdout.strip()
    print("FIDELITY " + json.dumps({"kernel": uname, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
