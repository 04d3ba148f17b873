"""The CPU index belongs to the topology it describes: a new node never gets an old node's index.

Regression for the id()-keyed cache this replaced: CPython reuses the address of a collected
object, so a table keyed by `id(topology)` could hand a fresh topology the index of a dead one
(its CPUs, its sockets), and the picker would then choose CPUs the node does not have.
"""

from __future__ import annotations

import gc
from dataclasses import replace

from cpu_test_topologies import build

from workbench.admission.cpu_assignment import take_by_topology
from workbench.topology.cpuset import CPUSet


def test_short_lived_topologies_each_pick_their_own_cpus() -> None:
    checked = 0
    for n in range(2, 60):
        # a node of n CPUs numbered from 100 * n: no two nodes share a CPU id
        topo = build(f"node-{n}", [(100 * n + c, c, 0, 0, 0) for c in range(n)])
        mine = CPUSet(range(100 * n, 100 * n + n))
        assert take_by_topology(topo, mine, n) == mine
        del topo
        gc.collect()
        checked += 1
    assert checked == 58


def test_a_changed_copy_of_a_topology_gets_a_fresh_index() -> None:
    one_thread_per_core = build("smt-off", [(c, c, c // 4, c // 4, 0) for c in range(8)])
    assert take_by_topology(one_thread_per_core, CPUSet(range(8)), 2) == CPUSet.parse("0-1")
    # the same CPUs with CPU c and c + 4 as the two threads of one core: a 2-CPU pick now
    # takes a whole core, which it can only do from the copy's own index
    paired = replace(
        one_thread_per_core, cpus=tuple(replace(c, core=c.id % 4) for c in one_thread_per_core.cpus)
    )
    assert take_by_topology(paired, CPUSet(range(8)), 2) == CPUSet.parse("0,4")
