"""The memory manager's pruned `calculateHints` must return exactly what the kubelet's full walk does."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbench.admission.bitmask import ids_of, iterate_bitmasks
from workbench.admission.decision import Hint
from workbench.admission.memory_manager import MemoryManager
from workbench.kube.model import MemoryTable, NodeConfig, NodeState, NumaMemoryState, PodSpec, ReservedMemory
from workbench.topology.model import Topology

GIB = 1 << 30
CONFIG = NodeConfig(
    memory_manager_policy="Static",
    reserved_memory=(ReservedMemory(0, MappingProxyType({"memory": GIB})),),
)
EMPTY_TOPOLOGY = Topology(name="t", cpus=(), numa_nodes=())


@st.composite
def machines(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(1, 9))
    sparse = draw(st.booleans())
    ids = sorted(draw(st.sets(st.integers(0, 20), min_size=n, max_size=n))) if sparse else list(range(n))
    used = [i for i in ids if draw(st.integers(0, 3)) == 0]
    cells: dict[int, tuple[int, ...]] = {i: (i,) for i in ids}
    rest = list(used)
    while rest:  # split the used nodes into groups (single-node or multi-node)
        k = draw(st.integers(1, min(3, len(rest))))
        group, rest = tuple(rest[:k]), rest[k:]
        for i in group:
            cells[i] = group
    state = {}
    for i in ids:
        tables = {}
        for r in ("memory", "hugepages-1Gi"):
            alloc = draw(st.integers(0, 8)) * GIB
            free = draw(st.integers(0, 8)) * GIB if i in used else alloc
            free = min(free, alloc)
            tables[r] = MemoryTable(alloc + GIB, 0, alloc, alloc - free, free)
        state[i] = NumaMemoryState(1 if i in used else 0, MappingProxyType(tables), cells[i])
    reqs = {"memory": draw(st.integers(1, 20)) * GIB // 2}
    if draw(st.booleans()):
        reqs["hugepages-1Gi"] = draw(st.integers(1, 10)) * GIB
    reusable = {}
    if draw(st.booleans()):
        m = 0
        for i in draw(st.sets(st.sampled_from(ids), min_size=1, max_size=3)):
            m |= 1 << i
        reusable = {m: {"memory": draw(st.integers(0, 8)) * GIB}}
    return {"state": state, "reqs": reqs, "reusable": reusable}


def _manager(case: dict[str, Any]) -> tuple[MemoryManager, PodSpec]:
    mgr = MemoryManager(EMPTY_TOPOLOGY, CONFIG, NodeState(memory=case["state"]))
    pod = PodSpec(name="p", uid="p")
    if case["reusable"]:
        mgr.reusable["p"] = case["reusable"]
    return mgr, pod



def _value(mgr: MemoryManager, node: int, resource: str, column: str) -> int:
    state = mgr.machine.get(node)
    table = None if state is None else state.memory_map.get(resource)
    return 0 if table is None else int(getattr(table, column))


def calculate_hints_literal(mgr: MemoryManager, pod: PodSpec, reqs: dict[str, int]) -> dict[str, list[Hint]]:
    """`calculateHints` walking every mask as the kubelet does (the reference for the fast one)."""
    machine = mgr.machine
    nodes = sorted(machine)

    def reused(mask: int, resource: str) -> int:
        return mgr.reusable.get(pod.key, {}).get(mask, {}).get(resource, 0)

    min_affinity = len(nodes)
    found: list[int] = []
    for mask in iterate_bitmasks(nodes):
        bits = sorted(ids_of(mask))
        single = len(bits) == 1
        if any(
            sum(_value(mgr, n, r, "allocatable") for n in bits) < size
            for r, size in reqs.items()
        ):
            continue
        min_affinity = min(min_affinity, len(bits))
        if single and len(machine[bits[0]].cells) > 1:
            continue
        if not single and any(
            machine[n].number_of_assignments > 0
            and (len(machine[n].cells) == 1 or sorted(machine[n].cells) != bits)
            for n in bits
        ):
            continue
        if any(
            sum(_value(mgr, n, r, "free") for n in bits) + reused(mask, r) < size
            for r, size in reqs.items()
        ):
            continue
        found.append(mask)
    hints: dict[str, list[Hint]] = {}
    if found:
        for name in reqs:
            hints[name] = [Hint(ids_of(m), m.bit_count() == min_affinity) for m in found]
    return hints


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(machines())
def test_fast_hints_equal_the_full_walk(case: dict[str, Any]) -> None:
    mgr, pod = _manager(case)
    assert mgr.calculate_hints(pod, case["reqs"]) == calculate_hints_literal(mgr, pod, case["reqs"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(machines())
def test_lazy_preferred_masks_equal_the_listed_ones(case: dict[str, Any]) -> None:
    """What the merge reads without listing (the narrowest masks) is the listed preferred set."""
    from workbench.admission.bitmask import mask_of_set
    from workbench.admission.hint_list import LazyHints

    mgr, pod = _manager(case)
    hints = mgr.calculate_hints(pod, case["reqs"])
    literal = calculate_hints_literal(mgr, pod, case["reqs"])
    assert set(hints) == set(literal)
    for name, lazy in hints.items():
        assert isinstance(lazy, LazyHints)
        cheap = lazy.preferred_masks()
        want = {mask_of_set(h.mask) for h in literal[name] if h.preferred and h.mask is not None}
        assert cheap == want
