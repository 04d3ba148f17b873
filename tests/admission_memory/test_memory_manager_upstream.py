"""The memory manager's Static policy against the kubelet's policy_static_test.go tables."""

from __future__ import annotations

from typing import Any

import pytest
from memory_fixtures import (
    assignments,
    exported_assignments,
    exported_machine,
    hint,
    load,
    machine,
    manager,
    pod,
    sorted_assignments,
)

from workbench.admission import Hint
from workbench.admission.errors import AdmissionError
from workbench.errors import InputError

DATA = load("memorymanager_static_cases.yaml")


def _names(cases: list[dict[str, Any]]) -> list[str]:
    return [c["name"] for c in cases]


@pytest.mark.parametrize("case", DATA["allocate"], ids=_names(DATA["allocate"]))
def test_static_policy_allocate(case: dict[str, Any]) -> None:
    mgr = manager(case)
    p = pod(case["pod"])
    if "expected_error" in case:
        with pytest.raises(AdmissionError) as err:
            mgr.allocate(p, p.containers[0], hint(case["hint"]))
        assert err.value.message == case["expected_error"]
        return
    mgr.allocate(p, p.containers[0], hint(case["hint"]))
    assert exported_assignments(mgr) == sorted_assignments(assignments(case["expected_assignments"]))
    assert exported_machine(mgr) == machine(case["expected_machine"])


INIT_CASES = DATA["allocate_with_init_containers"] + DATA["allocate_with_restartable_init_containers"]


@pytest.mark.parametrize("case", INIT_CASES, ids=_names(INIT_CASES))
def test_static_policy_allocate_with_init_containers(case: dict[str, Any]) -> None:
    mgr = manager(case)
    if "stale_reusable_pod" in case:
        mgr.reusable[case["stale_reusable_pod"]] = {}
    p = pod(case["pod"])
    for c in p.init_containers + p.containers:
        mgr.allocate(p, c, hint(case["hint"]))
    assert case.get("stale_reusable_pod") not in mgr.reusable
    assert exported_assignments(mgr) == sorted_assignments(assignments(case["expected_assignments"]))
    assert exported_machine(mgr) == machine(case["expected_machine"])


@pytest.mark.parametrize("case", DATA["remove_container"], ids=_names(DATA["remove_container"]))
def test_static_policy_remove_container(case: dict[str, Any]) -> None:
    mgr = manager(case)
    mgr.remove_pod("pod1")  # the pod's only container, container1
    assert exported_assignments(mgr) == sorted_assignments(assignments(case["expected_assignments"]))
    assert exported_machine(mgr) == machine(case["expected_machine"])


@pytest.mark.parametrize("case", DATA["get_topology_hints"], ids=_names(DATA["get_topology_hints"]))
def test_static_policy_get_topology_hints(case: dict[str, Any]) -> None:
    mgr = manager(case)
    p = pod(case["pod"])
    got = mgr.container_hints(p, p.containers[0])
    expected = case["expected_hints"]
    if expected is None:
        assert got is None
        return
    assert got is not None
    want = {
        res: [Hint(frozenset(int(n) for n in h.split()[0].split(",")), h.split()[1] == "P") for h in hs]
        for res, hs in expected.items()
    }
    assert {r: list(h or []) for r, h in got.items()} == want


@pytest.mark.parametrize("case", DATA["start"], ids=_names(DATA["start"]))
def test_static_policy_start(case: dict[str, Any]) -> None:
    mgr = manager(case)
    assert mgr.validate_state() == case.get("expected_error")
    if "expected_machine" in case:
        assert exported_machine(mgr) == machine(case["expected_machine"])


@pytest.mark.parametrize("case", DATA["new"], ids=_names(DATA["new"]))
def test_static_policy_new(case: dict[str, Any]) -> None:
    if "expected_error" in case:
        with pytest.raises(InputError, match=r"\[memorymanager\] you should specify"):
            manager(case)
    else:
        assert manager(case).name == "memory"


def test_upstream_case_counts() -> None:
    assert {k: len(v) for k, v in DATA.items()} == {
        "allocate": 8, "allocate_with_init_containers": 4,
        "allocate_with_restartable_init_containers": 2, "remove_container": 3,
        "get_topology_hints": 7, "start": 14, "new": 2,
    }
