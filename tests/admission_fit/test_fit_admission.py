"""Resource fit as an operator meets it: through `admit`, the report and captured nodes."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest

from workbench.admission.admit import admit
from workbench.admission.report import decision_to_json, decision_to_text
from workbench.kube.checkpoint import load_kubelet_dir, parse_pod_names
from workbench.kube.config import demo_config
from workbench.kube.model import NodeConfig, NodeState, PodSpec
from workbench.kube.pod import load_pod, pod_from_mapping
from workbench.topology import load_spec
from workbench.topology.model import Topology

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
GIB = 1 << 30


@pytest.fixture(scope="module")
def snc() -> Topology:
    return load_spec(FIXTURES / "topologies" / "intel-2s-snc.yaml")


def burstable(name: str, cpu: str, memory: str = "1Gi") -> PodSpec:
    """A Burstable pod: the CPU and memory managers leave it alone, only resource fit counts it."""
    doc: dict[str, Any] = {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "load", "uid": f"uid-{name}"},
        "spec": {"containers": [{"name": "c", "resources": {"requests": {"cpu": cpu, "memory": memory}}}]},
    }
    return pod_from_mapping(doc, "test")


def place(topo: Topology, cfg: NodeConfig, pods: list[PodSpec]) -> NodeState:
    state = NodeState()
    for p in pods:
        d = admit(topo, cfg, state, p, advise=False)
        assert d.admitted, d.message
        state = d.state_after
    return state


def test_demo_node_allocatable_arithmetic(snc: Topology) -> None:
    d = admit(snc, demo_config(), NodeState(), load_pod(FIXTURES / "pods" / "postgres.yaml"), advise=False)
    assert d.admitted and d.fit is not None and d.fit.fits
    node = d.fit.allocatable
    # 64 CPUs, CPU 0 reserved (reservedSystemCPUs overwrites the cpu of system/kubeReserved)
    assert node.capacity["cpu"] == 64000 and node.allocatable["cpu"] == 63000
    # memory: capacity - (500Mi + 424Mi + 100Mi eviction) - every hugepage byte
    reserved = (500 + 424 + 100) << 20
    assert node.allocatable["memory"] == node.capacity["memory"] - reserved - node.hugepages
    assert node.allocatable["pods"] == 110
    # the pod's requests are the pod-level budget, and they are recorded on the node
    assert d.fit.requested["cpu"] == 8000 and d.fit.requested["memory"] == 16 * GIB
    info = d.state_after.pods[d.pod_key]
    assert info.requests is not None and info.requests["cpu"] == 8000


def test_out_of_cpu_after_the_topology_manager_admitted(snc: Topology) -> None:
    cfg = demo_config()
    state = place(snc, cfg, [burstable(f"b{i}", "20") for i in range(3)])
    d = admit(snc, cfg, state, burstable("late", "4"))
    assert not d.admitted
    assert d.reason == "OutOfcpu"
    assert d.message == (
        "Pod was rejected: Node didn't have enough resource: cpu, requested: 4000, used: 60000, "
        "capacity: 63000"
    )
    assert d.state_after is state and not d.containers
    text = decision_to_text(d, snc)
    assert "other pods request 60, leaving 3;" in text and "Resource fit" in text


def test_out_of_pods_is_reported_first(snc: Topology) -> None:
    cfg = replace(demo_config(), max_pods=2)
    state = place(snc, cfg, [burstable("a", "1"), burstable("b", "1")])
    d = admit(snc, cfg, state, burstable("c", "100"), advise=False)
    assert d.reason == "OutOfpods"
    assert d.message.endswith("Node didn't have enough resource: pods, requested: 1, used: 2, capacity: 2")
    # cpu does not fit either; the kubelet reports only the first reason
    assert [i.resource for i in d.fit.insufficient] == ["pods", "cpu"]  # type: ignore[union-attr]


def test_pods_per_core_caps_the_pods_capacity(snc: Topology) -> None:
    cfg = replace(demo_config(), pods_per_core=1, max_pods=110)
    d = admit(snc, cfg, NodeState(), burstable("a", "1"), advise=False)
    assert d.fit is not None and d.fit.allocatable.allocatable["pods"] == 64


def test_topology_manager_rejection_wins_over_fit(snc: Topology) -> None:
    """The resource managers' handler runs first: a pod that neither aligns nor fits is a
    topology error, as the kubelet reports it."""
    cfg = replace(demo_config(), topology_manager_policy="single-numa-node")
    state = place(snc, cfg, [burstable(f"b{i}", "20") for i in range(3)])
    d = admit(snc, cfg, state, load_pod(FIXTURES / "pods" / "too-big-for-one-numa.yaml"), advise=False)
    assert d.reason == "TopologyAffinityError"
    assert d.fit is not None and not d.fit.fits  # and it would not have fit


def test_exclusive_cpu_shortage_is_the_cpu_managers_error_not_out_of_cpu() -> None:
    """With policy none the static CPU manager allocates first and fails: the familiar
    'Allocate failed due to not enough cpus available' (UnexpectedAdmissionError)."""
    laptop = load_spec(FIXTURES / "topologies" / "laptop-4c-smt.yaml")
    cfg = replace(
        demo_config(), topology_manager_policy="none", memory_manager_policy="None", reserved_memory=()
    )
    doc = {
        "kind": "Pod",
        "metadata": {"name": "big"},
        "spec": {"containers": [{"name": "c", "resources": {"limits": {"cpu": "64", "memory": "1Gi"}}}]},
    }
    d = admit(laptop, cfg, NodeState(), pod_from_mapping(doc, "t"), advise=False)
    assert d.reason == "UnexpectedAdmissionError"
    assert "not enough cpus available to satisfy request" in d.message
    assert d.fit is not None and not d.fit.fits


def test_captured_node_counts_what_the_checkpoints_hold_and_says_so() -> None:
    kdir = FIXTURES / "kubelet" / "intel-2s-snc-v4"
    topo = load_spec(kdir / "topology.yaml")
    cfg, state = load_kubelet_dir(kdir, topo)
    d = admit(topo, cfg, state, burstable("x", "1"), advise=False)
    assert d.fit is not None
    assert set(d.fit.usage.unknown) == {"db/postgres-0", "cache/redis-0"}
    # the pods' exclusive CPUs are what is known of their requests
    held = {c for per in state.cpu_assignments.values() for cs in per.values() for c in cs}
    held |= {c for cs in state.pod_cpusets.values() for c in cs}
    assert d.fit.usage.requested["cpu"] == len(held) * 1000
    assert "requests of 2 pod(s) unknown" in decision_to_text(d, topo)
    doc = decision_to_json(d)["resource_fit"]
    assert set(doc["pods_with_unknown_requests"]) == {"cache/redis-0", "db/postgres-0"}
    json.dumps(doc)


def test_pods_yaml_requests_are_used_for_fit() -> None:
    pods = parse_pod_names(
        {"u1": {"name": "web", "namespace": "shop", "requests": {"cpu": "1500m", "memory": "2Gi"}}}
    )
    assert pods["u1"].requests == {"cpu": 1500, "memory": 2 * GIB}
    from workbench.errors import InputError

    with pytest.raises(InputError, match=r"u1\.requests\.cpu"):
        parse_pod_names({"u1": {"name": "web", "requests": {"cpu": "lots"}}})


def test_json_keeps_its_keys_and_adds_resource_fit(snc: Topology) -> None:
    d = admit(snc, demo_config(), NodeState(), load_pod(FIXTURES / "pods" / "postgres.yaml"))
    doc = decision_to_json(d)
    for key in ("admitted", "reason", "message", "hint", "providers", "pod", "pod_cgroup", "containers"):
        assert key in doc
    fit = doc["resource_fit"]
    assert fit["fits"] is True
    cpu = fit["resources"]["cpu"]
    assert (
        cpu["allocatable"]
        == cpu["capacity"] - cpu["kube_reserved"] - cpu["system_reserved"] - cpu["eviction"]
    )
    assert fit["unchecked"] == ["ephemeral-storage"]


def test_pod_overhead_counts(snc: Topology) -> None:
    doc = {
        "kind": "Pod",
        "metadata": {"name": "kata"},
        "spec": {
            "overhead": {"cpu": "250m", "memory": "160Mi"},
            "containers": [{"name": "c", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}],
        },
    }
    d = admit(snc, demo_config(), NodeState(), pod_from_mapping(doc, "t"), advise=False)
    assert d.fit is not None and d.fit.requested["cpu"] == 1250
    assert d.fit.requested["memory"] == GIB + (160 << 20)


def test_unknown_extended_resource_is_ignored(snc: Topology) -> None:
    doc = {
        "kind": "Pod",
        "metadata": {"name": "gpu"},
        "spec": {"containers": [{"name": "c", "resources": {"limits": {"example.com/fpga": "1"}}}]},
    }
    d = admit(snc, demo_config(), NodeState(), pod_from_mapping(doc, "t"), advise=False)
    assert d.fit is not None and d.fit.ignored == ("example.com/fpga",)
    assert MappingProxyType(d.fit.requested).get("example.com/fpga") is None
