"""KEP-5526 README, pod-scope CPU example table (kubelet-semantics §1.3 "Example").

A node whose NUMA node 0 holds CPUs 0-7 without SMT; CPU 0 is reserved, so the pod bubble of 5
CPUs is 1-5 and the containers are carved out of it in order.
"""

from __future__ import annotations

from typing import Any

import pytest
from admit_nodes import config

from workbench.admission.admit import admit
from workbench.kube.model import NodeState, PodSpec
from workbench.kube.pod import pod_from_mapping
from workbench.topology import load_spec

NODE = load_spec(
    {
        "name": "kep-one-numa-8cpu",
        "cpus": [{"id": i, "socket": 0, "numa": 0, "core": i} for i in range(8)],
        "numa_nodes": [{"id": 0, "memory": "32Gi"}],
    }
)


def kep_pod(*exclusive: int | None) -> PodSpec:
    """Pod budget 5 CPUs / 5Gi; c1..c3 exclusive with n CPUs (and n Gi), or None for no requests."""
    containers: list[dict[str, Any]] = []
    for i, n in enumerate(exclusive, start=1):
        c: dict[str, Any] = {"name": f"c{i}"}
        if n is not None:
            amounts = {"cpu": str(n), "memory": f"{n}Gi"}
            c["resources"] = {"requests": amounts, "limits": amounts}
        containers.append(c)
    budget = {"cpu": "5", "memory": "5Gi"}
    doc = {
        "kind": "Pod",
        "metadata": {"name": "kep", "uid": "kep-1"},
        "spec": {"resources": {"requests": budget, "limits": budget}, "containers": containers},
    }
    return pod_from_mapping(doc, "kep")


@pytest.mark.parametrize(
    ("requests", "expected"),
    [
        # pod 5, c1 3, c2 1, c3 1 => c1 {1,2,3}, c2 {4}, c3 {5}
        ((3, 1, 1), {"c1": "1-3", "c2": "4", "c3": "5"}),
        # pod 5, c1 3, c2/c3 no requests => c1 {1,2,3}, c2 = c3 = {4,5}
        ((3, None, None), {"c1": "1-3", "c2": "4-5", "c3": "4-5"}),
        # pod 5, none exclusive => all three {1..5}
        ((None, None, None), {"c1": "1-5", "c2": "1-5", "c3": "1-5"}),
    ],
)
def test_kep_table_pod_scope_partitions_the_bubble(
    requests: tuple[int | None, ...], expected: dict[str, str]
) -> None:
    d = admit(NODE, config("restricted", "pod", memory=False), NodeState(), kep_pod(*requests))
    assert d.admitted, d.message
    assert d.pod is not None and str(d.pod.cpus) == "1-5"
    assert {c.name: str(c.cpus) for c in d.containers} == expected
    for c, n in zip(d.containers, requests, strict=True):
        assert c.isolation == ("container" if n is not None else "pod")
        assert c.exclusive_cpus == (n or 0)
    shared = [c for c in d.containers if c.isolation == "pod"]
    if shared:
        assert str(d.pod.shared_pool) == str(shared[0].cpus)
    assert str(d.default_cpuset) == "0,6-7"


def test_kep_table_empty_shared_pool_best_effort() -> None:
    # pod 5, c1 3, c2 2, c3 none => rejected (empty shared pool)
    d = admit(NODE, config("best-effort", "pod", memory=False), NodeState(), kep_pod(3, 2, None))
    assert not d.admitted
    assert d.reason == "EmptyPodSharedPoolError"
    assert d.message == (
        "Pod was rejected: pod rejected, sum of exclusive container cpu requests equals pod "
        "budget, leaving no cpus for shared containers"
    )
    assert d.state_after == NodeState()


def test_kep_table_empty_shared_pool_restricted() -> None:
    d = admit(NODE, config("restricted", "pod", memory=False), NodeState(), kep_pod(3, 2, None))
    assert (d.admitted, d.reason) == (False, "TopologyAffinityError")
    assert d.message.endswith("failed admission under pod-scope topology manager")
