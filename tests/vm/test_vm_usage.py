"""Real-kernel usage test: boot the throwaway QEMU VM (4 CPUs, cgroup2), commit pod-level pods
into the guest's own tree, run spinners, and check what the usage view reports
(`guest_usage.py`). The guest has its own kernel: this machine's cgroups are never touched."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest
from vm_gate import require_vm, run_guest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

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


@pytest.fixture(scope="module")
def guest_report() -> dict[str, dict[str, Any]]:
    require_vm()  # skips on a developer's machine, fails in CI, with the reason
    harness = [
        "--sockets", "1", "--cores", "4", "--threads", "1",
        "--nodes-per-socket", "1", "--mem-per-node", "768", "--timeout", "400",
        "-e", "PYTHONDONTWRITEBYTECODE=1", "-e", f"PYTHONPATH={REPO}",
    ]  # fmt: skip
    return run_guest(harness, [sys.executable, str(HERE / "guest_usage.py")], timeout=460)


@pytest.mark.parametrize("name", EXPECTED_CHECKS)
def test_guest_usage_check(guest_report: dict[str, dict[str, Any]], name: str) -> None:
    rec = guest_report.get(name)
    assert rec is not None, f"the guest did not run {name} ({guest_report['_exit']['detail']})"
    assert rec["ok"], f"{name}: {rec.get('detail')}"
