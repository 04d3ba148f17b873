"""The topology manager's merge against the kubelet's own test tables (transcribed as data)."""

from __future__ import annotations

from typing import Any

import pytest
from merge_notation import hint, load, providers

from workbench.admission import Hint, merge_hints
from workbench.admission.bitmask import mask_of
from workbench.admission.merge import (
    HintMerger,
    RawHint,
    filter_single_numa_hints,
    max_of_min_affinity_counts,
    merge_hints_literal,
    numa_limit_error,
    policy_admits,
)

DATA = load("topologymanager_merge_cases.yaml")


def _suite_cases() -> list[Any]:
    cases = []
    for suite, spec in DATA["suites"].items():
        for table in spec["tables"]:
            for i, case in enumerate(DATA["tables"][table]):
                cases.append(
                    pytest.param(spec, case, id=f"{suite}/{table}[{i}] {case['name']}")
                )
    return cases


@pytest.mark.parametrize(("spec", "case"), _suite_cases())
def test_upstream_policy_merge(spec: dict[str, Any], case: dict[str, Any]) -> None:
    info = DATA["numa_info"][spec["numa"]]
    nodes = info["nodes"]
    distances = {a: dict(enumerate(row)) for a, row in info["distances"].items()}
    options = {"prefer-closest-numa-nodes": spec["prefer_closest"]}
    expected = hint(case["expected"], nodes)
    kwargs: dict[str, Any] = {
        "policy": spec["policy"], "numa_nodes": nodes, "options": options, "distances": distances
    }
    assert merge_hints_literal(providers(case["providers"]), **kwargs) == expected
    assert merge_hints(providers(case["providers"]), **kwargs) == expected


def test_upstream_case_counts() -> None:
    """The transcription holds every merge case of the upstream tables."""
    counts = {name: len(rows) for name, rows in DATA["tables"].items()}
    assert counts == {
        "common": 9, "bestEffort": 17, "bestEffortNoPolicies": 2,
        "bestEffortClosestNUMA": 4, "singleNumaNode": 12,
    }


def _raw(text: str | None) -> RawHint | None:
    if text is None:
        return None
    h = hint(text)
    return RawHint(None if h.mask is None else mask_of(h.mask), h.preferred)


@pytest.mark.parametrize("case", DATA["compare_narrowest"], ids=lambda c: c["name"])
def test_upstream_compare_hints_narrowest(case: dict[str, Any]) -> None:
    merger = HintMerger([], [], "best-effort")
    merger.best_non_preferred_affinity_count = case["target"]
    current, candidate = _raw(case["current"]), _raw(case["candidate"])
    assert candidate is not None
    result = merger.compare(current, candidate)
    assert result is (current if case["expected"] == "current" else candidate)


@pytest.mark.parametrize("case", DATA["max_of_min_affinity_counts"])
def test_upstream_max_of_min_affinity_counts(case: dict[str, Any]) -> None:
    lists = [[hint(h) for h in hs] for hs in case["hints"]]
    assert max_of_min_affinity_counts(lists) == case["expected"]


@pytest.mark.parametrize("case", DATA["single_numa_filter"], ids=lambda c: c["name"])
def test_upstream_single_numa_filter(case: dict[str, Any]) -> None:
    lists = [[hint(h) for h in hs] for hs in case["all"]]
    expected = [[hint(h) for h in hs] for hs in case["expected"]]
    assert filter_single_numa_hints(lists) == expected


@pytest.mark.parametrize(
    ("policy", "preferred", "admit"),
    [
        # TestPolicyBestEffortCanAdmitPodResult
        ("best-effort", False, True), ("best-effort", True, True),
        # TestPolicyRestrictedCanAdmitPodResult
        ("restricted", False, False), ("restricted", True, True),
        # TestPolicySingleNumaNodeCanAdmitPodResult
        ("single-numa-node", False, False),
        # policy_none.go: always admits
        ("none", False, True),
    ],
)
def test_upstream_can_admit_pod_result(policy: str, preferred: bool, admit: bool) -> None:
    assert policy_admits(policy, Hint(None, preferred)) is admit


def test_policy_none_merges_nothing() -> None:
    provs: list[dict[str, list[Hint] | None] | None] = [{"cpu": [Hint(frozenset({0}), True)]}]
    assert merge_hints(provs, policy="none", numa_nodes=[0, 1]) == Hint(None, False)


MINIMUM = 'the minimum value of "max-allowable-numa-nodes" should not be less than 8'
NOT_A_NUMBER = (
    'unable to convert policy option to integer "max-allowable-numa-nodes": strconv.Atoi: parsing "x": '
    "invalid syntax"
)


@pytest.mark.parametrize(
    ("nodes", "options", "error"),
    [
        (8, None, None),
        (9, None, "unsupported on machines with more than 8 NUMA Nodes"),
        (16, {"max-allowable-numa-nodes": "16"}, None),
        (16, {"max-allowable-numa-nodes": "12"}, "unsupported on machines with more than 12 NUMA Nodes"),
        # NewPolicyOptions refuses a value under the default: the kubelet does not start
        (8, {"max-allowable-numa-nodes": "4"}, MINIMUM),
        (2, {"max-allowable-numa-nodes": "x"}, NOT_A_NUMBER),
    ],
)
def test_max_allowable_numa_nodes(nodes: int, options: dict[str, str] | None, error: str | None) -> None:
    assert numa_limit_error(list(range(nodes)), options) == error


def test_prefer_closest_picks_the_nearer_pair_single_numa_node_ignores_it() -> None:
    # nodes 0-3: 0,1 close (11), 2,3 close (11), cross 30; masks {0,2} and {2,3} both preferred
    dist = {a: {b: 10 if a == b else (11 if a // 2 == b // 2 else 30) for b in range(4)} for a in range(4)}
    provs: list[dict[str, list[Hint] | None] | None] = [
        {"cpu": [Hint(frozenset({0, 2}), True), Hint(frozenset({2, 3}), True)]}
    ]
    opts = {"prefer-closest-numa-nodes": "true"}
    got = merge_hints(provs, policy="best-effort", numa_nodes=[0, 1, 2, 3], options=opts, distances=dist)
    assert got == Hint(frozenset({2, 3}), True)
    plain = merge_hints(provs, policy="best-effort", numa_nodes=[0, 1, 2, 3], distances=dist)
    assert plain == Hint(frozenset({0, 2}), True)


def test_unknown_policy_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown topology manager policy"):
        merge_hints([], policy="strict", numa_nodes=[0])
