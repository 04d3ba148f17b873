"""The managers' start cache (`start_cache`): what a user would notice if it leaked or grew.

- changing the managers one admission was handed (as an admission does) leaves the next
  admission on the same node exactly as a fresh start decides it;
- admissions on different node states do not see each other's pods or start-up findings;
- the cache keeps a bounded number of starts, and a dropped one decides the same when rebuilt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from admit_nodes import POSTGRES, classic_pod, comparable, config, pod, simple_pod, topology

from workbench.admission import start_cache
from workbench.admission.admit import admit
from workbench.admission.cpu_manager import CPUManager
from workbench.admission.decision import Decision
from workbench.admission.memory_manager import MemoryManager
from workbench.admission.report import decision_to_json
from workbench.admission.startup_state import startup_state_problems
from workbench.admission.topology_admit import Trace, build_managers, run_admit_handler
from workbench.errors import InputError
from workbench.kube.checkpoint import load_kubelet_dir
from workbench.kube.model import NodeConfig, NodeState
from workbench.record import replace
from workbench.topology import load_spec

SNC = topology("intel-2s-snc")
CFG = config("restricted", "pod")
KUBELET = Path(__file__).resolve().parents[2] / "fixtures" / "kubelet"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    start_cache.clear()


def seen(d: Decision) -> tuple[dict[str, Any], dict[str, Any]]:
    return decision_to_json(d), comparable(d.state_after)


def busy(cfg: NodeConfig, count: int) -> NodeState:
    state = NodeState()
    for i in range(count):
        p = classic_pod(f"c{i}", 2) if i % 2 else simple_pod(f"l{i}", 3, shared=True)
        d = admit(SNC, cfg, state, p, advise=False)
        assert d.admitted, d.message
        state = d.state_after
    return state


def test_changing_handed_out_managers_does_not_change_the_next_decision() -> None:
    state = busy(CFG, 6)
    target = pod(POSTGRES)
    first = seen(admit(SNC, CFG, state, target, advise=False))
    managers = build_managers(SNC, CFG, state)
    # what a release and an admission do to the working copies: every running pod's CPU entries
    # deleted and NUMA tables released, then a pod charged on the freed resources
    for key in state.pods:
        for p in managers.providers:
            p.remove_pod(key)
    intruder = simple_pod("intruder", 8)
    run_admit_handler(SNC, CFG, managers, intruder, Trace())
    assert managers.cpu.static.state.assignments.keys() == {intruder.key}
    assert managers.memory.assignments.keys() == {intruder.key}
    again = seen(admit(SNC, CFG, state, target, advise=False))
    start_cache.clear()
    fresh = seen(admit(SNC, CFG, state, target, advise=False))
    assert again == first == fresh


def test_a_released_pod_comes_back_from_the_kept_start() -> None:
    state = busy(CFG, 4)
    key = next(iter(state.pods))
    before = build_managers(SNC, CFG, state)
    before.cpu.remove_pod(key)
    before.memory.remove_pod(key)
    after = build_managers(SNC, CFG, state)
    assert after.cpu.static.state.assignments.get(key)
    assert after.memory.assignments.get(key)
    assert comparable(after.export(state)) == comparable(state)


def test_admissions_on_different_node_states_do_not_share_state() -> None:
    empty, full = NodeState(), busy(CFG, 6)
    target = pod(POSTGRES)
    on_empty = seen(admit(SNC, CFG, empty, target, advise=False))
    on_full = seen(admit(SNC, CFG, full, target, advise=False))
    assert on_empty != on_full
    assert set(admit(SNC, CFG, empty, target, advise=False).state_after.pods) == {target.key}
    assert seen(admit(SNC, CFG, empty, target, advise=False)) == on_empty
    start_cache.clear()
    assert seen(admit(SNC, CFG, full, target, advise=False)) == on_full
    assert seen(admit(SNC, CFG, empty, target, advise=False)) == on_empty


def test_start_up_findings_belong_to_their_state() -> None:
    d = KUBELET / "broken-state"
    topo = load_spec(d / "topology.yaml")
    cfg, broken = load_kubelet_dir(d, topo)
    found = startup_state_problems(topo, cfg, broken)
    assert found and found == list(
        start_cache.start_problems(CPUManager(topo, cfg, broken), MemoryManager(topo, cfg, broken))
    )
    assert startup_state_problems(topo, cfg, NodeState()) == []
    assert startup_state_problems(topo, cfg, broken) == found


def test_equal_but_distinct_states_are_started_apart() -> None:
    state = busy(CFG, 2)
    twin = NodeState(**{f: getattr(state, f) for f in state._fields})
    assert twin == state and twin is not state
    start_cache.clear()
    a = seen(admit(SNC, CFG, state, pod(POSTGRES), advise=False))
    b = seen(admit(SNC, CFG, twin, pod(POSTGRES), advise=False))
    assert a == b
    assert start_cache.cached_entries() == 2


def test_the_cache_is_bounded_and_a_dropped_start_decides_the_same() -> None:
    target = pod(POSTGRES)
    states = [NodeState()]
    for i in range(start_cache.SIZE + 4):
        d = admit(SNC, CFG, states[-1], classic_pod(f"f{i}", 1), advise=False)
        assert d.admitted
        states.append(d.state_after)
    first = seen(admit(SNC, CFG, states[0], target, advise=False))
    for s in states[1:]:
        admit(SNC, CFG, s, target, advise=False)
        assert start_cache.cached_entries() <= start_cache.SIZE
    assert start_cache.cached_entries() == start_cache.SIZE
    assert seen(admit(SNC, CFG, states[0], target, advise=False)) == first


def test_a_refused_configuration_is_not_kept() -> None:
    # the Static memory manager without reservedMemory: the kubelet would not start
    refused = replace(CFG, reserved_memory=())
    for _ in range(2):
        with pytest.raises(InputError, match="system reserved memory"):
            admit(SNC, refused, NodeState(), pod(POSTGRES), advise=False)
    assert start_cache.cached_entries() == 0
