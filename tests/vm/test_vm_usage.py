"""Real-kernel usage test: boot the throwaway QEMU VM (4 CPUs, cgroup2), commit pod-level pods
into the guest's own tree, run spinners, and check what the usage view reports
(`guest_usage.py`). The guest has its own kernel: this machine's cgroups are never touched."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
HARNESS = HERE / "numa-vm.sh"
CACHE = Path(os.environ.get("NUMA_VM_CACHE", "/var/cache/numa-vm"))

EXPECTED_CHECKS = (
    "commit-pod-a",
    "a-sidecar-capped-by-cpuset-width",
    "d-exclusive-unthrottled",
    "pools-close-over-10s",
    "a-top-text-says-cpuset-width",
    "c-foreign-work-within-2-ticks",
    "c-tasks-name-the-spinner",
    "rollback-pod-a",
    "commit-pod-b",
    "b-500m-sidecar-throttled-within-3s",
)

pytestmark = [pytest.mark.vm, pytest.mark.slow]


def _vm_ready() -> str | None:
    if not sys.platform.startswith("linux"):
        return "needs Linux"
    if shutil.which("qemu-system-x86_64") is None:
        return "qemu-system-x86 not installed (run tests/vm/numa-vm.sh --setup)"
    if not (CACHE / "kernel" / "vmlinux").is_file():
        return f"no guest kernel in {CACHE} (run tests/vm/numa-vm.sh --setup)"
    if os.geteuid() != 0:
        return "the 9p root share needs root"
    return None


@pytest.fixture(scope="module")
def guest_report() -> dict[str, dict[str, Any]]:
    reason = _vm_ready()
    if reason:
        pytest.skip(reason)
    cmd = [
        "bash", str(HARNESS), "--sockets", "1", "--cores", "4", "--threads", "1",
        "--nodes-per-socket", "1", "--mem-per-node", "768", "--timeout", "400",
        "-e", "PYTHONDONTWRITEBYTECODE=1", "-e", f"PYTHONPATH={REPO}",
        "--", sys.executable, str(HERE / "guest_usage.py"),
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=460)
    checks: dict[str, dict[str, Any]] = {}
    for line in proc.stdout.splitlines():
        idx = line.find("CHECK ")
        if idx >= 0:
            rec = json.loads(line[idx + len("CHECK ") :])
            checks[rec["name"]] = rec
    if not checks:
        tail = f"{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
        pytest.fail(f"the guest reported nothing (exit {proc.returncode}):\n{tail}")
    for rec in checks.values():
        print(f"{rec['name']}: {'ok' if rec['ok'] else 'FAILED'}: {rec['detail'][:300]}")  # shown with -s
    return checks


@pytest.mark.parametrize("name", EXPECTED_CHECKS)
def test_guest_usage_check(guest_report: dict[str, dict[str, Any]], name: str) -> None:
    rec = guest_report.get(name)
    assert rec is not None, f"the guest did not run {name}: {sorted(guest_report)}"
    assert rec["ok"], f"{name}: {rec.get('detail')}"
