"""What a CPU manager checkpoint alone says about each container's isolation, and how the grid and
`workbench node` show it (admission.checkpoint_isolation).

The kubelet decides isolation from the pod spec (`GetResourceIsolationLevel`, cpu_manager.go);
the checkpoint holds only what `AllocatePod` (policy_static.go) wrote. The layouts below are the
KEP-5526 README's CPU table for scope pod (pod 5 on NUMA 0, CPUs 1-5) and the kubelet-addenda
checkpoint example (pod 2-5, `app` 2-3, `sidecar` 4-5)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import MappingProxyType as M

import pytest

from workbench.admission.checkpoint_isolation import checkpoint_isolation
from workbench.admission.ownership import OwnerKind, cpu_owners
from workbench.kube.model import NodeConfig, NodeState
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import CPU, NumaNode, Topology

ROOT = Path(__file__).resolve().parents[2]
S = CPUSet.parse

CASES = [
    # KEP-5526 "pod 5, c1 3, c2 1, c3 1": every container exclusive, nothing left over.
    (
        {"c1": "1-3", "c2": "4", "c3": "5"},
        "1-5",
        {"c1": "pod-or-container", "c2": "pod-or-container", "c3": "pod-or-container"},
    ),
    # KEP-5526 "pod 5, c1 3, c2/c3 no requests": the set two containers hold is the pool.
    ({"c1": "1-3", "c2": "4-5", "c3": "4-5"}, "1-5", {"c1": "container", "c2": "pod", "c3": "pod"}),
    # KEP-5526 "pod 5, none exclusive": all three hold the whole bubble, the pool.
    ({"c1": "1-5", "c2": "1-5", "c3": "1-5"}, "1-5", {"c1": "pod", "c2": "pod", "c3": "pod"}),
    # kubelet-addenda V3 example: app 2-3 and sidecar 4-5 in pod 2-5. The same checkpoint is
    # written for a 2-CPU exclusive sidecar, so the checkpoint cannot say which it is.
    ({"app": "2-3", "sidecar": "4-5"}, "2-5", {"app": "pod-or-container", "sidecar": "pod-or-container"}),
    # A bubble its containers leave partly unheld has no shared container (it would hold the rest).
    ({"app": "2-3", "sidecar": "4"}, "2-5", {"app": "container", "sidecar": "container"}),
    # Scope container: only exclusive containers have entries.
    ({"app": "2-3"}, None, {"app": "container"}),
]


@pytest.mark.parametrize(("entries", "bubble", "expected"), CASES)
def test_isolation_read_from_the_checkpoint(
    entries: dict[str, str], bubble: str | None, expected: dict[str, str]
) -> None:
    sets = {name: S(v) for name, v in entries.items()}
    assert checkpoint_isolation(sets, S(bubble) if bubble else None) == expected


def _machine() -> Topology:
    cpus = tuple(CPU(id=i, core=i, socket=0, numa=0) for i in range(8))
    return Topology(
        name="t8", cpus=cpus, numa_nodes=(NumaNode(id=0, cpus=CPUSet(range(8)), memory_bytes=2**34),)
    )


def _state(entries: dict[str, str], bubble: str) -> NodeState:
    return NodeState(
        cpu_policy="static",
        cpu_assignments=M({"u1": M({n: S(v) for n, v in entries.items()})}),
        pod_cpusets=M({"u1": S(bubble)}),
    )


def test_grid_says_it_cannot_tell_a_lone_sidecar_from_an_exclusive_container() -> None:
    owners = cpu_owners(
        _machine(), NodeConfig(cpu_manager_policy="static"), _state({"app": "2-3", "sidecar": "4-5"}, "2-5")
    )
    assert owners[4].unsure and owners[2].unsure
    assert "cannot tell" in owners[4].describe() and "sidecar" in owners[4].describe()
    assert not owners[0].unsure


def test_grid_knows_the_pool_when_two_containers_share_it() -> None:
    state = _state({"app": "1-3", "log": "4-5", "mesh": "4-5"}, "1-5")
    owners = cpu_owners(_machine(), NodeConfig(cpu_manager_policy="static"), state)
    assert owners[4].kind is OwnerKind.POD_SHARED and not owners[4].unsure
    assert owners[1].kind is OwnerKind.EXCLUSIVE and not owners[1].unsure
    assert owners[4].describe().startswith("pod shared pool")


def test_node_command_says_which_it_cannot_tell() -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench",
            "node",
            "--kubelet-dir",
            str(ROOT / "fixtures/kubelet/intel-2s-snc-v4"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    rows = {line.split()[0]: line for line in run.stdout.splitlines() if line.startswith("  ")}
    assert "excl. or pool" in rows["pg-backup"] and "excl. or pool" in rows["postgres"]
    assert "exclusive" in rows["redis"]
    assert "cpu.max tells them apart" in run.stdout
