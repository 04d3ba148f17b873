"""The static policy against kubernetes `cpumanager/policy_static_test.go`, case by case.

Each table row names its upstream test function and case; the tables are data, the checks are
the ones the Go test makes (assignment, shared pool disjointness, error text and reason).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pytest
from cpu_test_pods import (
    C,
    make_multi_container_pod,
    make_pod,
    make_pod_level,
    make_pod_with_pod_level_resources,
)
from cpu_test_topologies import TOPOLOGIES, topoQuadSocketFourWayHT

from workbench.admission.cpu_manager import CPUManager
from workbench.admission.cpu_options import CPUPolicyError, StaticPolicyOptions, parse_static_policy_options
from workbench.admission.cpu_static_policy import CPUState, StaticPolicy, smt_alignment_error
from workbench.admission.decision import Hint
from workbench.admission.errors import AdmissionError
from workbench.kube.model import NodeConfig, NodeState, PodSpec
from workbench.topology.cpuset import CPUSet

S = CPUSet.parse
ALPHA = {"CPUManagerPolicyAlphaOptions": True}
QUAD_ALL = topoQuadSocketFourWayHT.all_cpus
QUAD_SOCK0 = topoQuadSocketFourWayHT.cpus_by_socket[0]
QUAD_SOCK1 = topoQuadSocketFourWayHT.cpus_by_socket[1]
NOT_ENOUGH = "not enough cpus available to satisfy request: requested={}, available={}"


@dataclass
class AddCase:
    test: str
    name: str
    topology: str
    num_reserved: int
    assignments: dict[str, dict[str, CPUSet]]
    default: CPUSet
    pod: PodSpec
    expect: CPUSet | None  # None: no allocation expected
    error: tuple[str, str] | None = None  # (reason, message)
    options: dict[str, str] = field(default_factory=dict)
    reserved: CPUSet | None = None
    hint: frozenset[int] | None = None


def _smt(requested: int, per_core: int, available: int = 0, physical: bool = False) -> tuple[str, str]:
    err = smt_alignment_error(requested, per_core, available, physical=physical)
    return err.reason, err.message


def _oom(requested: int, available: int) -> tuple[str, str]:
    return "UnexpectedAdmissionError", NOT_ENOUGH.format(requested, available)


ADD = "TestStaticPolicyAdd"
# optionsInsensitiveTestCases: run with no options and with full-pcpus-only
INSENSITIVE = [
    AddCase(
        ADD,
        "GuPodMultipleCores, SingleSocketHT, ExpectAllocOneCore",
        "topoSingleSocketHT",
        1,
        {"fakePod": {"fakeContainer100": S("2,3,6,7")}},
        S("0,1,4,5"),
        make_pod("fakePod", "fakeContainer3", "2000m", "2000m"),
        S("1,5"),
    ),
    AddCase(
        ADD,
        "GuPodMultipleCores, DualSocketHT, ExpectAllocOneSocket",
        "topoDualSocketHT",
        1,
        {"fakePod": {"fakeContainer100": S("2")}},
        S("0,1,3-11"),
        make_pod("fakePod", "fakeContainer3", "6000m", "6000m"),
        S("1,3,5,7,9,11"),
    ),
    AddCase(
        ADD,
        "GuPodMultipleCores, DualSocketHT, ExpectAllocThreeCores",
        "topoDualSocketHT",
        1,
        {"fakePod": {"fakeContainer100": S("1,5")}},
        S("0,2,3,4,6-11"),
        make_pod("fakePod", "fakeContainer3", "6000m", "6000m"),
        S("2,3,4,8,9,10"),
    ),
    AddCase(
        ADD,
        "GuPodMultipleCores, DualSocketNoHT, ExpectAllocOneSocket",
        "topoDualSocketNoHT",
        1,
        {"fakePod": {"fakeContainer100": S("")}},
        S("0,1,3-7"),
        make_pod("fakePod", "fakeContainer1", "4000m", "4000m"),
        S("4-7"),
    ),
    AddCase(
        ADD,
        "GuPodMultipleCores, DualSocketNoHT, ExpectAllocFourCores",
        "topoDualSocketNoHT",
        1,
        {"fakePod": {"fakeContainer100": S("4,5")}},
        S("0,1,3,6,7"),
        make_pod("fakePod", "fakeContainer1", "4000m", "4000m"),
        S("1,3,6,7"),
    ),
    AddCase(
        ADD,
        "GuPodMultipleCores, DualSocketHT, ExpectAllocOneSocketOneCore",
        "topoDualSocketHT",
        1,
        {"fakePod": {"fakeContainer100": S("2")}},
        S("0,1,3-11"),
        make_pod("fakePod", "fakeContainer3", "8000m", "8000m"),
        S("1,3,4,5,7,9,10,11"),
    ),
    AddCase(
        ADD,
        "NonGuPod, SingleSocketHT, NoAlloc",
        "topoSingleSocketHT",
        1,
        {},
        S("0-7"),
        make_pod("fakePod", "fakeContainer1", "1000m", "2000m"),
        None,
    ),
    AddCase(
        ADD,
        "GuPodNonIntegerCore, SingleSocketHT, NoAlloc",
        "topoSingleSocketHT",
        1,
        {},
        S("0-7"),
        make_pod("fakePod", "fakeContainer4", "977m", "977m"),
        None,
    ),
    AddCase(
        ADD,
        "GuPodMultipleCores, topoQuadSocketFourWayHT, ExpectAllocSock0",
        "topoQuadSocketFourWayHT",
        0,
        {"fakePod": {"fakeContainer100": S("3,11,4,5,6,7")}},
        QUAD_ALL - S("3,11,4,5,6,7"),
        make_pod("fakePod", "fakeContainer5", "72000m", "72000m"),
        QUAD_SOCK0,
    ),
    AddCase(
        ADD,
        "GuPodMultipleCores, topoQuadSocketFourWayHT, ExpectAllocAllFullCoresFromThreeSockets",
        "topoQuadSocketFourWayHT",
        0,
        {
            "fakePod": {
                "fakeContainer100": QUAD_ALL - S("1,25,13,38,2,9,11,35,23,48,12,51,53,173,113,233,54,61")
            }
        },
        S("1,25,13,38,2,9,11,35,23,48,12,51,53,173,113,233,54,61"),
        make_pod("fakePod", "fakeCcontainer5", "12000m", "12000m"),
        S("1,25,13,38,11,35,23,48,53,173,113,233"),
    ),
    AddCase(
        ADD,
        "GuPodMultipleCores, topoQuadSocketFourWayHT, ExpectAllocAllSock1+FullCore",
        "topoQuadSocketFourWayHT",
        0,
        {
            "fakePod": {
                "fakeContainer100": QUAD_ALL - (QUAD_SOCK1 | S("10,34,22,47,53,173,61,181,108,228,115,235"))
            }
        },
        QUAD_SOCK1 | S("10,34,22,47,53,173,61,181,108,228,115,235"),
        make_pod("fakePod", "fakeContainer5", "76000m", "76000m"),
        QUAD_SOCK1 | S("10,34,22,47"),
    ),
]
DEFAULT_ONLY = [
    AddCase(
        ADD,
        "GuPodSingleCore, SingleSocketHT, ExpectAllocOneCPU",
        "topoSingleSocketHT",
        1,
        {},
        S("0-7"),
        make_pod("fakePod", "fakeContainer2", "1000m", "1000m"),
        S("4"),
    ),
    AddCase(
        ADD,
        "GuPodMultipleCores, topoQuadSocketFourWayHT, ExpectAllocCPUs",
        "topoQuadSocketFourWayHT",
        0,
        {"fakePod": {"fakeContainer100": QUAD_ALL - S("10,11,53,37,55,67,52")}},
        S("10,11,53,67,52"),
        make_pod("fakePod", "fakeContainer5", "5000m", "5000m"),
        S("10,11,53,67,52"),
    ),
    AddCase(
        ADD,
        "GuPodSingleCore, SingleSocketHT, ExpectError",
        "topoSingleSocketHT",
        1,
        {},
        S("0-7"),
        make_pod("fakePod", "fakeContainer2", "8000m", "8000m"),
        None,
        _oom(8, 7),
    ),
    AddCase(
        ADD,
        "GuPodMultipleCores, SingleSocketHT, ExpectSameAllocation",
        "topoSingleSocketHT",
        1,
        {"fakePod": {"fakeContainer3": S("2,3,6,7")}},
        S("0,1,4,5"),
        make_pod("fakePod", "fakeContainer3", "4000m", "4000m"),
        S("2,3,6,7"),
    ),
    AddCase(
        ADD,
        "GuPodMultipleCores, DualSocketHT, NoAllocExpectError",
        "topoDualSocketHT",
        1,
        {"fakePod": {"fakeContainer100": S("1,2,3")}},
        S("0,4-11"),
        make_pod("fakePod", "fakeContainer5", "10000m", "10000m"),
        None,
        _oom(10, 8),
    ),
    AddCase(
        ADD,
        "GuPodMultipleCores, SingleSocketHT, NoAllocExpectError",
        "topoSingleSocketHT",
        1,
        {"fakePod": {"fakeContainer100": S("1-6")}},
        S("0,7"),
        make_pod("fakePod", "fakeContainer5", "2000m", "2000m"),
        None,
        _oom(2, 1),
    ),
    AddCase(
        ADD,
        "GuPodMultipleCores, topoQuadSocketFourWayHT, NoAlloc",
        "topoQuadSocketFourWayHT",
        0,
        {"fakePod": {"fakeContainer100": QUAD_ALL - S("10,11,53,37,55,67,52")}},
        S("10,11,53,37,55,67,52"),
        make_pod("fakePod", "fakeContainer5", "76000m", "76000m"),
        None,
        _oom(76, 7),
    ),
]
FULL = {"full-pcpus-only": "true"}
SMT_ALIGN = [
    AddCase(
        ADD,
        "GuPodSingleCore, SingleSocketHT, ExpectAllocOneCPU (full-pcpus-only)",
        "topoSingleSocketHT",
        1,
        {},
        S("0-7"),
        make_pod("fakePod", "fakeContainer2", "1000m", "1000m"),
        None,
        _smt(1, 2),
        FULL,
    ),
    AddCase(
        ADD,
        "GuPodMultipleCores, topoQuadSocketFourWayHT, ExpectAllocOneCPUs",
        "topoQuadSocketFourWayHT",
        8,
        {},
        QUAD_ALL,
        make_pod("fakePod", "fakeContainer15", "15000m", "15000m"),
        None,
        _smt(15, 4),
        FULL,
    ),
    AddCase(
        ADD,
        "GuPodManyCores, topoDualSocketHT, ExpectDoNotAllocPartialCPU",
        "topoDualSocketHT",
        2,
        {},
        S("0,2,3,4,5,7,8,9,10,11"),
        make_pod("fakePod", "fakeContainerBug113537_1", "10000m", "10000m"),
        None,
        _smt(10, 2, 8, True),
        FULL,
        reserved=S("1,6"),
    ),
    AddCase(
        ADD,
        "GuPodManyCores, topoDualSocketHT, AutoReserve, ExpectAllocAllCPUs",
        "topoDualSocketHT",
        2,
        {},
        S("1,2,3,4,5,7,8,9,10,11"),
        make_pod("fakePod", "fakeContainerBug113537_2", "10000m", "10000m"),
        S("1,2,3,4,5,7,8,9,10,11"),
        None,
        FULL,
    ),
    AddCase(
        ADD,
        "GuPodManyCores, topoDualSocketHT, ExpectAllocAllCPUs",
        "topoDualSocketHT",
        2,
        {},
        S("1,2,3,4,5,7,8,9,10,11"),
        make_pod("fakePod", "fakeContainerBug113537_2", "10000m", "10000m"),
        S("1,2,3,4,5,7,8,9,10,11"),
        None,
        FULL,
        reserved=S("0,6"),
    ),
]
ALIGN_BY_SOCKET = [
    AddCase(
        ADD,
        "Align by socket: true, cpu's within same socket of numa in hint are part of allocation",
        "topoDualSocketMultiNumaPerSocketHT",
        1,
        {},
        S("2,11,21,22"),
        make_pod("fakePod", "fakeContainer2", "2000m", "2000m"),
        S("2,11"),
        options={"align-by-socket": "true"},
        hint=frozenset({0, 2}),
    ),
    AddCase(
        ADD,
        "Align by socket: false, cpu's are taken strictly from NUMA nodes in hint",
        "topoDualSocketMultiNumaPerSocketHT",
        1,
        {},
        S("2,11,21,22"),
        make_pod("fakePod", "fakeContainer2", "2000m", "2000m"),
        S("2,21"),
        options={"align-by-socket": "false"},
        hint=frozenset({0, 2}),
    ),
]
RESV = "TestStaticPolicyAddWithResvList"
WITH_RESV_LIST = [
    AddCase(
        RESV,
        "GuPodSingleCore, SingleSocketHT, ExpectError",
        "topoSingleSocketHT",
        1,
        {},
        S("0-7"),
        make_pod("fakePod", "fakeContainer2", "8000m", "8000m"),
        None,
        _oom(8, 7),
        reserved=S("0"),
    ),
    AddCase(
        RESV,
        "GuPodSingleCore, SingleSocketHT, ExpectAllocOneCPU",
        "topoSingleSocketHT",
        2,
        {},
        S("0-7"),
        make_pod("fakePod", "fakeContainer2", "1000m", "1000m"),
        S("4"),
        reserved=S("0,1"),
    ),
    AddCase(
        RESV,
        "GuPodMultipleCores, SingleSocketHT, ExpectAllocOneCore",
        "topoSingleSocketHT",
        2,
        {"fakePod": {"fakeContainer100": S("2,3,6,7")}},
        S("0,1,4,5"),
        make_pod("fakePod", "fakeContainer3", "2000m", "2000m"),
        S("4,5"),
        reserved=S("0,1"),
    ),
]


def _with_options(case: AddCase, options: dict[str, str]) -> AddCase:
    return AddCase(**{**case.__dict__, "options": options, "name": f"options={options} {case.name}"})


ALL_ADD = (
    [_with_options(c, {}) for c in INSENSITIVE]
    + [_with_options(c, FULL) for c in INSENSITIVE]
    + DEFAULT_ONLY
    + SMT_ALIGN
    + ALIGN_BY_SOCKET
    + WITH_RESV_LIST
)


@pytest.mark.parametrize("case", ALL_ADD, ids=lambda c: f"{c.test}: {c.name}")
def test_static_policy_allocate_matches_kubelet(case: AddCase) -> None:
    policy = StaticPolicy(
        TOPOLOGIES[case.topology], case.num_reserved, case.reserved, case.options, gates=ALPHA
    )
    policy.state = CPUState(case.default, {p: dict(e) for p, e in case.assignments.items()})
    container = case.pod.containers[0]
    hint = Hint(case.hint, True) if case.hint is not None else None
    if case.error is not None:
        with pytest.raises(AdmissionError) as err:
            policy.allocate(case.pod, container, hint)
        assert (err.value.reason, err.value.message) == case.error
    else:
        policy.allocate(case.pod, container, hint)
    got = policy.state.get(case.pod.key, container.name)
    if case.expect is None:
        assert got is None
    else:
        assert got == case.expect
        assert not (got & policy.state.default), "exclusive CPUs must leave the shared pool"


# ---- Start ----------------------------------------------------------------------------
START = [
    # (test, name, topology, num_reserved, reserved, options, assignments, default, expect default | error)
    (
        "TestStaticPolicyStart",
        "non-corrupted state",
        "topoDualSocketHT",
        0,
        None,
        {},
        {"fakePod": {"0": S("0")}},
        S("1-11"),
        S("1-11"),
    ),
    ("TestStaticPolicyStart", "empty cpuset", "topoDualSocketHT", 1, None, {}, {}, S(""), S("0-11")),
    (
        "TestStaticPolicyStart",
        "reserved cores 0 & 6 are not present in available cpuset",
        "topoDualSocketHT",
        2,
        None,
        {},
        {},
        S("0,1"),
        'not all reserved cpus: "0,6" are present in defaultCpuSet: "0-1"',
    ),
    (
        "TestStaticPolicyStart",
        "some of reserved cores are present in available cpuset (StrictCPUReservationOption)",
        "topoDualSocketHT",
        2,
        None,
        {"strict-cpu-reservation": "true"},
        {},
        S("0,1"),
        'some of strictly reserved cpus: "0" are present in defaultCpuSet: "0-1"',
    ),
    (
        "TestStaticPolicyStart",
        "assigned core 2 is still present in available cpuset",
        "topoDualSocketHT",
        0,
        None,
        {},
        {"fakePod": {"0": S("0-2")}},
        S("2-11"),
        'pod: fakePod, container: 0 cpuset: "0-2" overlaps with default cpuset "2-11"',
    ),
    (
        "TestStaticPolicyStart",
        "assigned core 2 is still present in available cpuset (StrictCPUReservationOption)",
        "topoDualSocketHT",
        0,
        None,
        {"strict-cpu-reservation": "true"},
        {"fakePod": {"0": S("0-2")}},
        S("2-11"),
        'pod: fakePod, container: 0 cpuset: "0-2" overlaps with default cpuset "2-11"',
    ),
    (
        "TestStaticPolicyStart",
        "core 12 is not present in topology but is in state cpuset",
        "topoDualSocketHT",
        0,
        None,
        {},
        {"fakePod": {"0": S("0-2"), "1": S("3,4")}},
        S("5-12"),
        'current set of available CPUs "0-11" doesn\'t match with CPUs in state "0-12"',
    ),
    (
        "TestStaticPolicyStart",
        "core 11 is present in topology but is not in state cpuset",
        "topoDualSocketHT",
        0,
        None,
        {},
        {"fakePod": {"0": S("0-2"), "1": S("3,4")}},
        S("5-10"),
        'current set of available CPUs "0-11" doesn\'t match with CPUs in state "0-10"',
    ),
    (
        "TestStaticPolicyStartWithResvList",
        "empty cpuset",
        "topoDualSocketHT",
        2,
        S("0,1"),
        {},
        {},
        S(""),
        S("0-11"),
    ),
    (
        "TestStaticPolicyStartWithResvList",
        "empty cpuset with StrictCPUReservationOption enabled",
        "topoDualSocketHT",
        2,
        S("0,1"),
        {"strict-cpu-reservation": "true"},
        {},
        S(""),
        S("2-11"),
    ),
    (
        "TestStaticPolicyStartWithResvList",
        "reserved cores 0 & 1 are not present in available cpuset",
        "topoDualSocketHT",
        2,
        S("0,1"),
        {},
        {},
        S("2-5"),
        'not all reserved cpus: "0-1" are present in defaultCpuSet: "2-5"',
    ),
    (
        "TestStaticPolicyStartWithResvList",
        "reserved cores 0 & 1 are present in available cpuset with StrictCPUReservationOption enabled",
        "topoDualSocketHT",
        2,
        S("0,1"),
        {"strict-cpu-reservation": "true"},
        {},
        S("0-5"),
        'some of strictly reserved cpus: "0-1" are present in defaultCpuSet: "0-5"',
    ),
]


@pytest.mark.parametrize("case", START, ids=lambda c: f"{c[0]}: {c[1]}")
def test_static_policy_start_matches_kubelet(case: tuple[Any, ...]) -> None:
    _test, _name, topo, num, reserved, options, assignments, default, expect = case
    policy = StaticPolicy(TOPOLOGIES[topo], num, reserved, options, gates=ALPHA)
    state = CPUState(default, {p: dict(e) for p, e in assignments.items()})
    if isinstance(expect, str):
        with pytest.raises(CPUPolicyError) as err:
            policy.start(state)
        assert err.value.message == expect
    else:
        policy.start(state)
        assert policy.state.default == expect


def test_reserved_count_must_match_reserved_list() -> None:
    # TestStaticPolicyStartWithResvList "inconsistency between numReservedCPUs and reserved"
    with pytest.raises(CPUPolicyError) as err:
        StaticPolicy(TOPOLOGIES["topoDualSocketHT"], 1, S("0,1"))
    assert err.value.message == (
        "[cpumanager] unable to reserve the required amount of CPUs (size of 0-1 did not equal 1)"
    )


def test_reserved_cpus_are_lowest_whole_cores() -> None:
    # policy_static.go NewStaticPolicy comment: 8 CPUs with HT, numReservedCPUs=2 => {0,4}
    assert StaticPolicy(TOPOLOGIES["topoSingleSocketHT"], 2).reserved == S("0,4")
    assert StaticPolicy(TOPOLOGIES["topoDualSocketHT"], 2).reserved == S("0,6")
    assert StaticPolicy(TOPOLOGIES["topoDualSocketHT"], 1).reserved == S("0")


# ---- Reuse / remove -------------------------------------------------------------------
def test_static_policy_reuse_cpus() -> None:
    # TestStaticPolicyReuseCPUs "SingleSocketHT, DeAllocOneInitContainer"
    pod = make_multi_container_pod([("4000m", "4000m")], [("2000m", "2000m")])
    policy = StaticPolicy(TOPOLOGIES["topoSingleSocketHT"], 0)
    policy.state = CPUState(S("0-7"))
    for c in pod.all_containers:
        policy.allocate(pod, c, None)
    assert policy.state.default == S("2,3,6,7")
    policy.remove_container(pod.key, "initContainer-0")
    assert policy.state.default == S("1,2,3,5,6,7")
    assert policy.state.get(pod.key, "initContainer-0") is None


def test_static_policy_do_not_reuse_cpus_of_sidecar() -> None:
    # TestStaticPolicyDoNotReuseCPUs "SingleSocketHT, Don't reuse CPUs of a restartable init container"
    pod = make_multi_container_pod([("4000m", "4000m")], [("2000m", "2000m")], sidecars=[0])
    policy = StaticPolicy(TOPOLOGIES["topoSingleSocketHT"], 0)
    policy.state = CPUState(S("0-7"))
    for c in pod.all_containers:
        policy.allocate(pod, c, None)
    assert policy.state.default == S("3,7")


REMOVE = [
    (
        "SingleSocketHT, DeAllocOneContainer",
        "fakeContainer1",
        {"fakeContainer1": S("1,2,3")},
        S("4-7"),
        S("1-7"),
    ),
    (
        "SingleSocketHT, DeAllocOneContainer, BeginEmpty",
        "fakeContainer1",
        {"fakeContainer1": S("1,2,3"), "fakeContainer2": S("4-7")},
        S(""),
        S("1,2,3"),
    ),
    (
        "SingleSocketHT, DeAllocTwoContainer",
        "fakeContainer1",
        {"fakeContainer1": S("1,3,5"), "fakeContainer2": S("2,4")},
        S("6,7"),
        S("1,3,5,6,7"),
    ),
    (
        "SingleSocketHT, NoDeAlloc",
        "fakeContainer2",
        {"fakeContainer1": S("1,3,5")},
        S("2,4,6,7"),
        S("2,4,6,7"),
    ),
]


@pytest.mark.parametrize("case", REMOVE, ids=lambda c: f"TestStaticPolicyRemove: {c[0]}")
def test_static_policy_remove_matches_kubelet(case: tuple[Any, ...]) -> None:
    _name, container, entries, default, expect = case
    policy = StaticPolicy(TOPOLOGIES["topoSingleSocketHT"], 0)
    policy.state = CPUState(default, {"fakePod": dict(entries)})
    policy.remove_container("fakePod", container)
    assert policy.state.default == expect
    assert policy.state.get("fakePod", container) is None


TOPO_AWARE = [
    ("Request 2 CPUs, No BitMask", 2, None, S("0,6")),
    ("Request 2 CPUs, BitMask on Socket 0", 2, frozenset({0}), S("0,6")),
    ("Request 2 CPUs, BitMask on Socket 1", 2, frozenset({1}), S("1,7")),
    ("Request 8 CPUs, BitMask on Socket 0", 8, frozenset({0}), S("0,6,2,8,4,10,1,7")),
    ("Request 8 CPUs, BitMask on Socket 1", 8, frozenset({1}), S("1,7,3,9,5,11,0,6")),
]


@pytest.mark.parametrize("case", TOPO_AWARE, ids=lambda c: f"TestTopologyAwareAllocateCPUs: {c[0]}")
def test_topology_aware_allocate_cpus(case: tuple[Any, ...]) -> None:
    _name, n, mask, expect = case
    policy = StaticPolicy(TOPOLOGIES["topoDualSocketHT"], 0)
    policy.start(CPUState(S("0-11")))
    assert policy.allocate_cpus(n, mask, CPUSet()) == expect


# ---- AllocatePod (pod-level resource managers) -------------------------------------------
PLR_ON = {"PodLevelResources": True, "PodLevelResourceManagers": True}
ALLOC_POD = [
    (
        "should successfully allocate CPUs for a guaranteed pod with pod-level resources",
        make_pod_with_pod_level_resources("pod1", "2", "2", "container1", "1", "1"),
        {"container1": S("2")},
        S("0,1,3-7,9-11"),
        None,
    ),
    (
        "scope: pod, should allocate exclusive CPUs to a guaranteed pod with pod-level resources and "
        "guaranteed "
        "container, PodLevelResourceManagers enabled",
        make_pod_with_pod_level_resources("gu-pod-level-resources", "2", "2", "gu-container", "1", "1"),
        {"gu-container": S("2")},
        S("0,1,3,4,5,6,7,9,10,11"),
        None,
    ),
    (
        "scope: pod, should allocate exclusive CPUs to a guaranteed pod with pod-level resources and "
        "non-guaranteed "
        "container, PodLevelResourceManagers enabled",
        make_pod_level("gu-pod-level-resources", "1", "1", [], [C("ngu-container")]),
        {"ngu-container": S("6")},
        S("0-5,7-11"),
        None,
    ),
    (
        "scope: pod, should allocate exclusive CPUs to a guaranteed pod with pod-level resources and mix "
        "of guaranteed "
        "and non-guaranteed containers, PodLevelResourceManagers enabled",
        make_pod_level(
            "gu-pod-level-mix-ctn",
            "3",
            "3",
            [],
            [C("gu-container-1", "1", "1"), C("gu-container-2", "1", "1"), C("ngu-container")],
        ),
        {"gu-container-1": S("6"), "gu-container-2": S("2"), "ngu-container": S("8")},
        S("0,1,3,4,5,7,9,10,11"),
        None,
    ),
    (
        "scope: pod, should allocate exclusive CPUs to a guaranteed pod with pod-level resources and mix "
        "of guaranteed "
        "standard and init containers, PodLevelResourceManagers enabled",
        make_pod_level(
            "gu-pod-level-gu-init-ctn",
            "2",
            "2",
            [C("gu-init-container-1", "1", "1"), C("gu-init-container-2", "1", "1")],
            [C("gu-container-1", "1", "1"), C("gu-container-2", "1", "1")],
        ),
        {
            "gu-init-container-1": S("2"),
            "gu-init-container-2": S("2"),
            "gu-container-1": S("2"),
            "gu-container-2": S("8"),
        },
        S("0,1,3-7,9-11"),
        None,
    ),
    (
        "scope: pod, should allocate exclusive CPUs to a guaranteed pod with pod-level resources and mix "
        "of guaranteed "
        "standard and guaranteed restartable and non-guaranteed standard init containers, "
        "PodLevelResourceManagers "
        "enabled",
        make_pod_level(
            "gu-pod-level-gu-init-ctn",
            "3",
            "3",
            [
                C("ngu-init-container-1"),
                C("gu-init-restartable-2", "1", "1", sidecar=True),
                C("ngu-init-container-3"),
            ],
            [C("gu-container-1", "1", "1"), C("ngu-container-2")],
        ),
        {
            "ngu-init-container-1": S("2,6,8"),
            "gu-init-restartable-2": S("6"),
            "ngu-init-container-3": S("2,8"),
            "gu-container-1": S("2"),
            "ngu-container-2": S("8"),
        },
        S("0,1,3,4,5,7,9,10,11"),
        None,
    ),
    (
        "scope: pod, should allocate exclusive CPUs to a guaranteed pod with pod-level resources and mix "
        "of guaranteed "
        "standard and non-guaranteed restartable init containers, PodLevelResourceManagers enabled",
        make_pod_level(
            "gu-pod-level-gu-init-ctn",
            "3",
            "3",
            [C("ngu-init-container-1"), C("ngu-init-restartable-2", sidecar=True), C("ngu-init-container-3")],
            [C("gu-container-1", "1", "1"), C("ngu-container-2")],
        ),
        {
            "ngu-init-container-1": S("2,6,8"),
            "ngu-init-restartable-2": S("2,8"),
            "ngu-init-container-3": S("2,6,8"),
            "gu-container-1": S("6"),
            "ngu-container-2": S("2,8"),
        },
        S("0,1,3,4,5,7,9,10,11"),
        None,
    ),
    (
        "scope: pod, should reject a pod that would result in an empty pod shared pool",
        make_pod_level(
            "gu-pod-level-empty-pod-shared-pool",
            "2",
            "2",
            [],
            [C("gu-container-1", "1", "1"), C("gu-container-2", "1", "1"), C("ngu-container")],
        ),
        {},
        S("0-11"),
        (
            "EmptyPodSharedPoolError",
            "pod rejected, sum of exclusive container cpu requests equals pod budget, "
            "leaving no cpus for shared containers",
        ),
    ),
    (
        "scope: pod, should not allocate exclusive CPUs to a non-guaranteed pod with pod-level resources and "
        "guaranteed containers, PodLevelResourceManagers enabled",
        make_pod_level("ngu-pod-level-empty-pod-shared-pool", "2", "1", [], [C("gu-container-1", "1", "1")]),
        {},
        S("0-11"),
        None,
    ),
]


@pytest.mark.parametrize("case", ALLOC_POD, ids=lambda c: f"TestStaticPolicyAllocatePod: {c[0]}")
def test_static_policy_allocate_pod_matches_kubelet(case: tuple[Any, ...]) -> None:
    _name, pod, expect, expect_default, error = case
    policy = StaticPolicy(TOPOLOGIES["topoDualSocketHT"], 1, S("0"), gates=PLR_ON)
    policy.state = CPUState(S("0-11"))
    # upstream runs this with a fake topology manager that stores no hint
    if error is not None:
        with pytest.raises(AdmissionError) as err:
            policy.allocate_pod(pod, None)
        assert (err.value.reason, err.value.message) == error
    else:
        policy.allocate_pod(pod, None)
    assert policy.state.assignments.get(pod.key, {}) == expect
    assert policy.state.default == expect_default
    # the same through the CPU manager the admission drives, with the NUMA-0 hint the
    # topology manager would store on this machine
    cfg = NodeConfig(
        cpu_manager_policy="static",
        reserved_system_cpus=S("0"),
        topology_manager_scope="pod",
        feature_gates=MappingProxyType(PLR_ON),
    )
    mgr = CPUManager(TOPOLOGIES["topoDualSocketHT"], cfg, NodeState())
    if error is not None:
        with pytest.raises(AdmissionError) as err:
            mgr.allocate_pod(pod, Hint(frozenset({0}), True))
        assert (err.value.reason, err.value.message) == error
    else:
        mgr.allocate_pod(pod, Hint(frozenset({0}), True))
    out = mgr.export(NodeState())
    assert dict(out.cpu_assignments.get(pod.key, {})) == expect
    assert out.default_cpuset == expect_default


def test_podlevel_bubble_keeps_unused_cpu() -> None:
    # TestStaticPolicyAllocatePod "gu-pod-level-resources": bubble {2,8}; cpu 8 stays held by
    # the pod though no container uses it
    pod = make_pod_with_pod_level_resources("gu-pod-level-resources", "2", "2", "gu-container", "1", "1")
    policy = StaticPolicy(TOPOLOGIES["topoDualSocketHT"], 1, S("0"), gates=PLR_ON)
    policy.state = CPUState(S("0-11"))
    policy.allocate_pod(pod, Hint(frozenset({0}), True))
    assert policy.state.pod_cpusets[pod.key] == S("2,8")
    assert policy.state.assignments[pod.key] == {"gu-container": S("2")}


# ---- SMT alignment error text, options, validatePodScopeResources ---------------------------
@pytest.mark.parametrize(
    "case",
    [
        (
            "base SMT alignment error",
            (15, 4, 0, False),
            "SMT Alignment Error: requested 15 cpus not multiple cpus per core = 4",
        ),
        (
            "base SMT alignment error, no physical CPUs, missing flag",
            (4, 2, 0, False),
            "SMT Alignment Error: requested 4 cpus not multiple cpus per core = 2",
        ),
        (
            "base SMT alignment error, no physical CPUs, explicit flag",
            (4, 2, 0, True),
            "SMT Alignment Error: not enough free physical CPUs: available physical CPUs = 0, requested "
            "CPUs = 4, "
            "CPUs per core = 2",
        ),
    ],
    ids=lambda c: f"TestSMTAlignmentErrorText: {c[0]}",
)
def test_smt_alignment_error_text(case: tuple[Any, ...]) -> None:
    _name, (req, per_core, avail, physical), expect = case
    err = smt_alignment_error(req, per_core, avail, physical=physical)
    assert err.message == expect
    assert err.reason == "SMTAlignmentError"


OPTIONS = [
    ("nil args", {}, StaticPolicyOptions()),
    ("empty args", {}, StaticPolicyOptions()),
    ("bad single arg", {"badValue1": ""}, 'unknown CPU Manager Policy option: "badValue1"'),
    (
        "bad multiple arg",
        {"badValue1": "", "badvalue2": "aaaa"},
        'unknown CPU Manager Policy option: "badValue1"',
    ),
    ("good arg", {"full-pcpus-only": "true"}, StaticPolicyOptions(full_pcpus_only=True)),
    (
        "good arg, bad value",
        {"full-pcpus-only": "enabled!"},
        'bad value for option "full-pcpus-only": strconv.ParseBool: parsing "enabled!": invalid syntax',
    ),
    (
        "bad arg intermixed",
        {"full-pcpus-only": "1", "badvalue2": "lorem ipsum"},
        'unknown CPU Manager Policy option: "badvalue2"',
    ),
]


@pytest.mark.parametrize("case", OPTIONS, ids=lambda c: f"TestStaticPolicyOptions: {c[0]}")
def test_static_policy_options(case: tuple[Any, ...]) -> None:
    _name, options, expect = case
    if isinstance(expect, str):
        with pytest.raises(CPUPolicyError) as err:
            parse_static_policy_options(options, alpha_gate=False, beta_gate=True)
        assert err.value.message == expect
    else:
        assert parse_static_policy_options(options, alpha_gate=False, beta_gate=True) == expect


def test_alpha_option_needs_its_gate_and_incompatible_pairs_are_refused() -> None:
    with pytest.raises(CPUPolicyError, match="Alpha-level Options not enabled"):
        parse_static_policy_options({"align-by-socket": "true"}, alpha_gate=False, beta_gate=True)
    with pytest.raises(CPUPolicyError) as err:
        parse_static_policy_options(
            {"full-pcpus-only": "true", "distribute-cpus-across-cores": "true"},
            alpha_gate=True,
            beta_gate=True,
        )
    assert err.value.message == (
        "static policy options full-pcpus-only and distribute-cpus-across-cores can not be used at the "
        "same time"
    )


def _pl(pod_cpu: str, inits: list[C], apps: list[C]) -> PodSpec:
    return make_pod_level("pod", pod_cpu, pod_cpu, inits, apps)


VALIDATE = [
    (
        "Valid: Pod-level != Guaranteed containers, has podSharedPool containers",
        _pl("4", [], [C("c1", "2", "2"), C("c2")]),
        False,
    ),
    ("Valid: Only Guaranteed containers", _pl("4", [], [C("c1", "2", "2"), C("c2", "2", "2")]), False),
    ("Valid: Only podSharedPool containers", _pl("4", [], [C("c1"), C("c2")]), False),
    (
        "Valid: Pod-level == Guaranteed containers, has podSharedPool containers with request",
        _pl("6", [], [C("c1", "3", "3"), C("c2", "2", "2"), C("c3", "500m", "1000m"), C("c4")]),
        False,
    ),
    (
        "Failure: Pod-level == Guaranteed containers, has podSharedPool containers",
        _pl("5", [], [C("c1", "3", "3"), C("c2", "2", "2"), C("c3")]),
        True,
    ),
    (
        "Valid: Pod-level resources with standard and restartable init containers",
        _pl(
            "2",
            [C("init-container1", "1", "1"), C("restartable-init-container1", "1", "1", sidecar=True)],
            [C("container1")],
        ),
        False,
    ),
    (
        "Valid: Pod-level resources equal init and standard container resources",
        _pl("2", [C("init-container1", "2", "2")], [C("container1", "2", "2")]),
        False,
    ),
    (
        "Failure: Pod-level resources with shared standard init container and no available pool",
        _pl("2", [C("restartable-init-container1", "2", "2", sidecar=True), C("init-container1")], []),
        True,
    ),
    (
        "Valid: Pod-level resources with shared standard init container and no available pool",
        _pl("2", [C("init-container1"), C("restartable-init-container1", "2", "2", sidecar=True)], []),
        False,
    ),
    (
        "Failure: Pod-level == Restartable guaranteed init containers, has podSharedPool containers",
        _pl(
            "2",
            [
                C("restartable-init-container1", "2", "2", sidecar=True),
                C("restartable-init-container2", sidecar=True),
            ],
            [],
        ),
        True,
    ),
    (
        "Valid: Pod-level resources with only restartable one init container and one standard container",
        _pl("2", [C("restartable-init-container1", "1", "1", sidecar=True)], [C("container1", "1", "1")]),
        False,
    ),
]


@pytest.mark.parametrize("case", VALIDATE, ids=lambda c: f"TestValidatePodScopeResources: {c[0]}")
def test_validate_pod_scope_resources(case: tuple[Any, ...]) -> None:
    _name, pod, expect_error = case
    policy = StaticPolicy(TOPOLOGIES["topoSingleSocketHT"], 0, gates=PLR_ON)
    assert (policy.validate_pod_scope_resources(pod) is not None) == expect_error


# cpu_manager_test.go TestCPUManagerAddWithInitContainers: (name, inits, apps, expected per container)
INIT_REUSE = [
    ("No Guaranteed Init CPUs", [("100m", "100m")], [("4000m", "4000m")], ["", "0,4,1,5"]),
    ("Equal Number of Guaranteed CPUs", [("4000m", "4000m")], [("4000m", "4000m")], ["0,4,1,5", "0,4,1,5"]),
    (
        "More Init Container Guaranteed CPUs",
        [("6000m", "6000m")],
        [("4000m", "4000m")],
        ["0,4,1,5,2,6", "0,4,1,5"],
    ),
    ("Less Init Container Guaranteed CPUs", [("2000m", "2000m")], [("4000m", "4000m")], ["0,4", "0,4,1,5"]),
    (
        "Multi Init Container Equal CPUs",
        [("2000m", "2000m"), ("2000m", "2000m")],
        [("2000m", "2000m")],
        ["0,4", "0,4", "0,4"],
    ),
    (
        "Multi Init Container Less CPUs",
        [("4000m", "4000m"), ("4000m", "4000m")],
        [("2000m", "2000m")],
        ["0,4,1,5", "0,4,1,5", "0,4"],
    ),
    (
        "Multi Init Container More CPUs",
        [("2000m", "2000m"), ("2000m", "2000m")],
        [("4000m", "4000m")],
        ["0,4", "0,4", "0,4,1,5"],
    ),
    (
        "Multi Init Container Increasing CPUs",
        [("2000m", "2000m"), ("4000m", "4000m")],
        [("6000m", "6000m")],
        ["0,4", "0,4,1,5", "0,4,1,5,2,6"],
    ),
    (
        "Multi Init, Multi App Container Split CPUs",
        [("2000m", "2000m"), ("4000m", "4000m")],
        [("2000m", "2000m"), ("2000m", "2000m")],
        ["0,4", "0,4,1,5", "0,4", "1,5"],
    ),
]


@pytest.mark.parametrize("case", INIT_REUSE, ids=lambda c: f"TestCPUManagerAddWithInitContainers: {c[0]}")
def test_init_container_cpus_are_reused(case: tuple[Any, ...]) -> None:
    _name, inits, apps, expect = case
    pod = make_multi_container_pod(inits, apps)
    policy = StaticPolicy(TOPOLOGIES["topoSingleSocketHT"], 0)
    policy.state = CPUState(S("0-7"))
    taken = CPUSet()
    for container, want in zip(pod.all_containers, expect, strict=True):
        policy.allocate(pod, container, None)
        got = policy.state.get(pod.key, container.name)
        assert (got if got is not None else CPUSet()) == S(want), container.name
        taken = taken | (got or CPUSet())
    assert policy.state.default == S("0-7") - taken
