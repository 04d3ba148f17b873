"""Properties of the CPU manager simulation on random machines and random pods (hypothesis).

- exclusive allocations never overlap each other or the shared pool, never use reserved CPUs,
  and together with the shared pool account for every CPU;
- a container allocated with one of its own hints stays inside the hinted NUMA nodes;
- allocating a pod and then removing it restores the node state exactly.
"""

from __future__ import annotations

import itertools
import math
from types import MappingProxyType

from cpu_test_pods import C, make_multi_container_pod, make_pod, make_pod_level
from cpu_test_topologies import build
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from workbench.admission.cpu_manager import CPUManager
from workbench.admission.cpu_options import CPUPolicyError
from workbench.admission.cpu_static_policy import StaticPolicy
from workbench.admission.cpu_take_distributed import best_combo, standard_deviation
from workbench.admission.decision import Hint
from workbench.admission.errors import AdmissionError
from workbench.kube.model import NodeConfig, NodeState
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology

OPTION_SETS = [
    {},
    {"full-pcpus-only": "true"},
    {"distribute-cpus-across-numa": "true"},
    {"distribute-cpus-across-numa": "true", "full-pcpus-only": "true"},
    {"distribute-cpus-across-cores": "true"},
    {"prefer-align-cpus-by-uncorecache": "true"},
    {"strict-cpu-reservation": "true"},
]
GATES = MappingProxyType(
    {"PodLevelResources": True, "PodLevelResourceManagers": True, "CPUManagerPolicyAlphaOptions": True}
)


@st.composite
def machines(draw: st.DrawFn) -> Topology:
    sockets = draw(st.integers(1, 2))
    numa_per_socket = draw(st.integers(1, 2))
    cores_per_numa = draw(st.integers(1, 4))
    threads = draw(st.integers(1, 2))
    cores = sockets * numa_per_socket * cores_per_numa
    rows = []
    for t in range(threads):
        for i in range(cores):
            numa = i // cores_per_numa
            rows.append((t * cores + i, i, numa // numa_per_socket, numa, numa))
    return build("random", rows)


def _config(topology: Topology, options: dict[str, str], reserved: int) -> NodeConfig:
    return NodeConfig(
        cpu_manager_policy="static",
        system_reserved={"cpu": reserved * 1000},
        cpu_manager_policy_options=MappingProxyType(options),
        feature_gates=GATES,
        topology_manager_scope="pod",
    )


def _check_invariants(mgr: CPUManager, topology: Topology, strict: bool) -> None:
    state = mgr.export(NodeState())
    seen: set[int] = set()
    for entries in state.cpu_assignments.values():
        pod_cpus: set[int] = set()
        for cpus in entries.values():
            pod_cpus.update(cpus)
        assert not (pod_cpus & seen), "two pods share an exclusive CPU"
        seen |= pod_cpus
    for bubble in state.pod_cpusets.values():
        seen |= set(bubble)
    default = state.default_cpuset or CPUSet()
    assert not (seen & set(default)), "an exclusive CPU is still in the shared pool"
    assert not (seen & set(mgr.reserved)), "a reserved CPU was handed out"
    everything = set(topology.all_cpus) - (set(mgr.reserved) if strict else set())
    assert seen | set(default) == everything


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    topology=machines(),
    options=st.sampled_from(OPTION_SETS),
    reserved=st.integers(1, 2),
    requests=st.lists(st.tuples(st.integers(1, 6), st.integers(0, 50)), min_size=1, max_size=6),
)
def test_allocations_are_disjoint_and_respect_hints(
    topology: Topology, options: dict[str, str], reserved: int, requests: list[tuple[int, int]]
) -> None:
    assume(reserved < len(topology.cpus))
    mgr = CPUManager(topology, _config(topology, options, reserved), NodeState())
    strict = "strict-cpu-reservation" in options
    for n, (cpus, pick) in enumerate(requests):
        pod = make_pod(f"pod-{n}", "c", str(cpus), str(cpus))
        container = pod.containers[0]
        hints = mgr.container_hints(pod, container)
        assert hints is not None
        listed = list(hints["cpu"])
        hint = listed[pick % len(listed)] if listed else None
        try:
            mgr.allocate(pod, container, hint)
        except AdmissionError:
            assert mgr.container_cpus(pod, container) is None
            continue
        got = mgr.container_cpus(pod, container)
        assert got is not None and len(got) == cpus
        if hint is not None and hint.mask is not None:
            assert set(topology.numa_of(got)) <= hint.mask, (hint, got)
        _check_invariants(mgr, topology, strict)


@settings(max_examples=60, deadline=None)
@given(
    topology=machines(),
    options=st.sampled_from(OPTION_SETS),
    inits=st.lists(st.tuples(st.integers(0, 3), st.booleans()), max_size=3),
    apps=st.lists(st.integers(0, 3), min_size=1, max_size=3),
    first=st.integers(0, 3),
)
def test_allocate_then_remove_restores_state(
    topology: Topology, options: dict[str, str], inits: list[tuple[int, bool]], apps: list[int], first: int
) -> None:
    mgr = CPUManager(topology, _config(topology, options, 1), NodeState())
    # a pod already running, so removal must give back exactly what the new pod took
    running = make_pod("running", "c", str(first), str(first)) if first else None
    if running is not None:
        try:
            mgr.allocate(running, running.containers[0], None)
        except AdmissionError:
            pass
    before = mgr.export(NodeState())
    pod = make_multi_container_pod(
        [(str(c), str(c)) for c, _ in inits],
        [(str(c), str(c)) for c in apps],
        uid="new",
        sidecars=[i for i, (_, side) in enumerate(inits) if side],
    )
    try:
        for c in pod.all_containers:
            mgr.allocate(pod, c, None)
    except AdmissionError:
        pass
    _check_invariants(mgr, topology, "strict-cpu-reservation" in options)
    mgr.remove_pod(pod.key)
    assert mgr.export(NodeState()) == before


@settings(max_examples=60, deadline=None)
@given(
    topology=machines(),
    budget=st.integers(1, 8),
    apps=st.lists(st.integers(0, 3), min_size=1, max_size=4),
    sidecar=st.integers(0, 2),
)
def test_pod_bubble_partition_and_release(
    topology: Topology, budget: int, apps: list[int], sidecar: int
) -> None:
    mgr = CPUManager(topology, _config(topology, {}, 1), NodeState())
    before = mgr.export(NodeState())
    inits = [C("side", str(sidecar), str(sidecar), sidecar=True)] if sidecar else []
    containers = [C(f"app{i}", str(n), str(n)) if n else C(f"app{i}") for i, n in enumerate(apps)]
    pod = make_pod_level("plr", str(budget), str(budget), inits, containers)
    try:
        mgr.allocate_pod(pod, None)
    except AdmissionError as err:
        assert err.reason in ("EmptyPodSharedPoolError", "UnexpectedAdmissionError")
        assert mgr.export(NodeState()).cpu_assignments == before.cpu_assignments
        return
    bubble = mgr.pod_cpus(pod)
    assert bubble is not None and len(bubble) == budget
    exclusive: set[int] = set()
    for c in pod.all_containers:
        cpus = mgr.container_cpus(pod, c)
        assert cpus is not None and cpus <= bubble
        if mgr.isolation(pod, c) == "container":
            assert not (set(cpus) & exclusive), "exclusive containers of one pod overlap"
            exclusive |= set(cpus)
    for c in pod.all_containers:
        if mgr.isolation(pod, c) == "pod":
            assert not (set(mgr.container_cpus(pod, c) or ()) & exclusive)
    _check_invariants(mgr, topology, False)
    mgr.remove_pod(pod.key)
    assert mgr.export(NodeState()) == before


def _literal_hints(policy: StaticPolicy, available: CPUSet, reusable: CPUSet, request: int) -> list[Hint]:
    """generateCPUTopologyHints written out literally (no bitmask tricks), to check the fast one."""
    topo = policy.topology
    numas = sorted({c.numa for c in topo.cpus})
    numa_of = {c.id: c.numa for c in topo.cpus}
    min_affinity = len(numas)
    kept: list[tuple[int, ...]] = []
    for k in range(1, len(numas) + 1):
        for mask in itertools.combinations(numas, k):
            if sum(1 for c in topo.cpus if c.numa in mask) >= request and k < min_affinity:
                min_affinity = k
            if any(numa_of[c] not in mask for c in reusable):
                continue
            if len(reusable) + sum(1 for c in available if numa_of[c] in mask) < request:
                continue
            kept.append(mask)
    out = []
    for mask in kept:
        preferred = len(mask) == min_affinity
        if policy.opts.align_by_socket:
            per_socket = len(numas) // len({c.socket for c in topo.cpus})
            if per_socket:
                min_sockets = (min_affinity + per_socket - 1) // per_socket
                if len({c.socket for c in topo.cpus if c.numa in mask}) == min_sockets:
                    preferred = True
        out.append(Hint(frozenset(mask), preferred))
    return out


@settings(max_examples=80, deadline=None)
@given(
    topology=machines(),
    data=st.data(),
    request=st.integers(1, 20),
    align=st.booleans(),
)
def test_fast_hint_generation_equals_literal(
    topology: Topology, data: st.DataObject, request: int, align: bool
) -> None:
    cpus = sorted(topology.all_cpus)
    available = CPUSet(data.draw(st.lists(st.sampled_from(cpus), unique=True)))
    reusable = CPUSet(data.draw(st.lists(st.sampled_from(cpus), unique=True, max_size=3))) - available
    options = {"align-by-socket": "true"} if align else {}
    try:
        policy = StaticPolicy(topology, 0, None, options, gates=GATES)
    except CPUPolicyError:
        return  # align-by-socket refused on this machine (more sockets than NUMA nodes)
    assert policy.generate_hints(available, reusable, request) == _literal_hints(
        policy, available, reusable, request
    )


def _literal_best_combo(
    free: dict[int, int], numas: list[int], k: int, count: int, group: int
) -> tuple[tuple[int, ...], tuple[int, ...] | None] | None:
    """One k round of takeByTopologyNUMADistributed's search, written as the Go code reads."""
    best_balance = math.inf
    best: tuple[tuple[int, ...], tuple[int, ...] | None] | None = None
    for combo in itertools.combinations(numas, k):
        if best_balance == 0:
            break
        if sum(free[n] for n in combo) < count or sum(free[n] // group for n in combo) * group < count:
            continue
        distribution = (count // k // group) * group
        if any(free[n] < distribution for n in combo):
            continue
        after = dict(free)
        for n in combo:
            after[n] -= distribution
        remainder = count - distribution * k
        remainder_combo = [n for n in combo if after[n] >= group]
        best_local, best_subset = math.inf, None
        if remainder == 0:
            best_local = standard_deviation(list(after.values()))
        for kk in range(len(remainder_combo), 0, -1):
            if remainder <= 0:
                break
            for subset in itertools.combinations(remainder_combo, kk):
                trial, rem = dict(after), remainder
                if sum(trial[n] for n in subset) < rem:
                    continue
                stuck = False
                while rem > 0 and not stuck:
                    stuck = True
                    for n in subset:
                        if rem == 0:
                            break
                        if trial[n] < group:
                            continue
                        trial[n] -= group
                        rem -= group
                        stuck = False
                if stuck:
                    continue
                balance = standard_deviation(list(trial.values()))
                if balance < best_local:
                    best_local, best_subset = balance, subset
        if best_local < best_balance:
            best_balance, best = best_local, (combo, best_subset)
    return best


@settings(max_examples=150, deadline=None)
@given(
    free=st.lists(st.integers(0, 12), min_size=1, max_size=6),
    count=st.integers(1, 40),
    group=st.sampled_from([1, 2, 4]),
    data=st.data(),
)
def test_fast_distributed_search_equals_literal(
    free: list[int], count: int, group: int, data: st.DataObject
) -> None:
    count = max(group, count - count % group)
    k = data.draw(st.integers(1, len(free)))
    numas = list(range(len(free)))
    literal = _literal_best_combo(dict(enumerate(free)), numas, k, count, group)
    assert best_combo(free, k, count, group) == literal


@settings(max_examples=80, deadline=None)
@given(topology=machines(), data=st.data(), request=st.integers(1, 20))
def test_lazy_cpu_hints_preferred_equal_the_listed_ones(
    topology: Topology, data: st.DataObject, request: int
) -> None:
    """The merge reads a lazy list's preferred masks without listing it: they must be exactly
    the preferred hints of the full list."""
    from workbench.admission.bitmask import mask_of_set
    from workbench.admission.hint_list import LazyHints

    cpus = sorted(topology.all_cpus)
    available = CPUSet(data.draw(st.lists(st.sampled_from(cpus), unique=True)))
    reusable = CPUSet(data.draw(st.lists(st.sampled_from(cpus), unique=True, max_size=3))) - available
    policy = StaticPolicy(topology, 0, None, {}, gates=GATES)
    hints = policy.generate_hints(available, reusable, request)
    assert isinstance(hints, LazyHints)
    cheap = hints.preferred_masks()
    assert not hints.listed
    listed = {mask_of_set(h.mask) for h in hints if h.preferred and h.mask is not None}
    assert cheap == listed
    assert hints.has_any() == bool(list(hints))
