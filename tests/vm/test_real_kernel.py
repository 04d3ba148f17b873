"""Real-kernel test: boot a throwaway QEMU VM with a 2-socket, 4-NUMA-node, SMT topology and a
distance matrix, cgroup2 mounted, and run `guest_check.py` inside it.

The VM boots once per session (~10-20 s under TCG); each check the guest reports is its own test
so a failure names what broke. Never touches this machine's cgroups: the guest has its own kernel.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from vm_gate import require_vm, run_guest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

# What QEMU is told; the guest must discover exactly this.
SOCKETS, CORES, THREADS, NODES_PER_SOCKET = 2, 2, 2, 2
DISTANCES = [
    [10, 12, 20, 22],
    [12, 10, 22, 20],
    [20, 22, 10, 12],
    [22, 20, 12, 10],
]
EXPECTED_CHECKS = (
    "topology-sockets",
    "topology-numa-cpus",
    "topology-siblings",
    "topology-distances",
    "cgroup-v2-detected",
    "commit-dry-run-writes-nothing",
    "commit-apply",
    "pinning-took-effect",
    "rollback-restores",
    "pinning-undone",
    "crash-recovery",
    "memory-not-whole-pages",
)

pytestmark = [pytest.mark.vm, pytest.mark.slow]


@pytest.fixture(scope="module")
def guest_report() -> dict[str, dict[str, Any]]:
    require_vm()  # skips on a developer's machine, fails in CI, with the reason
    expected = {
        "sockets": SOCKETS,
        "cores_per_socket": CORES,
        "threads": THREADS,
        "numa_nodes": SOCKETS * NODES_PER_SOCKET,
        "distances": DISTANCES,
    }
    harness = [
        "--sockets", str(SOCKETS), "--cores", str(CORES), "--threads", str(THREADS),
        "--nodes-per-socket", str(NODES_PER_SOCKET), "--mem-per-node", "256",
        "--dist", ";".join(" ".join(str(v) for v in row) for row in DISTANCES),
        "--timeout", "420",
        "-e", "PYTHONDONTWRITEBYTECODE=1",
    ]  # fmt: skip
    # TCG on a shared 2-core machine: a loaded host has taken over 240 s for the whole guest run.
    guest = [sys.executable, str(HERE / "guest_check.py"), json.dumps(expected)]
    return run_guest(harness, guest, timeout=480)


@pytest.mark.parametrize("name", EXPECTED_CHECKS)
def test_guest_check(guest_report: dict[str, dict[str, Any]], name: str) -> None:
    rec = guest_report.get(name)
    assert rec is not None, f"the guest did not run {name} ({guest_report['_exit']['detail']})"
    assert rec["ok"], f"{name}: {rec.get('detail')}"
