"""Drift between the kubelet's checkpoint, our journal's last writes, and the live cgroups."""

from __future__ import annotations

from types import MappingProxyType

from workbench.cgroups.drift import Drift, drift_from_checkpoint, drift_from_journal, find_drift
from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.layout import kubelet_pod_cgroup
from workbench.kube.model import MemoryBlock, NodeState, PodInfo
from workbench.topology.cpuset import CPUSet

UID = "aaaa1111-2222-3333-4444-555566667777"
APP = "a" * 64
PAUSE = "b" * 64


def _node(fs: CgroupFS, driver: str = "systemd", app_cpus: str = "2-3") -> str:
    """A kubelet tree with one Burstable pod: an app scope on `app_cpus` and a pause scope."""
    fs.write("", "cgroup.subtree_control", "+cpuset +cpu +memory")
    pod = kubelet_pod_cgroup(driver, "Burstable", UID)  # type: ignore[arg-type]
    parts = pod.split("/")
    for i in range(len(parts)):
        fs.mkdir("/".join(parts[: i + 1]))
        fs.write("/".join(parts[: i + 1]), "cgroup.subtree_control", "+cpuset +cpu +memory")
    scope = (lambda cid: f"cri-containerd-{cid}.scope") if driver == "systemd" else (lambda cid: cid)
    fs.mkdir(f"{pod}/{scope(APP)}")
    fs.write(f"{pod}/{scope(APP)}", "cpuset.cpus", app_cpus)
    fs.mkdir(f"{pod}/{scope(PAUSE)}")
    return pod


def _state(cpus: str = "2-3") -> NodeState:
    return NodeState(
        cpu_policy="static",
        default_cpuset=CPUSet.parse("0-1,4-7"),
        cpu_assignments=MappingProxyType({UID: MappingProxyType({"app": CPUSet.parse(cpus)})}),
        pods=MappingProxyType({UID: PodInfo(UID, "web", "shop")}),
    )


def test_a_tree_that_matches_the_checkpoint_has_no_drift(sandbox: CgroupFS) -> None:
    _node(sandbox)
    assert drift_from_checkpoint(sandbox, _state(), "systemd") == []
    assert drift_from_checkpoint(sandbox, _state(), "systemd", container_ids={UID: {"app": APP[:12]}}) == []


def test_a_container_on_other_cpus_than_the_checkpoint_is_drift(sandbox: CgroupFS) -> None:
    pod = _node(sandbox, app_cpus="2-4")
    found = drift_from_checkpoint(sandbox, _state(), "systemd")
    assert len(found) == 1
    d = found[0]
    assert (d.path, d.expected, d.source) == (f"{pod}/cpuset.cpus", "2-3", "checkpoint")
    assert d.actual is not None and "2-4" in d.actual
    assert "shop/web app" in d.detail
    by_id = drift_from_checkpoint(
        sandbox, _state(), "systemd", container_ids={UID: {"app": f"containerd://{APP}"}}
    )
    assert by_id == [
        Drift(f"{pod}/cri-containerd-{APP}.scope/cpuset.cpus", "2-3", "2-4", "checkpoint", "shop/web app")
    ]


def test_cgroupfs_driver_trees_are_checked_too(sandbox: CgroupFS) -> None:
    _node(sandbox, driver="cgroupfs", app_cpus="5")
    assert len(drift_from_checkpoint(sandbox, _state(), "cgroupfs")) == 1
    assert drift_from_checkpoint(sandbox, _state("5"), "cgroupfs") == []


def test_a_checkpointed_pod_without_a_cgroup_is_drift(sandbox: CgroupFS) -> None:
    found = drift_from_checkpoint(sandbox, _state(), "systemd")
    assert len(found) == 1 and found[0].actual is None and "no cgroup" in found[0].detail


def test_values_changed_since_the_journal_wrote_them_are_drift(sandbox: CgroupFS) -> None:
    pod = _node(sandbox)
    app = f"{pod}/cri-containerd-{APP}.scope"
    expectations = [(f"{app}/cpuset.cpus", "2-3"), (f"{app}/cpu.max", "max 100000"), (pod, "")]
    assert drift_from_journal(sandbox, expectations) == []
    sandbox.write(app, "cpuset.cpus", "2")
    sandbox.write(app, "cpu.max", "100000 100000")
    found = drift_from_journal(sandbox, expectations)
    assert [(d.path, d.expected, d.actual, d.source) for d in found] == [
        (f"{app}/cpuset.cpus", "2-3", "2", "journal"),
        (f"{app}/cpu.max", "max 100000", "100000 100000", "journal"),
    ]
    sandbox.write("", "cgroup.procs", "1")
    sandbox.rmdir(f"{pod}/cri-containerd-{PAUSE}.scope")
    sandbox.rmdir(app)
    gone = drift_from_journal(sandbox, [(app, ""), (f"{app}/cpu.max", "max 100000")])
    assert [d.actual for d in gone] == [None, None]


def test_find_drift_reports_both_sources(sandbox: CgroupFS) -> None:
    pod = _node(sandbox, app_cpus="6")
    found = find_drift(sandbox, state=_state(), expectations=[(f"{pod}/cpuset.cpus", "1")])
    assert [d.source for d in found] == ["checkpoint", "journal"]
    assert find_drift(sandbox) == []


def test_memory_manager_nodes_are_checked_against_cpuset_mems(sandbox: CgroupFS) -> None:
    pod = _node(sandbox)
    app = f"{pod}/cri-containerd-{APP}.scope"
    sandbox.write(app, "cpuset.mems", "0")
    blocks = (MemoryBlock((1,), "memory", 1 << 30),)
    state = NodeState(
        cpu_assignments=_state().cpu_assignments,
        memory_assignments=MappingProxyType({UID: MappingProxyType({"app": blocks})}),
    )
    found = drift_from_checkpoint(sandbox, state, "systemd", container_ids={UID: {"app": APP}})
    assert [(d.path, d.expected, d.actual) for d in found] == [(f"{app}/cpuset.mems", "1", "0")]
    sandbox.write(app, "cpuset.mems", "1")
    assert drift_from_checkpoint(sandbox, state, "systemd") == []
