"""Which CPUs the kubelet's static CPU manager policy picks: `takeByTopology`, exactly.

A transcription of kubernetes `pkg/kubelet/cm/cpumanager/cpu_assignment.go`
(`takeByTopologyNUMAPacked`, `takeByTopologyNUMADistributed`, the `cpuAccumulator`).
Ties are broken the way the Go code breaks them, because a different but "equally good"
pick is a wrong answer for a preview: the operator will compare it with the real node.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from itertools import combinations
from typing import TypeVar

from workbench.admission.cpu_index import CPUIndex, cpu_index
from workbench.admission.errors import AllocationError
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology

FULL_PCPUS_ONLY = "full-pcpus-only"
DISTRIBUTE_CPUS_ACROSS_NUMA = "distribute-cpus-across-numa"
DISTRIBUTE_CPUS_ACROSS_CORES = "distribute-cpus-across-cores"
PREFER_ALIGN_BY_UNCORECACHE = "prefer-align-cpus-by-uncorecache"
ALIGN_BY_SOCKET = "align-by-socket"
K = TypeVar("K", bound=Hashable)
STRICT_CPU_RESERVATION = "strict-cpu-reservation"


def take_by_topology(
    topology: Topology, available: Iterable[int], count: int, *, options: Iterable[str] = ()
) -> CPUSet:
    """`staticPolicy.takeByTopology`: `count` CPUs out of `available`, as the kubelet picks them.

    `options` are the CPU manager policy options that are switched on. Raises
    `AllocationError` carrying the kubelet's message when the request cannot be met.
    """
    opts = set(options)
    index = cpu_index(topology)
    spread = DISTRIBUTE_CPUS_ACROSS_CORES in opts
    if DISTRIBUTE_CPUS_ACROSS_NUMA in opts:
        group = index.cpus_per_core if FULL_PCPUS_ONLY in opts else 1
        return take_distributed(index, available, count, group, spread=spread)
    return take_packed(index, available, count, spread=spread, uncore=PREFER_ALIGN_BY_UNCORECACHE in opts)


def _not_enough(requested: int, available: int) -> AllocationError:
    return AllocationError(
        f"not enough cpus available to satisfy request: requested={requested}, available={available}"
    )


def _round3(x: float) -> float:
    """Go's `math.Round(x*1000)/1000`: halves round away from zero (Python's round() does not)."""
    y = x * 1000
    r = math.trunc(y)
    if abs(y - r) >= 0.5:
        r += 1 if y > 0 else -1
    return r / 1000


def _standard_deviation(xs: list[int]) -> float:
    m = _round3(sum(float(x) for x in xs) / len(xs))
    s = math.sqrt(sum((float(x) - m) * (float(x) - m) for x in xs) / len(xs))
    return _round3(s)


def _counts(avail: set[int], groups: Mapping[K, tuple[int, ...]]) -> dict[K, int]:
    """Free CPUs per unit, only for units with at least one."""
    out: dict[K, int] = {}
    for key, cpus in groups.items():
        n = len(avail.intersection(cpus))
        if n:
            out[key] = n
    return out


class _Accumulator:
    """`cpuAccumulator`: free CPUs, what is still needed, what was taken, per-unit free counts."""

    def __init__(self, index: CPUIndex, available: Iterable[int], needed: int, *, spread: bool) -> None:
        self.ix = index
        self.avail: set[int] = set(index.cpu_set.intersection(available))
        self.needed = needed
        self.result: set[int] = set()
        self.spread = spread
        a = self.avail
        self.free_core = _counts(a, index.cpus_in_core)
        self.free_socket = _counts(a, index.cpus_in_socket)
        self.free_numa = _counts(a, index.cpus_in_numa)
        self.free_uncore = _counts(a, index.cpus_in_uncore)
        self.free_numa_socket = _counts(a, index.cpus_in_numa_socket)
        self.free_numa_uncore = _counts(a, index.cpus_in_numa_uncore)

    def _uncount(self, c: int) -> None:
        ix = self.ix
        core, socket, numa, uncore = ix.core_of[c], ix.socket_of[c], ix.numa_of[c], ix.uncore_of[c]
        self.free_core[core] -= 1
        self.free_socket[socket] -= 1
        self.free_numa[numa] -= 1
        self.free_uncore[uncore] -= 1
        self.free_numa_socket[(numa, socket)] -= 1
        self.free_numa_uncore[(numa, uncore)] -= 1

    # ---- state ----------------------------------------------------------------------
    def take(self, cpus: Iterable[int]) -> None:
        taken = list(cpus)
        for c in taken:
            if c in self.avail:
                self.avail.discard(c)
                self._uncount(c)
        self.result.update(taken)
        # Go subtracts the size of the set handed in, even for CPUs it already held.
        self.needed -= len(set(taken))

    def satisfied(self) -> bool:
        return self.needed < 1

    def failed(self) -> bool:
        return self.needed > len(self.avail)

    def avail_in(self, cpus: Iterable[int]) -> list[int]:
        a = self.avail
        return [c for c in cpus if c in a]

    # ---- sorting ------------------------------------------------------------------------
    @staticmethod
    def _sort(ids: Iterable[int], free: dict[int, int]) -> list[int]:
        # ascending number of free CPUs, ties by ascending id
        return sorted(ids, key=lambda i: (free.get(i, 0), i))

    def sort_numas(self) -> list[int]:
        if self.ix.numa_first:
            return self._sort((n for n, k in self.free_numa.items() if k > 0), self.free_numa)
        out: list[int] = []
        for s in self.sort_sockets():
            numas = (
                n for n in self.ix.numas_in_socket.get(s, ()) if self.free_numa_socket.get((n, s), 0) > 0
            )
            out.extend(self._sort(numas, self.free_numa))
        return out

    def sort_sockets(self) -> list[int]:
        if not self.ix.numa_first:
            return self._sort((s for s, k in self.free_socket.items() if k > 0), self.free_socket)
        out: list[int] = []
        for n in self.sort_numas():
            socks = (
                s for s in self.ix.sockets_in_numa.get(n, ()) if self.free_numa_socket.get((n, s), 0) > 0
            )
            out.extend(self._sort(socks, self.free_socket))
        return out

    def sort_cores(self) -> list[int]:
        out: list[int] = []
        fc = self.free_core
        if self.ix.numa_first:
            for s in self.sort_sockets():
                cores = (c for c in self.ix.cores_in_socket.get(s, ()) if fc.get(c, 0) > 0)
                out.extend(self._sort(cores, fc))
        else:
            for n in self.sort_numas():
                cores = (c for c in self.ix.cores_in_numa.get(n, ()) if fc.get(c, 0) > 0)
                out.extend(self._sort(cores, fc))
        return out

    def sort_uncores(self) -> list[int]:
        out: list[int] = []
        for n in self.sort_numas():
            us = (u for u in self.ix.uncores_in_numa.get(n, ()) if self.free_numa_uncore.get((n, u), 0) > 0)
            out.extend(self._sort(us, self.free_uncore))
        return out

    def sort_cpus(self) -> list[int]:
        """packed: core by core in `sort_cores` order; spread: socket by socket, ids ascending."""
        out: list[int] = []
        if self.spread:
            for s in self.sort_sockets():
                out.extend(self.avail_in(self.ix.cpus_in_socket[s]))
        else:
            for c in self.sort_cores():
                out.extend(self.avail_in(self.ix.cpus_in_core[c]))
        return out

    # ---- taking whole units -------------------------------------------------------------
    def _take_full(
        self, units: list[int], free: dict[int, int], cpus_in: Callable[[int], tuple[int, ...]]
    ) -> None:
        whole = [u for u in units if free.get(u, 0) == len(cpus_in(u))]
        for u in whole:
            cpus = cpus_in(u)
            if self.needed >= len(cpus):
                self.take(cpus)

    def take_full_numas(self) -> None:
        self._take_full(self.sort_numas(), self.free_numa, self.ix.cpus_in_numa.__getitem__)

    def take_full_sockets(self) -> None:
        self._take_full(self.sort_sockets(), self.free_socket, self.ix.cpus_in_socket.__getitem__)

    def take_full_cores(self) -> None:
        self._take_full(self.sort_cores(), self.free_core, self.ix.cpus_in_core.__getitem__)

    def take_full_uncores(self) -> None:
        self._take_full(self.sort_uncores(), self.free_uncore, self.ix.cpus_in_uncore.__getitem__)

    def take_partial_uncore(self, uncore: int) -> None:
        per_core = self.ix.cpus_per_core
        cores_needed = (self.needed + per_core - 1) // per_core
        cores = sorted(c for c in self.ix.cores_in_uncore.get(uncore, ()) if self.free_core.get(c, 0) > 0)
        chosen = cores[:cores_needed] if len(cores) > cores_needed else cores
        free_cpus = sorted(x for c in chosen for x in self.avail_in(self.ix.cpus_in_core[c]))
        # An odd remaining need on SMT leaves the last thread of the last core behind.
        if self.needed % 2 != 0 and per_core > 1 and len(free_cpus) > self.needed:
            free_cpus = free_cpus[:-1]
        if self.needed == len(free_cpus):
            self.take(free_cpus)

    def take_uncore_caches(self) -> None:
        for u in self.sort_uncores():
            if self.needed >= len(self.ix.cpus_in_uncore[u]):
                self.take_full_uncores()
            if self.satisfied():
                return
            self.take_partial_uncore(u)
            if self.satisfied():
                return

    def take_remaining(self) -> None:
        for c in self.sort_cpus():
            self.take((c,))
            if self.satisfied():
                return


def take_packed(
    index: CPUIndex, available: Iterable[int], count: int, *, spread: bool = False, uncore: bool = False
) -> CPUSet:
    """`takeByTopologyNUMAPacked`."""
    avail = available if isinstance(available, CPUSet) else CPUSet(available)
    acc = _Accumulator(index, avail, count, spread=spread)
    if acc.satisfied():
        return CPUSet()
    if acc.failed():
        raise _not_enough(count, len(avail))
    if index.numa_first:
        acc.take_full_numas()
        if acc.satisfied():
            return CPUSet(acc.result)
        acc.take_full_sockets()
    else:
        acc.take_full_sockets()
        if acc.satisfied():
            return CPUSet(acc.result)
        acc.take_full_numas()
    if acc.satisfied():
        return CPUSet(acc.result)
    if uncore:
        acc.take_uncore_caches()
        if acc.satisfied():
            return CPUSet(acc.result)
    if not spread:
        acc.take_full_cores()
        if acc.satisfied():
            return CPUSet(acc.result)
    acc.take_remaining()
    if acc.satisfied():
        return CPUSet(acc.result)
    raise AllocationError("failed to allocate cpus")


def _numa_range(acc: _Accumulator, group: int) -> tuple[int, int]:
    """`rangeNUMANodesNeededToSatisfy`."""
    ix = acc.ix
    numa_available = sum(1 for k in acc.free_numa.values() if k > 0)
    groups = (ix.num_cpus - 1) // group + 1
    per_numa = (groups - 1) // ix.num_numa + 1
    groups_needed = (acc.needed - 1) // group + 1
    return (groups_needed - 1) // per_numa + 1, min(groups_needed, numa_available)


def _spread_remainder(vals: list[int], remainder: int, group: int) -> bool:
    """Hand out `remainder` CPUs `group` at a time round-robin over `vals` (mutated in place).

    False when a pass makes no progress; the Go loop would spin forever there.
    """
    while remainder > 0:
        progressed = False
        for i, v in enumerate(vals):
            if remainder == 0:
                break
            if v < group:
                continue
            vals[i] = v - group
            remainder -= group
            progressed = True
        if not progressed:
            return False
    return True


def _sq(v: float, mean: float) -> float:
    return (v - mean) * (v - mean)


def _local_search(
    combo_vals: tuple[int, ...],
    others: tuple[int, ...],
    distribution: int,
    remainder: int,
    group: int,
    mean: float,
) -> tuple[float, tuple[int, ...] | None]:
    """Best balance for one NUMA combination and the remainder subset giving it (positions in the
    combination), trying subsets from the largest down, first found wins ties."""
    n_nodes = len(combo_vals) + len(others)
    rest = [_sq(float(v), mean) for v in others]
    after = [v - distribution for v in combo_vals]
    terms = [_sq(float(v), mean) for v in after]
    if remainder == 0:
        return _round3(math.sqrt(math.fsum(rest + terms) / n_nodes)), None
    candidates = [p for p, v in enumerate(after) if v >= group]
    best_local = math.inf
    best_subset: tuple[int, ...] | None = None

    def score(subset: tuple[int, ...]) -> None:
        nonlocal best_local, best_subset
        vals = [after[p] for p in subset]
        if sum(vals) < remainder or not _spread_remainder(vals, remainder, group):
            return
        trial = terms[:]
        for p, v in zip(subset, vals, strict=True):
            trial[p] = _sq(float(v), mean)
        balance = _round3(math.sqrt(math.fsum(rest + trial) / n_nodes))
        if balance < best_local:
            best_local, best_subset = balance, subset

    n_cand = len(candidates)
    rounds = remainder // group
    kk_start = n_cand
    if rounds <= n_cand:
        # Every candidate has >= group free, so a subset of at least `rounds` nodes hands the
        # remainder out in one pass to its first `rounds` nodes; subsets sharing that prefix
        # score the same. Each prefix first appears (sizes are tried from the largest down)
        # followed by every candidate after its last node: visit prefixes in that order.
        for prefix in sorted(combinations(range(n_cand), rounds), key=lambda q: (q[-1], q)):
            picked = prefix + tuple(range(prefix[-1] + 1, n_cand))
            score(tuple(candidates[q] for q in picked))
        kk_start = rounds - 1
    for kk in range(kk_start, 0, -1):
        for subset in combinations(candidates, kk):
            score(subset)
    return best_local, best_subset


def _best_combo(
    free: list[int], k: int, count: int, group: int
) -> tuple[tuple[int, ...], tuple[int, ...] | None] | None:
    """One `k` round of takeByTopologyNUMADistributed's search, over positions in `free`.

    Returns (combo, remainder subset) with the lowest balance score, first found on ties.
    Every successful candidate leaves the same total free, so the rounded mean of the score is
    the same for all; the squared terms are summed exactly (fsum), so a combination's result
    depends only on its own values and the multiset of the others, and is computed once per
    distinct case (an idle 16-node machine has one). Go sums in map order, no more exactly.
    """
    n_nodes = len(free)
    mean = _round3((sum(free) - count) / n_nodes)
    distribution = (count // k // group) * group
    best_balance = math.inf
    best: tuple[tuple[int, ...], tuple[int, ...] | None] | None = None
    memo: dict[tuple[tuple[int, ...], tuple[int, ...]], tuple[float, tuple[int, ...] | None]] = {}
    for combo in combinations(range(n_nodes), k):
        if best_balance == 0:
            break
        combo_vals = tuple(free[i] for i in combo)
        if sum(combo_vals) < count or sum(v // group for v in combo_vals) * group < count:
            continue
        if any(v < distribution for v in combo_vals):
            continue
        chosen = set(combo)
        others = tuple(sorted(free[i] for i in range(n_nodes) if i not in chosen))
        key = (combo_vals, others)
        local = memo.get(key)
        if local is None:
            local = memo[key] = _local_search(
                combo_vals, others, distribution, count - distribution * k, group, mean
            )
        balance, positions = local
        if balance < best_balance:
            best_balance = balance
            best = (combo, tuple(combo[p] for p in positions) if positions is not None else None)
    return best


def take_distributed(
    index: CPUIndex, available: Iterable[int], count: int, group: int, *, spread: bool = False
) -> CPUSet:
    """`takeByTopologyNUMADistributed` (KEP-2902): spread evenly over the fewest NUMA nodes."""
    avail = available if isinstance(available, CPUSet) else CPUSet(available)
    if count % group != 0:
        return take_packed(index, avail, count, spread=spread)
    acc = _Accumulator(index, avail, count, spread=spread)
    if acc.satisfied():
        return CPUSet()
    if acc.failed():
        raise _not_enough(count, len(avail))
    numas = acc.sort_numas()
    free = [acc.free_numa.get(n, 0) for n in numas]
    lo, hi = _numa_range(acc, group)
    for k in range(lo, hi + 1):
        found = _best_combo(free, k, count, group)
        if found is None:
            continue
        best_combo = tuple(numas[i] for i in found[0])
        best_remainder = tuple(numas[i] for i in found[1]) if found[1] is not None else None
        distribution = (count // len(best_combo) // group) * group
        for n in best_combo:
            acc.take(_packed_or_nothing(acc, n, distribution, spread))
        remainder = count - distribution * len(best_combo)
        while remainder > 0:
            progressed = False
            for n in best_remainder or ():
                if remainder == 0:
                    break
                if acc.free_numa.get(n, 0) < group:
                    continue
                acc.take(_packed_or_nothing(acc, n, group, spread))
                remainder -= group
                progressed = True
            if not progressed:
                break
        if acc.needed > 0:
            raise AllocationError(f"accounting error, not enough CPUs allocated, remaining: {acc.needed}")
        if acc.needed < 0:
            raise AllocationError(f"accounting error, too many CPUs allocated, remaining: {acc.needed}")
        return CPUSet(acc.result)
    return take_packed(index, avail, count, spread=spread)


def _packed_or_nothing(acc: _Accumulator, numa: int, count: int, spread: bool) -> CPUSet:
    # The Go code ignores the error here and takes the (empty) result.
    try:
        return take_packed(acc.ix, acc.avail_in(acc.ix.cpus_in_numa[numa]), count, spread=spread)
    except AllocationError:
        return CPUSet()
