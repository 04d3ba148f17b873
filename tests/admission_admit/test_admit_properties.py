"""Properties of admission over random sequences of pods on the 2-socket SNC node.

- admitting a pod and then releasing it gives back the state it was admitted on;
- pods admitted one after another never share an exclusive CPU or a pod bubble, never get a
  reserved CPU, and the node shared pool never holds a CPU that a pod owns;
- with a preferred merged hint, exclusive CPUs stay inside the hinted NUMA nodes;
- a rejection leaves the state untouched.
"""

from __future__ import annotations

from itertools import combinations

from admit_nodes import classic_pod, comparable, config, simple_pod, topology
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.admission.admit import admit, release
from workbench.admission.topology_admit import build_managers
from workbench.kube.model import NodeConfig, NodeState, PodSpec
from workbench.topology.cpuset import CPUSet

SNC = topology("intel-2s-snc")
CONFIGS = {
    (policy, scope): config(policy, scope)
    for policy in ("best-effort", "restricted", "single-numa-node")
    for scope in ("container", "pod")
}

pod_specs = st.tuples(
    st.sampled_from(["level", "level-shared", "classic"]),
    st.integers(min_value=1, max_value=12),
)
sequences = st.lists(pod_specs, min_size=1, max_size=8)
configs = st.sampled_from(sorted(CONFIGS))


def build(i: int, kind: str, cpus: int) -> PodSpec:
    name = f"p{i}"
    if kind == "classic":
        return classic_pod(name, cpus)
    return simple_pod(name, cpus, shared=kind == "level-shared")


def fresh(cfg: NodeConfig) -> NodeState:
    """The exported form of an empty node (explicit default set and memory tables)."""
    return release(SNC, cfg, NodeState(), "nobody")


def owned(state: NodeState, uid: str) -> CPUSet:
    cpus = state.pod_cpusets.get(uid, CPUSet())
    for per in state.cpu_assignments.get(uid, {}).values():
        cpus = cpus.union(per)
    return cpus


@settings(max_examples=25, deadline=None)
@given(seq=sequences, which=configs)
def test_admit_then_release_restores_the_state(seq: list[tuple[str, int]], which: tuple[str, str]) -> None:
    cfg = CONFIGS[which]
    state = fresh(cfg)
    for i, (kind, cpus) in enumerate(seq):
        p = build(i, kind, cpus)
        d = admit(SNC, cfg, state, p, advise=False)
        if not d.admitted:
            assert d.state_after is state
            continue
        back = release(SNC, cfg, d.state_after, p.key)
        assert comparable(back) == comparable(state)
        assert p.key not in back.pods
        state = d.state_after


def test_allocations_never_overlap() -> None:
    """Exclusive sets never overlap, never touch reserved or shared CPUs, and every container
    placed under a preferred hint sits on that hint's NUMA nodes; the alignment check must run
    (it counts the containers it checked and requires some)."""
    aligned_checked = 0

    @settings(max_examples=25, deadline=None)
    @given(seq=sequences, which=configs)
    def run(seq: list[tuple[str, int]], which: tuple[str, str]) -> None:
        nonlocal aligned_checked
        cfg = CONFIGS[which]
        state = fresh(cfg)
        reserved = build_managers(SNC, cfg, state).cpu.reserved
        assert reserved
        for i, (kind, cpus) in enumerate(seq):
            d = admit(SNC, cfg, state, build(i, kind, cpus), advise=False)
            if not d.admitted:
                continue
            state = d.state_after
            for c in d.containers:
                hint = c.hint or d.hint  # scope container: each container's own merged hint
                if c.isolation != "host" and hint is not None and hint.preferred and hint.mask is not None:
                    assert c.cpus <= SNC.cpus_in_numa(hint.mask), (c.name, str(c.cpus), hint)
                    aligned_checked += 1
            uids = [u for u in state.pod_uids() if owned(state, u)]
            for a, b in combinations(uids, 2):
                assert owned(state, a).isdisjoint(owned(state, b)), (a, b)
            for u in uids:
                assert owned(state, u).isdisjoint(reserved)
                assert owned(state, u).isdisjoint(state.default_cpuset or CPUSet())
            owned_all = CPUSet().union(*(owned(state, u) for u in uids))
            everything = owned_all.union(state.default_cpuset or CPUSet())
            assert everything == SNC.all_cpus

    run()
    assert aligned_checked > 0, "no pinned container had a preferred hint: alignment was never checked"
