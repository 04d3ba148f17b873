"""`calculateHints` of the memory manager, computed without visiting impossible masks.

The kubelet walks every NUMA mask (65535 of them on 16 nodes) and filters. The same list comes out
of a cheaper walk: a multi-node mask can only be a hint if it avoids every node that already holds
memory, or is exactly the group those nodes are allocated with; so only subsets of the free nodes
are walked (capacity tested with subset sums prepared once), and the few other candidates (single
nodes in use, existing groups, masks holding reusable init-container memory) are checked one by
one and inserted at their place in the kubelet's order. `preferred_masks` gives the preferred
hints alone (the narrowest masks), which is all the topology manager's merge usually reads.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from functools import cache
from itertools import combinations

from workbench.admission.memory_state import MachineState
from workbench.record import Record, setfield


@cache
def _order(n: int) -> tuple[int, ...]:
    """All non-empty position masks over n nodes in `IterateBitMasks` order."""
    out: list[int] = []
    for size in range(1, n + 1):
        for combo in combinations(range(n), size):
            m = 0
            for i in combo:
                m |= 1 << i
            out.append(m)
    return tuple(out)


def _subset_sums(values: Sequence[int]) -> list[int]:
    sums = [0]
    for v in values:
        sums += [s + v for s in sums]
    return sums


def _positions(pm: int) -> list[int]:
    return [i for i in range(pm.bit_length()) if pm >> i & 1]


class MaskInputs(Record):
    """What `calculateHints` reads, copied out of the machine state (positions = sorted node ids)."""

    nodes: tuple[int, ...]
    requests: Mapping[str, int]
    alloc: Mapping[str, tuple[int, ...]]
    free: Mapping[str, tuple[int, ...]]
    cells_len: tuple[int, ...]
    # position mask of each node's group (None: the group names a node the state does not have)
    cells_mask: tuple[int | None, ...]
    used: int  # position mask of the nodes that hold memory
    reusable: Mapping[int, Mapping[str, int]]  # node-id mask -> resource -> bytes

    __slots__ = _fields = (
        "nodes",
        "requests",
        "alloc",
        "free",
        "cells_len",
        "cells_mask",
        "used",
        "reusable",
    )

    def __init__(
        self,
        nodes: tuple[int, ...],
        requests: Mapping[str, int],
        alloc: Mapping[str, tuple[int, ...]],
        free: Mapping[str, tuple[int, ...]],
        cells_len: tuple[int, ...],
        cells_mask: tuple[int | None, ...],
        used: int,
        reusable: Mapping[int, Mapping[str, int]],
    ) -> None:
        setfield(self, "nodes", nodes)
        setfield(self, "requests", requests)
        setfield(self, "alloc", alloc)
        setfield(self, "free", free)
        setfield(self, "cells_len", cells_len)
        setfield(self, "cells_mask", cells_mask)
        setfield(self, "used", used)
        setfield(self, "reusable", reusable)

    def node_mask(self, pm: int) -> int:
        m = 0
        for i in _positions(pm):
            m |= 1 << self.nodes[i]
        return m

    def fits(self, pm: int, table: Mapping[str, tuple[int, ...]], extra: Mapping[str, int]) -> bool:
        pos = _positions(pm)
        return all(
            sum(table[r][i] for i in pos) + extra.get(r, 0) >= size for r, size in self.requests.items()
        )

    def capacity_ok(self, pm: int) -> bool:
        return self.fits(pm, self.alloc, {}) and self.fits(
            pm, self.free, self.reusable.get(self.node_mask(pm), {})
        )

    def group_ok(self, pm: int, groups: set[int]) -> bool:
        if pm & (pm - 1) == 0:
            return self.cells_len[pm.bit_length() - 1] <= 1
        return pm & self.used == 0 or pm in groups


def mask_inputs(
    machine: MachineState, requests: Mapping[str, int], reusable: Mapping[int, Mapping[str, int]]
) -> MaskInputs:
    nodes = tuple(sorted(machine))
    pos_of = {node_id: i for i, node_id in enumerate(nodes)}

    def column(resource: str, field: str) -> tuple[int, ...]:
        tables = (machine[n].memory_map.get(resource) for n in nodes)
        return tuple(0 if t is None else int(getattr(t, field)) for t in tables)

    def group(node_id: int) -> int | None:
        m = 0
        for c in machine[node_id].cells:
            if c not in pos_of:
                return None
            m |= 1 << pos_of[c]
        return m

    used = sum(1 << i for i, n in enumerate(nodes) if machine[n].number_of_assignments > 0)
    return MaskInputs(
        nodes=nodes,
        requests=dict(requests),
        alloc={r: column(r, "allocatable") for r in requests},
        free={r: column(r, "free") for r in requests},
        cells_len=tuple(len(machine[n].cells) for n in nodes),
        cells_mask=tuple(group(n) for n in nodes),
        used=used,
        reusable={m: dict(v) for m, v in reusable.items()},
    )


def min_affinity_size(inp: MaskInputs) -> int | None:
    """The fewest nodes whose allocatable memory holds the request (None: no mask does)."""
    n = len(inp.nodes)
    if not inp.fits((1 << n) - 1, inp.alloc, {}):
        return None
    for size in range(1, n + 1):
        for combo in combinations(range(n), size):
            if inp.fits(sum(1 << i for i in combo), inp.alloc, {}):
                return size
    return None


def _groups(inp: MaskInputs) -> set[int]:
    """Groups of nodes already allocated together: a mask touching used nodes must be one."""
    out: set[int] = set()
    for i, g in enumerate(inp.cells_mask):
        if not inp.used >> i & 1 or inp.cells_len[i] <= 1 or g is None or g & (g - 1) == 0:
            continue
        members = [j for j in range(len(inp.nodes)) if g >> j & 1 and inp.used >> j & 1]
        if all(inp.cells_len[j] != 1 and inp.cells_mask[j] == g for j in members):
            out.add(g)
    return out


def _free_node_subsets(inp: MaskInputs) -> list[int]:
    """Position masks of the hints made only of nodes that hold no memory, in order."""
    n = len(inp.nodes)
    free_pos = [i for i in range(n) if not inp.used >> i & 1]
    ok = bytearray(b"\x01") * (1 << len(free_pos))
    for r, need in inp.requests.items():
        a = _subset_sums([inp.alloc[r][i] for i in free_pos])
        f = _subset_sums([inp.free[r][i] for i in free_pos])
        ok = bytearray(o and x >= need and y >= need for o, x, y in zip(ok, a, f, strict=True))
    for j, i in enumerate(free_pos):
        if inp.cells_len[i] > 1:
            ok[1 << j] = 0
    found = [m for m in _order(len(free_pos)) if ok[m]]
    if len(free_pos) != n:
        expand = _subset_sums([1 << i for i in free_pos])
        found = [expand[m] for m in found]
    return found


def _reusable_positions(inp: MaskInputs) -> set[int]:
    index = {node_id: i for i, node_id in enumerate(inp.nodes)}
    out: set[int] = set()
    for nm in inp.reusable:
        ids = _positions(nm)
        if ids and all(n in index for n in ids):
            out.add(sum(1 << index[n] for n in ids))
    return out


def masks_of(inp: MaskInputs) -> tuple[list[int], int]:
    """Hint masks (node-id bitmasks, kubelet order) and minAffinitySize."""
    n = len(inp.nodes)
    if not inp.requests or n == 0:
        return [], n
    min_affinity = min_affinity_size(inp)
    if min_affinity is None:
        return [], n  # no mask has the capacity
    groups = _groups(inp)
    found = _free_node_subsets(inp)
    extras = {1 << i for i in range(n) if inp.used >> i & 1} | groups | _reusable_positions(inp)
    extras = {pm for pm in extras if inp.group_ok(pm, groups) and inp.capacity_ok(pm)}
    if extras:
        present = set(found)

        def key(pm: int) -> tuple[int, list[int]]:
            return (pm.bit_count(), _positions(pm))

        for pm in sorted(extras - present, key=key):
            bisect.insort(found, pm, key=key)
    if inp.nodes == tuple(range(n)):
        return found, min_affinity
    return [inp.node_mask(m) for m in found], min_affinity


def calculate_masks(
    machine: MachineState,
    requests: Mapping[str, int],
    reusable: Mapping[int, Mapping[str, int]],
) -> tuple[list[int], int]:
    """Hint masks (node-id bitmasks, kubelet order) and minAffinitySize, as `calculateHints`.

    `reusable` maps a node-id mask to the init-container memory the pod may reuse on it.
    """
    return masks_of(mask_inputs(machine, requests, reusable))


def preferred_masks(inp: MaskInputs) -> frozenset[int]:
    """Node-id masks of the preferred hints: the narrowest masks that pass every test."""
    min_affinity = min_affinity_size(inp) if inp.requests and inp.nodes else None
    if min_affinity is None:
        return frozenset()
    groups = _groups(inp)
    out = set()
    for combo in combinations(range(len(inp.nodes)), min_affinity):
        pm = sum(1 << i for i in combo)
        if inp.group_ok(pm, groups) and inp.capacity_ok(pm):
            out.add(inp.node_mask(pm))
    return frozenset(out)
