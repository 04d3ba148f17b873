"""Device manager hints and allocation against the kubelet's topology_hints_test.go tables."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml

from workbench.admission import Hint
from workbench.admission.device_manager import DeviceManager
from workbench.kube.model import Container, DeviceAllocation, NodeState, PodSpec, Resources
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Device, NumaNode, Topology

DATA = yaml.safe_load(
    (Path(__file__).resolve().parent / "fixtures" / "devicemanager_topology_hints_cases.yaml").read_text()
)


def _topology(devices: dict[str, list[Any]], numa_nodes: list[int] | None = None) -> Topology:
    devs = tuple(
        Device(name=name, numa=numa, resource=resource)
        for resource, items in devices.items()
        for name, numa in items
    )
    nodes = tuple(NumaNode(i, CPUSet()) for i in (numa_nodes or [0, 1]))
    return Topology(name="devices", cpus=(), numa_nodes=nodes, devices=devs)


def _state(case: dict[str, Any], devices: dict[str, list[Any]]) -> NodeState:
    numa_of = {(r, name): numa for r, items in devices.items() for name, numa in items}
    allocs = []
    for uid, containers in (case.get("allocated") or {}).items():
        for cname, per_resource in containers.items():
            for resource, ids in per_resource.items():
                by_numa: dict[int, list[str]] = {}
                for i in ids:
                    n = numa_of.get((resource, i))
                    by_numa.setdefault(-1 if n is None else n, []).append(i)
                per_numa = MappingProxyType({k: tuple(v) for k, v in by_numa.items()})
                allocs.append(DeviceAllocation(uid, cname, resource, per_numa))
    return NodeState(devices=tuple(allocs))


def _containers(items: list[dict[str, Any]], kind: str) -> tuple[Container, ...]:
    return tuple(
        Container(c["name"], kind, Resources(limits=MappingProxyType(dict(c["limits"]))))  # type: ignore[arg-type]
        for c in items
    )


def _pod(case: dict[str, Any]) -> PodSpec:
    return PodSpec(
        name="fakePod", uid="fakePod",
        init_containers=_containers(case.get("init", []), "init"),
        containers=_containers(case["containers"], "app"),
    )


def _hints(raw: list[str] | None) -> list[Hint] | None:
    if raw is None:
        return None
    return [Hint(frozenset(int(n) for n in h.split()[0].split(",")), h.split()[1] == "P") for h in raw]


def _check(got: Any, expected: dict[str, Any]) -> None:
    assert got is not None
    for resource, hints in expected.items():
        have = got.get(resource)
        assert (None if have is None else list(have)) == _hints(hints), resource


@pytest.mark.parametrize("case", DATA["common"], ids=[c["name"] for c in DATA["common"]])
def test_get_topology_hints(case: dict[str, Any]) -> None:
    mgr = DeviceManager(_topology(case["devices"]), _state(case, case["devices"]))
    pod = _pod(case)
    _check(mgr.container_hints(pod, pod.containers[0]), case["expected"])


CASES_POD = DATA["common"] + DATA["pod_scope"]


@pytest.mark.parametrize("case", CASES_POD, ids=[c["name"] for c in CASES_POD])
def test_get_pod_topology_hints(case: dict[str, Any]) -> None:
    mgr = DeviceManager(_topology(case["devices"]), _state(case, case["devices"]))
    _check(mgr.pod_hints(_pod(case)), case["expected"])


@pytest.mark.parametrize(
    "case", DATA["aligned_allocation"], ids=[c["name"] for c in DATA["aligned_allocation"]]
)
def test_topology_aligned_allocation(case: dict[str, Any]) -> None:
    if "generate" in case:
        items = [
            [f"Dev{i}", int(numa)] for numa, (lo, hi) in case["generate"].items() for i in range(lo, hi)
        ]
    else:
        items = case["devices"]
    devices = {"resource": items}
    mgr = DeviceManager(_topology(devices, case.get("numa_nodes")), NodeState())
    pod = PodSpec(
        name="podUID", uid="podUID",
        containers=_containers([{"name": "containerName", "limits": {"resource": case["request"]}}], "app"),
    )
    mgr.allocate(pod, pod.containers[0], Hint(frozenset(case["hint"]), True))
    got = mgr.container_devices(pod, pod.containers[0])["resource"]
    assert len(got) == case["request"]
    numa_of = dict((name, numa) for name, numa in items)
    alignment: dict[int, int] = {}
    if any(n is not None for n in numa_of.values()):
        for d in got:
            if numa_of[d] is not None:
                alignment[numa_of[d]] = alignment.get(numa_of[d], 0) + 1
    assert alignment == {int(k): v for k, v in case["expected_alignment"].items()}


@pytest.mark.parametrize(
    "case", DATA["pod_device_request"], ids=[c["name"] for c in DATA["pod_device_request"]]
)
def test_get_pod_device_request(case: dict[str, Any]) -> None:
    state = NodeState(registered_devices=MappingProxyType({r: () for r in case["registered"]}))
    mgr = DeviceManager(Topology(name="t", cpus=(), numa_nodes=(NumaNode(0, CPUSet()),)), state)
    native = {"cpu": 2000, "memory": 10**9}
    init = [{"name": f"i{n}", "limits": {**native, **c}} for n, c in enumerate(case["init"])]
    apps = [{"name": f"c{n}", "limits": {**native, **c}} for n, c in enumerate(case["containers"])]
    pod = PodSpec(name="p", init_containers=_containers(init, "init"), containers=_containers(apps, "app"))
    assert mgr.pod_request(pod) == case["expected"]


def test_upstream_case_counts() -> None:
    assert {k: len(v) for k, v in DATA.items()} == {
        "common": 11, "pod_scope": 3, "aligned_allocation": 14, "pod_device_request": 7,
    }
