"""The fast merge must give the literal cross-product merge's answer on any input."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from workbench.admission import Hint, merge_hints, merge_lattice
from workbench.admission.merge import filter_providers_hints, merge_hints_literal

POLICIES = ["best-effort", "restricted", "single-numa-node", "none"]


@st.composite
def merge_inputs(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.sampled_from([1, 2, 3, 4, 8, 12, 16]))
    # Occasionally NUMA ids that are not 0..n-1 (sparse node numbering).
    base = draw(st.sampled_from([0, 0, 0, 3]))
    nodes = [base + 2 * i if base else i for i in range(n)]
    if nodes[-1] >= 64:
        nodes = list(range(n))
    mask = st.frozensets(st.sampled_from(nodes), min_size=0, max_size=n)
    # Now and then a bit outside the machine's nodes, as a misbehaving provider could send.
    stray = st.frozensets(st.integers(0, 20), min_size=1, max_size=3)
    hint = st.builds(
        Hint,
        st.one_of(st.none(), mask, mask, mask, stray),
        st.booleans(),
    )
    resource_hints = st.one_of(st.none(), st.just([]), st.lists(hint, min_size=1, max_size=6))
    provider = st.one_of(
        st.none(),
        st.just({}),
        st.dictionaries(st.sampled_from(["cpu", "memory", "hugepages-2Mi", "gpu"]), resource_hints,
                        min_size=1, max_size=3),
    )
    providers = draw(st.lists(provider, min_size=0, max_size=3))
    # Keep the literal cross product small enough to enumerate quickly.
    size = 1
    for hints in filter_providers_hints(providers):
        size *= len(hints)
    assume(size <= 1000)
    distances = {
        a: {b: 10 if a == b else draw(st.integers(11, 14)) for b in nodes} for a in nodes
    }
    return {
        "providers": providers,
        "policy": draw(st.sampled_from(POLICIES)),
        "numa_nodes": nodes,
        "options": {"prefer-closest-numa-nodes": draw(st.booleans())},
        "distances": distances,
    }


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(merge_inputs())
def test_fast_merge_equals_literal(args: dict[str, Any]) -> None:
    assert merge_hints(**args) == merge_hints_literal(**args)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(merge_inputs())
def test_fast_merge_equals_literal_through_the_lattice(args: dict[str, Any]) -> None:
    """Same property with the subset-lattice path forced for every step."""
    saved = merge_lattice._DIRECT_LIMIT
    merge_lattice._DIRECT_LIMIT = 0
    try:
        assert merge_hints(**args) == merge_hints_literal(**args)
    finally:
        merge_lattice._DIRECT_LIMIT = saved


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 16).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.sets(st.integers(1, (1 << n) - 1), min_size=1, max_size=200),
            st.sets(st.integers(1, (1 << n) - 1), min_size=1, max_size=200),
        )
    )
)
def test_lattice_step_equals_direct_product(data: tuple[int, set[int], set[int]]) -> None:
    n, a, b = data
    direct = {x & y for x in a for y in b}
    assert merge_lattice._lattice_step(a, b, list(range(n))) == direct


def test_sixteen_nodes_full_lists_without_preferred_alignment() -> None:
    """The kubelet's worst case: every mask offered, preferred on different nodes per resource."""
    nodes = list(range(16))
    full = [frozenset(i for i in nodes if m >> i & 1) for m in range(1, 1 << 16)]
    cpu = [Hint(m, m == frozenset({0})) for m in full]
    mem = [Hint(m, m == frozenset({1})) for m in full]
    got = merge_hints([{"cpu": cpu}, {"memory": mem}], policy="best-effort", numa_nodes=nodes,
                      options={"max-allowable-numa-nodes": "16"})
    # No preferred merge exists; bestNonPreferredAffinityCount is 1, so the lowest single node wins.
    assert got == Hint(frozenset({0}), False)


@pytest.mark.parametrize("policy", ["best-effort", "restricted"])
def test_sixteen_nodes_preferred_path(policy: str) -> None:
    nodes = list(range(16))
    full = [frozenset(i for i in nodes if m >> i & 1) for m in range(1, 1 << 16)]
    cpu = [Hint(m, len(m) == 1 and 5 not in m) for m in full]
    mem = [Hint(m, len(m) == 1 and 0 not in m) for m in full]
    got = merge_hints([{"cpu": cpu}, {"memory": mem}], policy=policy, numa_nodes=nodes)
    assert got == Hint(frozenset({1}), True)
