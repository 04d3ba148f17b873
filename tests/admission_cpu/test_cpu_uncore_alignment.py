"""`TestStaticPolicyAddWithUncoreAlignment` (kubernetes `cpumanager/policy_static_test.go`).

The table is data (`data/uncore_alignment.yaml`), the machines are `cpu_uncore_topologies`;
the check is the Go test's: a static policy with the case's reserved CPUs and options, the
shared pool minus the reserved CPUs, every app container allocated in order with no NUMA hint
(the fake topology manager's empty affinity), then either the first container's CPUs or the
set of uncore caches that the pod's CPUs sit in.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from cpu_test_pods import make_multi_container_pod
from cpu_uncore_topologies import UNCORE_TOPOLOGIES

from workbench.admission.cpu_static_policy import CPUState, StaticPolicy
from workbench.topology.cpuset import CPUSet

TEST = "TestStaticPolicyAddWithUncoreAlignment"
DATA = Path(__file__).parent / "data/uncore_alignment.yaml"
CASES: list[dict[str, Any]] = yaml.safe_load(DATA.read_text())
OPTIONS = {
    "F": "full-pcpus-only",
    "U": "prefer-align-cpus-by-uncorecache",
    "S": "strict-cpu-reservation",
}
ALPHA = {"CPUManagerPolicyAlphaOptions": True}


def _default(case: dict[str, Any]) -> CPUSet:
    spec = case["default"]
    topo = UNCORE_TOPOLOGIES[spec.get("of", case["topology"])]
    cpus = topo.all_cpus
    for u in spec.get("minus_uncores", ()):
        cpus = cpus - CPUSet(c.id for c in topo.cpus if c.l3 == u)
    return cpus - CPUSet.parse(spec.get("minus", ""))


def _case_id(case: dict[str, Any]) -> str:
    suffix = f" #{case['duplicate_name']}" if "duplicate_name" in case else ""
    return f"{TEST}: {case['name']}{suffix}"


def test_table_is_complete() -> None:
    assert len(CASES) == 27
    assert all(("expect_uncores" in c) or ("expect_cpus" in c) for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=_case_id)
def test_uncore_alignment_matches_kubelet(case: dict[str, Any]) -> None:
    topo = UNCORE_TOPOLOGIES[case["topology"]]
    count, reserved = case["reserved"]
    options = {OPTIONS[o]: "true" for o in case["options"]}
    policy = StaticPolicy(topo, count, CPUSet.parse(reserved), options, gates=ALPHA)
    policy.state = CPUState(_default(case) - CPUSet.parse(reserved), {})
    apps = [(f"{n}000m", f"{n}000m") for n in case["containers"]]
    pod = make_multi_container_pod([], apps, uid="uncore-pod")
    for container in pod.containers:
        policy.allocate(pod, container, None)
    got = [policy.state.get(pod.key, c.name) for c in pod.containers]
    assert all(g is not None for g in got), "every container gets exclusive CPUs"
    if "expect_cpus" in case:
        assert got[0] == CPUSet.parse(case["expect_cpus"])
    if "expect_uncores" in case:
        uncores = {topo.cpu_by_id[c].l3 for cs in got if cs is not None for c in cs}
        assert uncores == set(case["expect_uncores"])
