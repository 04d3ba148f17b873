"""The shared kubelet topology fixtures (fixtures/topologies/kubelet-*.yaml) are the upstream ones.

Admission tests elsewhere load those files; this checks they describe the same machines as the
CPU manager's own test topologies, so both sets of tests exercise the same thing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cpu_test_topologies import TOPOLOGIES

from workbench.admission.cpu_assignment import take_by_topology
from workbench.topology import load_spec
from workbench.topology.model import Topology

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "topologies"
NAMES = ["topoSingleSocketHT", "topoDualSocketHT", "topoDualSocketNoHT", "topoDualSocketMultiNumaPerSocketHT"]


def _layout(t: Topology) -> set[tuple[int, int, int, int]]:
    # core ids may be renumbered by the loader; compare the sibling groups instead
    first = {core: min(cpus) for core, cpus in t.cpus_by_core.items()}
    return {(c.id, first[c.core], c.socket, c.numa) for c in t.cpus}


@pytest.mark.parametrize("name", NAMES)
def test_fixture_matches_upstream_test_topology(name: str) -> None:
    spec = load_spec(FIXTURES / f"kubelet-{name}.yaml")
    mine = TOPOLOGIES[name]
    assert _layout(spec) == _layout(mine)
    for count in (1, 2, 3, len(mine.cpus) // 2):
        assert take_by_topology(spec, spec.all_cpus, count) == take_by_topology(mine, mine.all_cpus, count)
