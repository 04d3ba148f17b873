"""CPU topology hints against kubernetes `cpumanager/topology_hints_test.go`."""

from __future__ import annotations

from typing import Any

import pytest
from cpu_test_pods import make_multi_container_pod, make_pod
from cpu_test_topologies import TOPOLOGIES, build

from workbench.admission.cpu_static_policy import CPUState, StaticPolicy
from workbench.admission.decision import Hint
from workbench.kube.model import Container, PodSpec
from workbench.topology.cpuset import CPUSet

S = CPUSet.parse
# returnMachineInfo(): 2 NUMA nodes / sockets, cores (0,6) (1,7) (2,8) | (3,9) (4,10) (5,11)
MACHINE = build("returnMachineInfo", [(c, c % 6, (c % 6) // 3, (c % 6) // 3, 0) for c in range(12)])
N0, N1, N01 = (0,), (1,), (0, 1)


def _hints(raw: list[tuple[tuple[int, ...], bool]]) -> set[Hint]:
    return {Hint(frozenset(m), p) for m, p in raw}


# returnTestCases(): (name, pod cpu, assignments for the pod's container, default, expected hints)
CASES: list[tuple[str, str, CPUSet | None, CPUSet, list[tuple[tuple[int, ...], bool]]]] = [
    (
        "Request 2 CPUs, 4 available on NUMA 0, 6 available on NUMA 1",
        "2",
        None,
        S("2-11"),
        [(N0, True), (N1, True), (N01, False)],
    ),
    (
        "Request 5 CPUs, 4 available on NUMA 0, 6 available on NUMA 1",
        "5",
        None,
        S("2-11"),
        [(N1, True), (N01, False)],
    ),
    ("Request 7 CPUs, 4 available on NUMA 0, 6 available on NUMA 1", "7", None, S("2-11"), [(N01, True)]),
    ("Request 11 CPUs, 4 available on NUMA 0, 6 available on NUMA 1", "11", None, S("2-11"), []),
    ("Request 2 CPUs, 1 available on NUMA 0, 1 available on NUMA 1", "2", None, S("0,3"), [(N01, False)]),
    ("Request more CPUs than available", "5", None, S("0-3"), []),
    (
        "Regenerate Single-Node NUMA Hints if already allocated 1/2",
        "2",
        S("0,6"),
        S(""),
        [(N0, True), (N01, False)],
    ),
    (
        "Regenerate Single-Node NUMA Hints if already allocated 2/2",
        "2",
        S("3,9"),
        S(""),
        [(N1, True), (N01, False)],
    ),
    ("Regenerate Cross-NUMA Hints if already allocated", "11", S("0-10"), S(""), [(N01, True)]),
    ("Requested less than already allocated", "2", S("0,3,6,9"), S(""), []),
    ("Requested more than already allocated", "11", S("0,3,6,9"), S(""), []),
]


def _policy(default: CPUSet, pod: PodSpec, allocated: CPUSet | None) -> StaticPolicy:
    policy = StaticPolicy(MACHINE, 0)
    assignments = {pod.key: {"fakeContainer": allocated}} if allocated is not None else {}
    policy.state = CPUState(default, assignments)
    return policy


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"TestGetTopologyHints: {c[0]}")
def test_container_hints_match_kubelet(case: tuple[Any, ...]) -> None:
    _name, cpus, allocated, default, expect = case
    pod = make_pod("fakePod", "fakeContainer", cpus, cpus)
    got = _policy(default, pod, allocated).container_hints(pod, pod.containers[0])
    assert got is not None
    assert set(got["cpu"]) == _hints(expect)
    assert len(got["cpu"]) == len(expect)


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"TestGetPodTopologyHints: {c[0]}")
def test_pod_hints_match_kubelet(case: tuple[Any, ...]) -> None:
    _name, cpus, allocated, default, expect = case
    pod = make_pod("fakePod", "fakeContainer", cpus, cpus)
    got = _policy(default, pod, allocated).pod_hints(pod)
    assert got is not None
    assert set(got["cpu"]) == _hints(expect)


MULTI = "topoDualSocketMultiNumaPerSocketHT"
WITH_OPTIONS = [
    (
        "AlignBySocket:false, Preferred hints does not contains socket aligned hints",
        "2",
        S("2,3,11"),
        "false",
        [
            ((0,), True),
            ((0, 1), False),
            ((0, 2), False),
            ((0, 3), False),
            ((0, 1, 2), False),
            ((0, 1, 3), False),
            ((0, 2, 3), False),
            ((0, 1, 2, 3), False),
        ],
    ),
    (
        "AlignBySocket:true Preferred hints contains socket aligned hints",
        "2",
        S("2,3,11"),
        "true",
        [
            ((0,), True),
            ((0, 1), True),
            ((0, 2), False),
            ((0, 3), False),
            ((0, 1, 2), False),
            ((0, 1, 3), False),
            ((0, 2, 3), False),
            ((0, 1, 2, 3), False),
        ],
    ),
    (
        "AlignBySocket:true Preferred hints are spread across socket since 2 sockets are required",
        "41",
        S("0-28,40-57"),
        "true",
        [((0, 1, 2), True), ((0, 1, 2, 3), True)],
    ),
]


@pytest.mark.parametrize(
    "case", WITH_OPTIONS, ids=lambda c: f"TestGetPodTopologyHintsWithPolicyOptions: {c[0]}"
)
def test_pod_hints_with_align_by_socket(case: tuple[Any, ...]) -> None:
    _name, cpus, default, align, expect = case
    policy = StaticPolicy(
        TOPOLOGIES[MULTI], 0, None, {"align-by-socket": align}, gates={"CPUManagerPolicyAlphaOptions": True}
    )
    policy.state = CPUState(default)
    got = policy.pod_hints(make_pod("fakePod", "fakeContainer", cpus, cpus))
    assert got is not None
    assert set(got["cpu"]) == _hints(expect)


def test_hints_come_in_bitmask_iteration_order() -> None:
    # bitmask.IterateBitMasks: all single-node masks first, then pairs, ... (the merge depends on it)
    policy = StaticPolicy(TOPOLOGIES[MULTI], 0)
    policy.state = CPUState(S("0-79"))
    got = policy.container_hints(*_one("2"))
    assert got is not None
    masks = [tuple(sorted(h.mask or ())) for h in got["cpu"]]
    assert masks[:6] == [(0,), (1,), (2,), (3,), (0, 1), (0, 2)]
    assert masks[-1] == (0, 1, 2, 3)


def _one(cpus: str) -> tuple[PodSpec, Container]:
    pod = make_pod("p", "c", cpus, cpus)
    return pod, pod.containers[0]


R = "1"
POD_CPUS = [
    ("TestCase01: if requestedCPU == 0, Pod is not Guaranteed Qos", [("0", "0")], [("0", "0")], (), 0),
    ("TestCase02: if requestedCPU == 0, Pod is not Guaranteed Qos", [("0", "0")], [("2", "2")], (), 0),
    ("TestCase03: if requestedCPU == 0, Pod is not Guaranteed Qos", [("2", "2")], [("0", "0")], (), 0),
    ("TestCase04: Guaranteed Pod requests 2 CPUs", [("2", "2")], [("2", "2")], (), 2),
    ("TestCase05: Guaranteed Pod requests 5 CPUs", [("5", "5")], [("5", "5")], (), 5),
    (
        "TestCase06: The number of CPUs requested By app is bigger than the number of CPUs requested by init",
        [("2", "2")],
        [("5", "5")],
        (),
        5,
    ),
    (
        "TestCase07: The number of CPUs requested By init is bigger than the number of CPUs requested by app",
        [("5", "5")],
        [("2", "2")],
        (),
        5,
    ),
    (
        "TestCase08: Sum of CPUs requested by multiple containers",
        [("2", "2"), ("4", "4")],
        [("2", "2"), ("4", "4")],
        (),
        6,
    ),
    ("TestCase09: restartable init container + regular container", [(R, R)], [(R, R)], (0,), 2),
    (
        "TestCase09: multiple restartable init containers",
        [("5", "5"), (R, R), ("2", "2"), ("3", "3")],
        [(R, R)],
        (1, 2, 3),
        7,
    ),
    (
        "TestCase11: multiple restartable and regular init containers",
        [("5", "5"), (R, R), ("2", "2"), ("5", "5"), ("3", "3")],
        [(R, R)],
        (1, 2, 4),
        8,
    ),
    (
        "TestCase12: restartable init, regular init and regular container",
        [("10", "10"), ("200", "200")],
        [("100", "100")],
        (0,),
        210,
    ),
]


@pytest.mark.parametrize("case", POD_CPUS, ids=lambda c: f"TestPodGuaranteedCPUs: {c[0]}")
def test_pod_guaranteed_cpus_matches_kubelet(case: tuple[Any, ...]) -> None:
    _name, inits, apps, sidecars, expect = case
    pod = make_multi_container_pod(inits, apps, sidecars=sidecars)
    assert StaticPolicy(MACHINE, 0).pod_guaranteed_cpus(pod) == expect
