"""`takeByTopologyNUMADistributed` (KEP-2902) of kubernetes `cpumanager/cpu_assignment.go`.

Spread the request evenly over the fewest NUMA nodes that can hold it: every combination of
that many nodes is scored by the standard deviation of free CPUs per node it would leave
(`distribute-cpus-across-numa`), the lowest score wins, first found on ties.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from itertools import combinations

from workbench.admission.cpu_accumulator import CPUAccumulator
from workbench.admission.cpu_index import CPUIndex
from workbench.admission.cpu_take_packed import not_enough, take_packed
from workbench.admission.errors import AllocationError
from workbench.topology.cpuset import CPUSet


def round3(x: float) -> float:
    """Go's `math.Round(x*1000)/1000`: halves round away from zero (Python's round() does not)."""
    y = x * 1000
    r = math.trunc(y)
    if abs(y - r) >= 0.5:
        r += 1 if y > 0 else -1
    return r / 1000


def standard_deviation(xs: list[int]) -> float:
    m = round3(sum(float(x) for x in xs) / len(xs))
    s = math.sqrt(sum((float(x) - m) * (float(x) - m) for x in xs) / len(xs))
    return round3(s)


def _numa_range(acc: CPUAccumulator, group: int) -> tuple[int, int]:
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
        return round3(math.sqrt(math.fsum(rest + terms) / n_nodes)), None
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
        balance = round3(math.sqrt(math.fsum(rest + trial) / n_nodes))
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


def best_combo(
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
    mean = round3((sum(free) - count) / n_nodes)
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
    acc = CPUAccumulator(index, avail, count, spread=spread)
    if acc.satisfied():
        return CPUSet()
    if acc.failed():
        raise not_enough(count, len(avail))
    numas = acc.sort_numas()
    free = [acc.free_numa.get(n, 0) for n in numas]
    lo, hi = _numa_range(acc, group)
    for k in range(lo, hi + 1):
        found = best_combo(free, k, count, group)
        if found is None:
            continue
        chosen = tuple(numas[i] for i in found[0])
        best_remainder = tuple(numas[i] for i in found[1]) if found[1] is not None else None
        distribution = (count // len(chosen) // group) * group
        for n in chosen:
            acc.take(_packed_or_nothing(acc, n, distribution, spread))
        remainder = count - distribution * len(chosen)
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


def _packed_or_nothing(acc: CPUAccumulator, numa: int, count: int, spread: bool) -> CPUSet:
    # The Go code ignores the error here and takes the (empty) result.
    try:
        return take_packed(acc.ix, acc.avail_in(acc.ix.cpus_in_numa[numa]), count, spread=spread)
    except AllocationError:
        return CPUSet()
