"""takeByTopology against the kubelet's own cpu_assignment_test.go tables (data/take_by_topology.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from cpu_test_topologies import TOPOLOGIES

from workbench.admission.cpu_assignment import take_by_topology, take_distributed, take_packed
from workbench.admission.cpu_index import cpu_index
from workbench.admission.errors import AllocationError
from workbench.topology.cpuset import CPUSet

DATA = yaml.safe_load((Path(__file__).parent / "data" / "take_by_topology.yaml").read_text())
CASES: list[dict[str, Any]] = DATA["cases"]
TESTS_DIST = "TestTakeByTopologyNUMADistributed"


def _label(case: dict[str, Any]) -> str:
    return f"{case['test']}: {case['name']}"


def _check(case: dict[str, Any], run: Any) -> None:
    available = CPUSet.parse(case["available"])
    if "error" in case:
        with pytest.raises(AllocationError) as err:
            run(available)
        assert err.value.message == case["error"]
        assert err.value.reason == "UnexpectedAdmissionError"
    else:
        assert run(available) == CPUSet.parse(case["expect"])


@pytest.mark.parametrize("case", [c for c in CASES if c["test"] != TESTS_DIST], ids=_label)
def test_take_by_topology_matches_kubelet(case: dict[str, Any]) -> None:
    topo = TOPOLOGIES[case["topology"]]
    options = case.get("options", [])
    _check(case, lambda avail: take_by_topology(topo, avail, case["count"], options=options))


@pytest.mark.parametrize("case", [c for c in CASES if c["test"] in (TESTS_DIST, "common")], ids=_label)
def test_take_by_topology_numa_distributed_matches_kubelet(case: dict[str, Any]) -> None:
    # upstream calls takeByTopologyNUMADistributed directly with the case's cpuGroupSize
    index = cpu_index(TOPOLOGIES[case["topology"]])
    group = case.get("group", 1)
    _check(case, lambda avail: take_distributed(index, avail, case["count"], group))


def test_full_pcpus_only_groups_by_core_when_distributing() -> None:
    # staticPolicy.takeByTopology: cpuGroupSize = CPUsPerCore only with full-pcpus-only
    topo = TOPOLOGIES["topoDualSocketMultiNumaPerSocketHT"]
    avail = CPUSet.parse("0-79")
    with_full = take_by_topology(topo, avail, 26, options=["distribute-cpus-across-numa", "full-pcpus-only"])
    assert with_full == CPUSet.parse("0-6,10-15,40-46,50-55")
    assert take_by_topology(topo, avail, 26, options=["distribute-cpus-across-numa"]) == CPUSet.parse(
        "0-6,10-16,40-45,50-55"
    )


def test_packed_and_default_options_agree() -> None:
    topo = TOPOLOGIES["topoQuadSocketFourWayHT"]
    index = cpu_index(topo)
    avail = CPUSet.parse("0-287")
    assert take_packed(index, avail, 13) == take_by_topology(topo, avail, 13)


def test_public_api_names() -> None:
    # issue 4 API: workbench.admission.take_by_topology and workbench.admission.AllocationError
    import workbench.admission as admission

    topo = TOPOLOGIES["topoSingleSocketHT"]
    assert admission.take_by_topology(topo, CPUSet.parse("0-7"), 2) == CPUSet.parse("0,4")
    with pytest.raises(admission.AllocationError):
        admission.take_by_topology(topo, CPUSet.parse("0-1"), 3)
