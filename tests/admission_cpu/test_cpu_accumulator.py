"""The picker's sort orders against cpu_assignment_test.go TestCPUAccumulator* tables.

These pin down the orderings every tie-break of takeByTopology rests on.
"""

from __future__ import annotations

from typing import Any

import pytest
from cpu_test_topologies import TOPOLOGIES

from workbench.admission.cpu_accumulator import CPUAccumulator
from workbench.admission.cpu_index import cpu_index
from workbench.topology.cpuset import CPUSet

S = CPUSet.parse
HT1, HT2 = "topoSingleSocketHT", "topoDualSocketHT"
MULTI, FAKE = "topoDualSocketMultiNumaPerSocketHT", "fakeTopoMultiSocketDualSocketPerNumaHT"


def acc(topo: str, available: str, needed: int = 0) -> CPUAccumulator:
    return CPUAccumulator(cpu_index(TOPOLOGIES[topo]), S(available), needed, spread=False)


def free_units(a: CPUAccumulator, kind: str) -> list[int]:
    if kind == "sockets":
        return [s for s in a.sort_sockets() if a.free_socket.get(s, 0) == len(a.ix.cpus_in_socket[s])]
    if kind == "numa":
        return [n for n in a.sort_numas() if a.free_numa.get(n, 0) == len(a.ix.cpus_in_numa[n])]
    return [c for c in a.sort_cores() if a.free_core.get(c, 0) == len(a.ix.cpus_in_core[c])]


FREE_SOCKETS = [  # TestCPUAccumulatorFreeSockets (the Go test sorts the result)
    ("single socket HT, 1 socket free", HT1, "0-7", [0]),
    ("single socket HT, 0 sockets free", HT1, "1-7", []),
    ("dual socket HT, 2 sockets free", HT2, "0-11", [0, 1]),
    ("dual socket HT, 1 socket free", HT2, "0-9,11", [1]),
    ("dual socket HT, 0 sockets free", HT2, "0,2-9,11", []),
    ("dual socket, multi numa per socket, HT, 2 sockets free", MULTI, "0-79", [0, 1]),
    ("dual socket, multi numa per socket, HT, 1 sockets free", MULTI, "1-79", [1]),
    ("dual socket, multi numa per socket, HT, 0 sockets free", MULTI, "1-78", []),
    ("dual numa, multi socket per per socket, HT, 4 sockets free", FAKE, "0-79", [0, 1, 2, 3]),
    ("dual numa, multi socket per per socket, HT, 3 sockets free", FAKE, "0-19,21-79", [0, 1, 3]),
    ("dual numa, multi socket per per socket, HT, 2 sockets free", FAKE, "0-59,61-78", [0, 1]),
    ("dual numa, multi socket per per socket, HT, 1 sockets free", FAKE, "1-19,21-38,41-60,61-78", [1]),
    ("dual numa, multi socket per per socket, HT, 0 sockets free", FAKE, "0-40,42-49,51-68,71-79", []),
]
FREE_NUMA = [  # TestCPUAccumulatorFreeNUMANodes (order as returned)
    ("single socket HT, 1 NUMA node free", HT1, "0-7", [0]),
    ("single socket HT, 0 NUMA Node free", HT1, "1-7", []),
    ("dual socket HT, 2 NUMA Node free", HT2, "0-11", [0, 1]),
    ("dual socket HT, 1 NUMA Node free", HT2, "0-9,11", [1]),
    ("dual socket HT, 0 NUMA node free", HT2, "0,2-9,11", []),
    ("dual socket, multi numa per socket, HT, 4 NUMA Node free", MULTI, "0-79", [0, 1, 2, 3]),
    ("dual socket, multi numa per socket, HT, 3 NUMA node free", MULTI, "1-79", [1, 2, 3]),
    ("dual socket, multi numa per socket, HT, 2 NUMA node free", MULTI, "1-9,11-79", [2, 3]),
    ("dual socket, multi numa per socket, HT, 1 NUMA node free", MULTI, "1-9,11-59,61-79", [3]),
    ("dual socket, multi numa per socket, HT, 0 NUMA node free", MULTI, "1-9,11-59,61-78", []),
    ("dual numa, multi socket per per socket, HT, 2 NUMA node free", FAKE, "0-79", [0, 1]),
    ("dual numa, multi socket per per socket, HT, 1 NUMA node free", FAKE, "0-9,11-79", [1]),
    ("dual numa, multi socket per per socket, HT, 0 sockets free", FAKE, "0-9,11-59,61-79", []),
]
FREE_BOTH = [  # TestCPUAccumulatorFreeSocketsAndNUMANodes
    (
        "dual socket, multi numa per socket, HT, 2 Socket/4 NUMA Node free",
        MULTI,
        "0-79",
        [0, 1],
        [0, 1, 2, 3],
    ),
    ("dual socket, multi numa per socket, HT, 1 Socket/3 NUMA node free", MULTI, "1-79", [1], [1, 2, 3]),
    ("dual socket, multi numa per socket, HT, 1 Socket/ 2 NUMA node free", MULTI, "1-9,11-79", [1], [2, 3]),
    ("dual socket, multi numa per socket, HT, 0 Socket/ 2 NUMA node free", MULTI, "1-59,61-79", [], [1, 3]),
]
FREE_CORES = [  # TestCPUAccumulatorFreeCores
    ("single socket HT, 4 cores free", HT1, "0-7", [0, 1, 2, 3]),
    ("single socket HT, 3 cores free", HT1, "0,1,2,4,5,6", [0, 1, 2]),
    ("single socket HT, 3 cores free (1 partially consumed)", HT1, "0-6", [0, 1, 2]),
    ("single socket HT, 0 cores free", HT1, "", []),
    ("single socket HT, 0 cores free (4 partially consumed)", HT1, "0-3", []),
    ("dual socket HT, 6 cores free", HT2, "0-11", [0, 2, 4, 1, 3, 5]),
    ("dual socket HT, 5 cores free (1 consumed from socket 0)", HT2, "1-5,7-11", [2, 4, 1, 3, 5]),
    ("dual socket HT, 4 cores free (1 consumed from each socket)", HT2, "2-5,8-11", [2, 4, 3, 5]),
]
FREE_CPUS = [  # TestCPUAccumulatorFreeCPUs
    ("single socket HT, 8 cpus free", HT1, "0-7", [0, 4, 1, 5, 2, 6, 3, 7]),
    ("single socket HT, 5 cpus free", HT1, "3-7", [4, 5, 6, 3, 7]),
    ("dual socket HT, 12 cpus free", HT2, "0-11", [0, 6, 2, 8, 4, 10, 1, 7, 3, 9, 5, 11]),
    ("dual socket HT, 11 cpus free", HT2, "1-11", [6, 2, 8, 4, 10, 1, 7, 3, 9, 5, 11]),
    ("dual socket HT, 10 cpus free", HT2, "1-5,7-11", [2, 8, 4, 10, 1, 7, 3, 9, 5, 11]),
    (
        "triple socket HT, 12 cpus free",
        "topoTripleSocketHT",
        "0-3,6-13",
        [12, 13, 0, 1, 2, 3, 6, 7, 8, 9, 10, 11],
    ),
]


@pytest.mark.parametrize("case", FREE_SOCKETS, ids=lambda c: f"TestCPUAccumulatorFreeSockets: {c[0]}")
def test_free_sockets(case: tuple[Any, ...]) -> None:
    _n, topo, avail, expect = case
    assert sorted(free_units(acc(topo, avail), "sockets")) == expect


@pytest.mark.parametrize("case", FREE_NUMA, ids=lambda c: f"TestCPUAccumulatorFreeNUMANodes: {c[0]}")
def test_free_numa_nodes(case: tuple[Any, ...]) -> None:
    _n, topo, avail, expect = case
    assert free_units(acc(topo, avail), "numa") == expect


@pytest.mark.parametrize(
    "case", FREE_BOTH, ids=lambda c: f"TestCPUAccumulatorFreeSocketsAndNUMANodes: {c[0]}"
)
def test_free_sockets_and_numa_nodes(case: tuple[Any, ...]) -> None:
    _n, topo, avail, sockets, numas = case
    a = acc(topo, avail)
    assert free_units(a, "numa") == numas
    assert free_units(a, "sockets") == sockets


@pytest.mark.parametrize("case", FREE_CORES, ids=lambda c: f"TestCPUAccumulatorFreeCores: {c[0]}")
def test_free_cores(case: tuple[Any, ...]) -> None:
    _n, topo, avail, expect = case
    assert free_units(acc(topo, avail), "cores") == expect


@pytest.mark.parametrize("case", FREE_CPUS, ids=lambda c: f"TestCPUAccumulatorFreeCPUs: {c[0]}")
def test_free_cpus_order(case: tuple[Any, ...]) -> None:
    _n, topo, avail, expect = case
    assert acc(topo, avail).sort_cpus() == expect


TAKE = [  # TestCPUAccumulatorTake: (name, available, takes, needed, satisfied, failed)
    ("take 0 cpus from a single socket HT, require 1", "0-7", [""], 1, False, False),
    ("take 0 cpus from a single socket HT, require 1, none available", "", [""], 1, False, True),
    ("take 1 cpu from a single socket HT, require 1", "0-7", ["0"], 1, True, False),
    ("take 1 cpu from a single socket HT, require 2", "0-7", ["0"], 2, False, False),
    ("take 2 cpu from a single socket HT, require 4, expect failed", "0,1,2", ["0", "1"], 4, False, True),
    (
        "take all cpus one at a time from a single socket HT, require 8",
        "0-7",
        [str(i) for i in range(8)],
        8,
        True,
        False,
    ),
]


@pytest.mark.parametrize("case", TAKE, ids=lambda c: f"TestCPUAccumulatorTake: {c[0]}")
def test_accumulator_take(case: tuple[Any, ...]) -> None:
    _n, avail, takes, needed, satisfied, failed = case
    a = acc(HT1, avail, needed)
    for t in takes:
        a.take(S(t))
    assert a.satisfied() == satisfied
    assert a.failed() == failed
    taken = set().union(*(S(t) for t in takes))
    assert not (taken & a.avail) and taken <= a.result
    assert a.needed == needed - len(taken)
