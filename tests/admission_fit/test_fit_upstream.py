"""Resource fit and node allocatable against the kubelet's and scheduler's own test tables.

`data/resource_fit_cases.yaml` holds fitsRequest cases (fit_test.go, predicate_test.go); the
smaller tables below are transcribed inline with their upstream test names: predicate.go's
reason mapping, TestRemoveMissingExtendedResources, and node_container_manager_linux_test.go
TestNodeAllocatableReservationForScheduling.
"""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml

from workbench.admission.node_allocatable import NodeAllocatable, node_allocatable
from workbench.admission.pod_requests import pod_requests
from workbench.admission.resource_fit import Insufficient, fits_request, node_usage, resource_fit
from workbench.kube.model import Container, NodeConfig, NodeState, PodInfo, PodSpec, Resources
from workbench.kube.pod import parse_resource_list
from workbench.quantity import parse_quantity
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import CPU, NumaNode, Topology

DATA = Path(__file__).parent / "data" / "resource_fit_cases.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(DATA.read_text())["cases"]


def _res(raw: dict[str, Any] | None) -> dict[str, int]:
    return parse_resource_list(raw or {}, source="case", field="requests")


def _pod(raw: dict[str, Any], name: str = "pod") -> PodSpec:
    def containers(key: str, kind: Any) -> tuple[Container, ...]:
        return tuple(
            Container(f"{key}-{i}", kind, Resources(MappingProxyType(_res(c))))
            for i, c in enumerate(raw.get(key) or [])
        )

    init = containers("init", "init") + containers("sidecars", "sidecar")
    return PodSpec(
        name=name,
        uid=name,
        resources=Resources(MappingProxyType(_res(raw.get("pod_level")))),
        init_containers=init,
        containers=containers("containers", "app"),
        overhead=MappingProxyType(_res(raw.get("overhead"))),
    )


def _node(raw: dict[str, Any]) -> NodeAllocatable:
    alloc = MappingProxyType(_res(raw))
    return NodeAllocatable(capacity=alloc, allocatable=alloc, unknown=())


@pytest.mark.parametrize("case", CASES, ids=[f"{c['test']}: {c['name']}" for c in CASES])
def test_fits_request_matches_upstream(case: dict[str, Any]) -> None:
    level = bool(case.get("pod_level_resources"))
    pods = {}
    for i, raw in enumerate(case["existing"]):
        other = _pod(raw, f"existing-{i}")
        pods[other.key] = PodInfo(other.key, requests=pod_requests(other, pod_level_resources=level))
    usage = node_usage(NodeState(pods=MappingProxyType(pods)), exclude="pod")
    requested = pod_requests(_pod(case["pod"]), pod_level_resources=level)
    got = fits_request(requested, usage, _node(case["node"]))
    assert [[i.resource, i.requested, i.used, i.capacity] for i in got] == case["insufficient"]


# predicate.go `Admit`: InsufficientResourceError -> reason; `Error()` -> message.
REASONS = [
    ("cpu", "OutOfcpu"),
    ("memory", "OutOfmemory"),
    ("ephemeral-storage", "OutOfephemeral-storage"),
    ("pods", "OutOfpods"),
    ("example.com/aaa", "OutOfexample.com/aaa"),
    ("hugepages-2Mi", "OutOfhugepages-2Mi"),
]


@pytest.mark.parametrize(("resource", "reason"), REASONS)
def test_predicate_admit_reason(resource: str, reason: str) -> None:
    assert Insufficient(resource, 1, 2, 3).reason == reason


def test_predicate_admit_message_for_general_predicates_case() -> None:
    # TestGeneralPredicates "not enough cpu and memory resource": the kubelet reports the first
    case = next(c for c in CASES if c["name"] == "not enough cpu and memory resource")
    level = False
    other = _pod(case["existing"][0], "existing-0")
    state = NodeState(
        pods=MappingProxyType(
            {other.key: PodInfo(other.key, requests=pod_requests(other, pod_level_resources=level))}
        )
    )
    fit = resource_fit(
        pod_requests(_pod(case["pod"]), pod_level_resources=level), state, _node(case["node"]), "pod"
    )
    first = fit.insufficient[0]
    assert first.reason == "OutOfcpu"
    assert first.message == "Node didn't have enough resource: cpu, requested: 8, used: 5, capacity: 10"


# predicate_test.go TestRemoveMissingExtendedResources (the cases without DRA): requests of an
# extended resource the node's allocatable does not list are dropped before the fit check.
REMOVE_MISSING = [
    ("requests in Limits should be ignored", {}, {"foo.com/baz": "1"}, {}),
    (
        "requests for resources available in node should not be removed",
        {"foo.com/bar": "1"},
        {"foo.com/bar": "1"},
        {"foo.com/bar": 1},
    ),
    (
        "requests for resources unavailable in node should be removed",
        {"foo.com/bar": "1"},
        {"foo.com/baz": "1"},
        {},
    ),
    (
        "requests for extended resources with Allocatable 0 should not be removed",
        {"foo.com/bar": "1"},
        {"foo.com/bar": "0"},
        {"foo.com/bar": 1},
    ),
    (
        "requests for extended resources that are not available in node should be removed",
        {"foo.com/bar": "1"},
        {},
        {},
    ),
]


@pytest.mark.parametrize(
    ("name", "requests", "allocatable", "kept"), REMOVE_MISSING, ids=[r[0] for r in REMOVE_MISSING]
)
def test_remove_missing_extended_resources(
    name: str, requests: dict[str, str], allocatable: dict[str, str], kept: dict[str, int]
) -> None:
    # makeTestPod: one container and one init container with the same requests
    res = Resources(MappingProxyType(_res(requests)))
    pod = PodSpec(
        name="p",
        uid="p",
        init_containers=(Container("i", "init", res),),
        containers=(Container("c", "app", res),),
    )
    node = _node({"pods": "10", **allocatable})
    fit = resource_fit(pod_requests(pod, pod_level_resources=True), NodeState(), node, "p")
    assert dict(fit.requested) == kept
    assert set(fit.ignored) == set(_res(requests)) - set(kept)


# node_container_manager_linux_test.go TestNodeAllocatableReservationForScheduling (cpu/memory
# cases with capacity cpu 10, memory 10Gi; the memory.available threshold: none, 100Mi or 5%):
# reserved = kubeReserved + systemReserved + hard eviction. The case without memory capacity and
# the ephemeral-storage cases are left out (a topology always has memory; disk is not modelled).
RESERVATION = [
    (
        {"cpu": "100m", "memory": "100Mi"},
        {"cpu": "50m", "memory": "50Mi"},
        None,
        {"cpu": "150m", "memory": "150Mi"},
    ),
    (
        {"cpu": "100m", "memory": "100Mi"},
        {"cpu": "50m", "memory": "50Mi"},
        "100Mi",
        {"cpu": "150m", "memory": "250Mi"},
    ),
    (
        {"cpu": "100m", "memory": "100Mi"},
        {"cpu": "50m", "memory": "50Mi"},
        "5%",
        {"cpu": "150m", "memory": "694157320"},
    ),
    ({}, {}, None, {"cpu": "0", "memory": "0"}),
    ({"memory": "100Mi"}, {"cpu": "50m", "memory": "50Mi"}, None, {"cpu": "50m", "memory": "150Mi"}),
    ({"cpu": "50m", "memory": "100Mi"}, {"memory": "50Mi"}, None, {"cpu": "50m", "memory": "150Mi"}),
]


def _machine(cpus: int, memory: int) -> Topology:
    return Topology(
        name="m",
        cpus=tuple(CPU(id=i, core=i, socket=0, numa=0) for i in range(cpus)),
        numa_nodes=(NumaNode(0, CPUSet(range(cpus)), memory),),
    )


@pytest.mark.parametrize(("kube", "system", "threshold", "expected"), RESERVATION)
def test_node_allocatable_reservation_for_scheduling(
    kube: dict[str, str], system: dict[str, str], threshold: str | None, expected: dict[str, str]
) -> None:
    gib = 1 << 30
    cfg = NodeConfig(
        kube_reserved=MappingProxyType(_res(kube)),
        system_reserved=MappingProxyType(_res(system)),
        eviction_hard=MappingProxyType({"memory.available": threshold} if threshold else {}),
    )
    node = node_allocatable(_machine(10, 10 * gib), cfg)
    for name, value in expected.items():
        want = parse_quantity(value).milli_value() if name == "cpu" else parse_quantity(value).value()
        assert node.reserved(name) == want, name
        assert node.allocatable[name] == node.capacity[name] - want
