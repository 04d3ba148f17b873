"""CPUManager: the cpu hint provider built from kubelet config and checkpoint state.

The upstream TestStaticPolicyAllocatePod table (test_cpu_static_policy.py) also runs through
this manager there, so it is transcribed once.
"""

from __future__ import annotations

from types import MappingProxyType

import pytest
from cpu_test_pods import C, make_pod, make_pod_level
from cpu_test_topologies import TOPOLOGIES

from workbench.admission.cpu_manager import CPUManager, reserved_cpu_count
from workbench.admission.decision import Hint
from workbench.errors import InputError
from workbench.kube.model import NodeConfig, NodeState
from workbench.topology.cpuset import CPUSet

S = CPUSet.parse
GATES_ON = MappingProxyType({"PodLevelResources": True, "PodLevelResourceManagers": True})


def static(**kw: object) -> NodeConfig:
    base: dict[str, object] = {
        "cpu_manager_policy": "static",
        "reserved_system_cpus": S("0"),
        "feature_gates": GATES_ON,
    }
    base.update(kw)
    return NodeConfig(**base)  # type: ignore[arg-type]


def test_reserved_cpus_come_from_kube_and_system_reserved_rounded_up() -> None:
    cfg = static(reserved_system_cpus=None, kube_reserved={"cpu": 500}, system_reserved={"cpu": 1000})
    assert reserved_cpu_count(cfg) == 2
    mgr = CPUManager(TOPOLOGIES["topoSingleSocketHT"], cfg, NodeState())
    assert mgr.reserved == S("0,4")
    # not strict: reserved CPUs stay in the shared pool but are never handed out exclusively
    assert mgr.default_cpuset == S("0-7")
    pod = make_pod("p", "c", "6", "6")
    mgr.allocate(pod, pod.containers[0], None)
    assert mgr.container_cpus(pod, pod.containers[0]) == S("1-3,5-7")


def test_reserved_system_cpus_win_over_reserved_amounts() -> None:
    cfg = static(reserved_system_cpus=S("3,7"), system_reserved={"cpu": 500})
    assert reserved_cpu_count(cfg) == 2
    assert CPUManager(TOPOLOGIES["topoSingleSocketHT"], cfg, NodeState()).reserved == S("3,7")


def test_static_policy_without_reservation_is_refused_like_the_kubelet() -> None:
    cfg = static(reserved_system_cpus=None, source="kubelet-config.yaml")
    with pytest.raises(InputError) as err:
        CPUManager(TOPOLOGIES["topoSingleSocketHT"], cfg, NodeState())
    assert "requires systemreserved.cpu + kubereserved.cpu to be greater than zero" in err.value.problem
    assert err.value.source == "kubelet-config.yaml"


def test_strict_cpu_reservation_keeps_reserved_out_of_the_shared_pool() -> None:
    cfg = static(reserved_system_cpus=S("0,1"), cpu_manager_policy_options={"strict-cpu-reservation": "true"})
    mgr = CPUManager(TOPOLOGIES["topoDualSocketHT"], cfg, NodeState())
    assert mgr.default_cpuset == S("2-11")
    assert mgr.export(NodeState()).default_cpuset == S("2-11")


def test_unknown_option_is_bad_input_with_the_kubelet_message() -> None:
    cfg = static(cpu_manager_policy_options={"no-such-option": "true"})
    with pytest.raises(InputError) as err:
        CPUManager(TOPOLOGIES["topoDualSocketHT"], cfg, NodeState())
    assert err.value.problem == 'unknown CPU Manager Policy option: "no-such-option"'
    assert err.value.field == "cpuManagerPolicyOptions"


def test_policy_none_pins_nothing() -> None:
    mgr = CPUManager(TOPOLOGIES["topoDualSocketHT"], NodeConfig(), NodeState())
    pod = make_pod("p", "c", "4", "4")
    c = pod.containers[0]
    assert mgr.container_hints(pod, c) is None
    assert mgr.pod_hints(pod) is None
    mgr.allocate(pod, c, None)
    assert mgr.container_cpus(pod, c) is None
    assert mgr.isolation(pod, c) == "host"
    assert mgr.default_cpuset == S("0-11")
    out = mgr.export(NodeState(cpu_policy="none"))
    assert (out.cpu_policy, out.default_cpuset, dict(out.cpu_assignments)) == ("none", S(""), {})


def test_isolation_levels_of_a_pod_level_pod() -> None:
    mgr = CPUManager(TOPOLOGIES["topoDualSocketHT"], static(topology_manager_scope="pod"), NodeState())
    pod = make_pod_level("pl", "3", "3", [], [C("excl", "1", "1"), C("shared"), C("half", "500m", "1")])
    mgr.allocate_pod(pod, None)
    excl, shared, half = pod.containers
    assert mgr.isolation(pod, excl) == "container"
    assert mgr.isolation(pod, shared) == "pod"
    assert mgr.isolation(pod, half) == "pod"
    assert mgr.pod_cpus(pod) is not None and len(mgr.pod_cpus(pod) or ()) == 3
    assert mgr.container_cpus(pod, shared) == mgr.container_cpus(pod, half)


def test_pod_level_pod_with_gate_off_runs_unpinned() -> None:
    cfg = static(feature_gates=MappingProxyType({"PodLevelResourceManagers": False}))
    mgr = CPUManager(TOPOLOGIES["topoDualSocketHT"], cfg, NodeState())
    pod = make_pod_level("pl", "2", "2", [], [C("excl", "1", "1")])
    assert mgr.pod_hints(pod) is None
    assert mgr.container_hints(pod, pod.containers[0]) is None
    mgr.allocate(pod, pod.containers[0], None)
    assert mgr.container_cpus(pod, pod.containers[0]) is None
    assert mgr.isolation(pod, pod.containers[0]) == "host"


def test_pod_scope_empty_shared_pool_gives_no_possible_hint() -> None:
    mgr = CPUManager(TOPOLOGIES["topoDualSocketHT"], static(topology_manager_scope="pod"), NodeState())
    pod = make_pod_level("pl", "2", "2", [], [C("a", "1", "1"), C("b", "1", "1"), C("shared")])
    assert mgr.pod_hints(pod) == {"cpu": []}


def test_export_and_reload_round_trip_keeps_running_pods() -> None:
    topo = TOPOLOGIES["topoDualSocketHT"]
    mgr = CPUManager(topo, static(), NodeState())
    pod = make_pod("uid-1", "db", "4", "4")
    mgr.allocate(pod, pod.containers[0], Hint(frozenset({1}), True))
    state = mgr.export(NodeState())
    again = CPUManager(topo, static(), state)
    assert again.problems == []
    assert again.container_cpus(pod, pod.containers[0]) == S("1,3,7,9")
    assert again.default_cpuset == state.default_cpuset
    # the next pod cannot get those CPUs
    other = make_pod("uid-2", "web", "4", "4")
    again.allocate(other, other.containers[0], Hint(frozenset({1}), True))
    assert not (again.container_cpus(other, other.containers[0]) or S("")) & S("1,3,7,9")


def test_inconsistent_checkpoint_is_reported_not_fatal() -> None:
    state = NodeState(
        cpu_policy="static",
        default_cpuset=S("2-11"),
        cpu_assignments=MappingProxyType({"x": MappingProxyType({"c": S("0-2")})}),
    )
    mgr = CPUManager(
        TOPOLOGIES["topoDualSocketHT"],
        static(reserved_system_cpus=S("11")),
        state,
    )
    assert mgr.problems == ['pod: x, container: c cpuset: "0-2" overlaps with default cpuset "2-11"']
    assert mgr.default_cpuset == S("2-11")


def test_policy_change_against_checkpoint_is_reported() -> None:
    state = NodeState(cpu_policy="none", default_cpuset=S(""))
    mgr = CPUManager(TOPOLOGIES["topoDualSocketHT"], static(), state)
    assert mgr.problems == ['configured policy "static" differs from state checkpoint policy "none"']
    assert mgr.default_cpuset == S("0-11")


def test_remove_pod_returns_a_pod_level_bubble() -> None:
    mgr = CPUManager(TOPOLOGIES["topoDualSocketHT"], static(topology_manager_scope="pod"), NodeState())
    pod = make_pod_level("pl", "3", "3", [], [C("excl", "1", "1"), C("shared")])
    mgr.allocate_pod(pod, Hint(frozenset({1}), True))
    assert len(mgr.default_cpuset) == 9
    mgr.remove_pod(pod.key)
    assert mgr.default_cpuset == S("0-11")
    assert mgr.pod_cpus(pod) is None
    assert mgr.guaranteed_cpus(pod, pod.containers[0]) == 1


def test_pod_level_pod_in_container_scope_pins_only_eligible_containers() -> None:
    # semantics 1.4: container scope ignores the pod budget; eligible containers get exclusive
    # CPUs from the node pool, the others run in the node shared pool (isolation "host")
    mgr = CPUManager(TOPOLOGIES["topoDualSocketHT"], static(), NodeState())
    pod = make_pod_level("pl", "4", "4", [], [C("excl", "2", "2"), C("shared")])
    excl, shared = pod.containers
    assert mgr.container_hints(pod, shared) is None
    hints = mgr.container_hints(pod, excl)
    assert hints is not None and Hint(frozenset({0}), True) in hints["cpu"]
    for c in pod.containers:
        mgr.allocate(pod, c, Hint(frozenset({0}), True))
    assert mgr.container_cpus(pod, excl) == S("2,8")
    assert mgr.container_cpus(pod, shared) is None
    assert (mgr.isolation(pod, excl), mgr.isolation(pod, shared)) == ("container", "host")
    assert mgr.pod_cpus(pod) is None
