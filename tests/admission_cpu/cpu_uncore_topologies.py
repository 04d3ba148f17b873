"""The uncore-cache machines of `TestStaticPolicyAddWithUncoreAlignment`, as `Topology` values.

Transcribed from kubernetes `pkg/kubelet/cm/cpumanager/policy_test.go` (the `topo*Uncore*`
fixtures next to `topoDualSocketHT`). Each upstream fixture lists every CPU as
`{NUMANodeID, SocketID, CoreID, UncoreCacheID}`; they follow simple rules, so they are written
here as the rule with a comment giving it. Where the model cannot hold an upstream fixture as
written, the comment says so:

- topoDualSocketMultiNumaPerSocketUncore repeats `CoreID` across the sockets (CPU c and c+96
  both have core c % 96, no SMT: 192 CPUs, 192 cores). The model needs core ids unique on the
  node, so core = CPU id here; the one case using it takes whole NUMA nodes and never looks at
  cores of the other socket.
- topoSingleSocketSingleNumaPerSocketNoSMTSmallUncore declares `NumCPUs: 128` but lists 64
  CPUs (64 cores, 16 caches): the kubelet derives CPUsPerCore 2 and CPUsPerUncoreCache 8 from
  the header. The model derives the counts from the CPUs it has (1 and 4).
- topoSmallSingleSocketSingleNumaPerSocketNoSMTUncore is not in the stored upstream copy that
  was read (the file is cut off before it); it is reconstructed from its test comments
  ("8 cpus per uncore", four caches each partly used in one case, CPUs 0-27 named): a
  32-CPU, SMT-off, single-socket part with 4 caches of 8 CPUs (an EPYC 9354P-like layout).
"""

from __future__ import annotations

from collections.abc import Callable

from cpu_test_topologies import build

from workbench.topology.model import Topology

Place = Callable[[int], tuple[int, int, int]]  # core or CPU -> (socket, numa, uncore)


def _smt(name: str, cores: int, place: Place) -> Topology:
    """Two threads per core: CPUs c and c + cores are the threads of core c."""
    return build(name, [(c, c % cores, *place(c % cores)) for c in range(2 * cores)])


def _nosmt(name: str, n: int, place: Place) -> Topology:
    """One thread per core: core id = CPU id."""
    return build(name, [(c, c, *place(c)) for c in range(n)])


# dual EPYC 9654 NPS1: 192 cores, 2x SMT, 24 caches of 8 cores; socket = NUMA = core // 96
topoDualSocketSingleNumaPerSocketSMTUncore = _smt(
    "topoDualSocketSingleNumaPerSocketSMTUncore", 192, lambda k: (k // 96, k // 96, k // 8)
)
# 64 cores, 2x SMT, 16 caches of 4 cores
topoSingleSocketSingleNumaPerSocketSMTSmallUncore = _smt(
    "topoSingleSocketSingleNumaPerSocketSMTSmallUncore", 64, lambda k: (0, 0, k // 4)
)
# 64 CPUs listed, no SMT, 16 caches of 4 (header says 128 CPUs: see the module docstring)
topoSingleSocketSingleNumaPerSocketNoSMTSmallUncore = _nosmt(
    "topoSingleSocketSingleNumaPerSocketNoSMTSmallUncore", 64, lambda c: (0, 0, c // 4)
)
# 64 CPUs, no SMT, 2 sockets = 2 NUMA nodes of 32, 8 caches of 8
topoSmallDualSocketSingleNumaPerSocketNoSMTUncore = _nosmt(
    "topoSmallDualSocketSingleNumaPerSocketNoSMTUncore", 64, lambda c: (c // 32, c // 32, c // 8)
)
# 128 cores, 2x SMT, 16 caches of 8 cores
topoLargeSingleSocketSingleNumaPerSocketSMTUncore = _smt(
    "topoLargeSingleSocketSingleNumaPerSocketSMTUncore", 128, lambda k: (0, 0, k // 8)
)
# 192 CPUs, no SMT, 2 sockets, NPS2 (4 NUMA nodes of 48), 24 caches of 8 (core ids: docstring)
topoDualSocketMultiNumaPerSocketUncore = _nosmt(
    "topoDualSocketMultiNumaPerSocketUncore", 192, lambda c: (c // 96, c // 48, c // 8)
)
# dual Xeon, SNC2: 120 cores, 2x SMT, 2 sockets of 60 cores, 4 NUMA nodes of 30, cache = socket
topoDualSocketSubNumaPerSocketHTMonolithicUncore = _smt(
    "topoDualSocketSubNumaPerSocketHTMonolithicUncore", 120, lambda k: (k // 60, k // 30, k // 60)
)
# hybrid part: 8 E-cores (CPUs 0-7, one thread) and 8 P-cores 8-15 whose second threads are
# CPUs 16-23 (CPU c >= 16 is on core c - 8); one cache. 24 CPUs, 16 cores.
topoSingleSocketSingleNumaPerSocketPCoreHTMonolithicUncore = build(
    "topoSingleSocketSingleNumaPerSocketPCoreHTMonolithicUncore",
    [(c, c if c < 16 else c - 8, 0, 0, 0) for c in range(24)],
)
# Ampere Altra 128C: no SMT, 16 caches of 8
topoLargeSingleSocketSingleNumaPerSocketUncore = _nosmt(
    "topoLargeSingleSocketSingleNumaPerSocketUncore", 128, lambda c: (0, 0, c // 8)
)
# Graviton3 64C: no SMT, one cache
topoSingleSocketSingleNumaPerSocketUncore = _nosmt(
    "topoSingleSocketSingleNumaPerSocketUncore", 64, lambda c: (0, 0, 0)
)
# reconstructed (see the module docstring): 32 CPUs, no SMT, 4 caches of 8
topoSmallSingleSocketSingleNumaPerSocketNoSMTUncore = _nosmt(
    "topoSmallSingleSocketSingleNumaPerSocketNoSMTUncore", 32, lambda c: (0, 0, c // 8)
)

UNCORE_TOPOLOGIES: dict[str, Topology] = {
    t.name: t
    for t in (
        topoDualSocketSingleNumaPerSocketSMTUncore,
        topoSingleSocketSingleNumaPerSocketSMTSmallUncore,
        topoSingleSocketSingleNumaPerSocketNoSMTSmallUncore,
        topoSmallDualSocketSingleNumaPerSocketNoSMTUncore,
        topoLargeSingleSocketSingleNumaPerSocketSMTUncore,
        topoDualSocketMultiNumaPerSocketUncore,
        topoDualSocketSubNumaPerSocketHTMonolithicUncore,
        topoSingleSocketSingleNumaPerSocketPCoreHTMonolithicUncore,
        topoLargeSingleSocketSingleNumaPerSocketUncore,
        topoSingleSocketSingleNumaPerSocketUncore,
        topoSmallSingleSocketSingleNumaPerSocketNoSMTUncore,
    )
}
