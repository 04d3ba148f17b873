"""The kernel model against the real kernel: the same scenarios, the same outcomes.

fixtures/kernel-fidelity.json holds what a real 6.1 kernel answered (scenarios of single
operations, and a pod's plan applied and read back) (recorded in the QEMU VM
of tests/vm); the fast test holds the model to it, and the VM test (marked vm, slow) checks the
recording is still what a live kernel does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cgroup_fidelity import ALL, SCENARIOS, run_all

from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.sandbox import init_sandbox
from workbench.topology.cpuset import CPUSet

HERE = Path(__file__).resolve().parent
RECORDED: dict[str, Any] = json.loads((HERE / "fixtures" / "kernel-fidelity.json").read_text())
HARNESS = HERE.parent / "vm" / "numa-vm.sh"
VM_CACHE = Path(os.environ.get("NUMA_VM_CACHE", "/var/cache/numa-vm"))

# (scenario, operation index) -> why the model answers differently on purpose.
KNOWN_DIFFERENCES: dict[tuple[str, int], str] = {}


def _model_results(root: Path) -> dict[str, list[str]]:
    init_sandbox(root, cpus=CPUSet.parse(RECORDED["cpus"]), mems=CPUSet.parse(RECORDED["mems"]), mountinfo="")
    fs = CgroupFS(root, mountinfo="")
    fs.write("", "cgroup.subtree_control", ALL)
    return run_all(fs, 4242, "")


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_the_model_answers_like_the_kernel(tmp_path: Path, scenario: str) -> None:
    got = _model_results(tmp_path)[scenario]
    want = RECORDED["results"][scenario]
    assert len(got) == len(want) == len(SCENARIOS[scenario])
    diffs = [
        (i, " ".join(SCENARIOS[scenario][i]), want[i], got[i])
        for i in range(len(want))
        if got[i] != want[i] and (scenario, i) not in KNOWN_DIFFERENCES
    ]
    assert diffs == [], f"(index, operation, kernel {RECORDED['kernel']}, model): {diffs}"


def test_a_plan_applies_and_verifies_on_the_model_as_on_the_kernel(tmp_path: Path) -> None:
    # Every write of a pod's plan (and of a re-placement with grow and shrink steps) succeeded
    # and read back as intended on the real kernel; the model must say the same, line for line.
    got = _model_results(tmp_path)["plan-and-apply"]
    want = RECORDED["results"]["plan-and-apply"]
    assert all(line.endswith("verified") for line in want)
    assert got == want


def _vm_ready() -> str | None:
    if shutil.which("qemu-system-x86_64") is None:
        return "qemu-system-x86 not installed (tests/vm/numa-vm.sh --setup)"
    if not (VM_CACHE / "kernel" / "vmlinux").is_file():
        return f"no guest kernel in {VM_CACHE}"
    if os.geteuid() != 0:
        return "the VM's 9p root share needs root"
    return None


@pytest.mark.vm
@pytest.mark.slow
def test_the_recording_is_what_a_live_kernel_answers() -> None:
    reason = _vm_ready()
    if reason:
        pytest.skip(reason)
    cmd = [
        "bash", str(HARNESS), "--sockets", "2", "--cores", "2", "--threads", "2",
        "--nodes-per-socket", "2", "--mem-per-node", "256", "--timeout", "240",
        "-e", "PYTHONDONTWRITEBYTECODE=1",
        "--", sys.executable, str(HERE / "cgroup_fidelity.py"), "/sys/fs/cgroup",
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=HERE.parent.parent, capture_output=True, text=True, timeout=300)
    line = next((ln for ln in proc.stdout.splitlines() if "FIDELITY " in ln), None)
    if line is None:
        tail = f"{proc.stdout[-2000:]}\n{proc.stderr[-1500:]}"
        pytest.fail(f"the guest reported nothing (exit {proc.returncode}):\n{tail}")
    live = json.loads(line[line.index("FIDELITY ") + len("FIDELITY ") :])
    assert live["results"] == RECORDED["results"], f"kernel {live['kernel']} answers differently"
