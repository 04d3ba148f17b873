"""`generateCPUTopologyHints` of kubernetes `pkg/kubelet/cm/cpumanager/policy_static.go`.

Every NUMA mask (in `bitmask.IterateBitMasks` order) that holds every reusable CPU of the pod and
enough free CPUs becomes a hint; it is preferred when it has the fewest nodes whose CPUs (free or
not) could hold the request, or, with `align-by-socket`, when it spans exactly the fewest sockets
such a mask needs (`isHintSocketAligned`). The list is built lazily (see `hint_list`): the
preferred masks come from the few narrowest masks alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress

from workbench.admission.bitmask import mask_of_set
from workbench.admission.cpu_index import CPUIndex
from workbench.admission.cpu_mask_table import MaskTable, mask_table
from workbench.admission.decision import Hint
from workbench.admission.hint_list import LazyHints
from workbench.topology.cpuset import CPUSet

# Above this many narrowest masks, summing free CPUs per mask one by one costs more than the
# subset-sum table of the full list.
_DIRECT_PREFERRED_LIMIT = 2048


def generate_cpu_topology_hints(
    ix: CPUIndex, available: CPUSet, reusable: CPUSet, request: int, *, align_by_socket: bool
) -> Sequence[Hint]:
    """The hint list for `request` CPUs given the free (`available`) and reusable CPUs."""
    table = mask_table(ix.numa_ids)
    pos = {n: i for i, n in enumerate(table.ids)}
    free_per = [0] * len(table.ids)
    numa_of = ix.numa_of
    for c in available:
        n_ = numa_of.get(c)
        if n_ is not None:
            free_per[pos[n_]] += 1
    reuse_bits = table.bits_of({numa_of[c] for c in reusable if c in numa_of})
    need = request - len(reusable)
    min_affinity = _min_affinity(ix, table, request)
    if align_by_socket:
        socket_ok = _socket_aligned_masks(ix, table, min_affinity)
        return _listed(table, free_per, reuse_bits, need, min_affinity, socket_ok)
    return LazyHints(
        lambda: _listed(table, free_per, reuse_bits, need, min_affinity, None),
        lambda: _preferred(table, free_per, reuse_bits, need, min_affinity),
    )


def _min_affinity(ix: CPUIndex, table: MaskTable, request: int) -> int:
    """The fewest nodes any mask needs for the request, by the machine's CPUs (free or not)."""
    total = ix.mask_capacity
    for k in range(1, len(table.ids) + 1):
        lo, hi = table.starts[k], table.starts[k + 1]
        if any(total[table.order[i]] >= request for i in range(lo, hi)):
            return k
    return len(table.ids)


def _listed(
    table: MaskTable,
    free_per: list[int],
    reuse_bits: int,
    need: int,
    min_affinity: int,
    socket_ok: list[bool] | None,
) -> list[Hint]:
    free = table.sums(free_per)
    order = table.order
    lo, hi = table.starts[min_affinity], table.starts[min_affinity + 1]
    plain, pref = table.plain_hints(), table.preferred_hints(min_affinity)
    if socket_ok is None and reuse_bits == 0:
        fits = [f >= need for f in free]
        keep = list(map(fits.__getitem__, order))
        return (
            list(compress(plain[:lo], keep[:lo]))
            + list(compress(pref, keep[lo:hi]))
            + list(compress(plain[hi:], keep[hi:]))
        )
    hints: list[Hint] = []
    for i, bits in enumerate(order):
        if bits & reuse_bits != reuse_bits or free[bits] < need:
            continue
        if lo <= i < hi:
            hints.append(pref[i - lo])
        elif socket_ok is not None and socket_ok[bits]:
            hints.append(Hint(table.nodes[i], True))
        else:
            hints.append(plain[i])
    return hints


def _preferred(
    table: MaskTable, free_per: list[int], reuse_bits: int, need: int, min_affinity: int
) -> frozenset[int]:
    """Node-id masks of the preferred hints: the narrowest masks that pass the same tests."""
    lo, hi = table.starts[min_affinity], table.starts[min_affinity + 1]
    order = table.order
    if hi - lo > _DIRECT_PREFERRED_LIMIT:
        free = table.sums(free_per)

        def enough(bits: int) -> bool:
            return free[bits] >= need

    else:

        def enough(bits: int) -> bool:
            total = 0
            while bits:
                low = bits & -bits
                total += free_per[low.bit_length() - 1]
                bits ^= low
            return total >= need

    return frozenset(
        mask_of_set(table.nodes[i])
        for i in range(lo, hi)
        if order[i] & reuse_bits == reuse_bits and enough(order[i])
    )


def _socket_aligned_masks(ix: CPUIndex, table: MaskTable, min_affinity: int) -> list[bool]:
    """`isHintSocketAligned` for every mask value."""
    per_socket = ix.num_numa // ix.num_sockets if ix.num_sockets else 0
    size = 1 << len(table.ids)
    if per_socket == 0:
        return [False] * size
    min_sockets = (min_affinity + per_socket - 1) // per_socket
    sockets = sorted(ix.cpus_in_socket)
    spos = {s: i for i, s in enumerate(sockets)}
    per_node = [sum(1 << spos[s] for s in ix.sockets_in_numa[n]) for n in table.ids]
    return [bin(u).count("1") == min_sockets for u in table.unions(per_node)]
