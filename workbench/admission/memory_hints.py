"""`calculateHints` of the memory manager, computed without visiting impossible masks.

The kubelet walks every NUMA mask (65535 of them on 16 nodes) and filters. The same list comes out
of a cheaper walk: a multi-node mask can only be a hint if it avoids every node that already holds
memory, or is exactly the group those nodes are allocated with; so only subsets of the free nodes
are walked (capacity tested with subset sums prepared once), and the few other candidates (single
nodes in use, existing groups, masks holding reusable init-container memory) are checked one by
one and inserted at their place in the kubelet's order.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from functools import cache
from itertools import combinations

from workbench.admission.memory_state import MachineState


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


def calculate_masks(
    machine: MachineState,
    requests: Mapping[str, int],
    reusable: Mapping[int, Mapping[str, int]],
) -> tuple[list[int], int]:
    """Hint masks (node-id bitmasks, kubelet order) and minAffinitySize, as `calculateHints`.

    `reusable` maps a node-id mask to the init-container memory the pod may reuse on it.
    """
    nodes = sorted(machine)
    n = len(nodes)
    if not requests or n == 0:
        return [], n
    names = list(requests)

    def column(resource: str, field: str) -> list[int]:
        out = []
        for node_id in nodes:
            table = machine[node_id].memory_map.get(resource)
            out.append(0 if table is None else int(getattr(table, field)))
        return out

    alloc = {r: column(r, "allocatable") for r in names}
    free = {r: column(r, "free") for r in names}
    if any(sum(alloc[r]) < requests[r] for r in names):
        return [], n  # no mask has the capacity

    def fits(positions: Sequence[int], table: Mapping[str, list[int]]) -> bool:
        return all(sum(table[r][i] for i in positions) >= requests[r] for r in names)

    min_affinity = n
    for size in range(1, n + 1):
        if any(fits(c, alloc) for c in combinations(range(n), size)):
            min_affinity = size
            break

    def node_mask(positions: Sequence[int]) -> int:
        m = 0
        for i in positions:
            m |= 1 << nodes[i]
        return m

    def free_ok(positions: Sequence[int]) -> bool:
        extra = reusable.get(node_mask(positions), {})
        return all(
            sum(free[r][i] for i in positions) + extra.get(r, 0) >= requests[r] for r in names
        )

    pos_of = {node_id: i for i, node_id in enumerate(nodes)}
    raw_cells_len = [len(machine[node_id].cells) for node_id in nodes]
    used_mask = 0
    for i, node_id in enumerate(nodes):
        if machine[node_id].number_of_assignments > 0:
            used_mask |= 1 << i

    def cells_mask(i: int) -> int | None:
        m = 0
        for c in machine[nodes[i]].cells:
            if c not in pos_of:
                return None
            m |= 1 << pos_of[c]
        return m

    # A mask touching nodes that hold memory is a hint only if it is exactly their group.
    groups: set[int] = set()
    for i in range(n):
        g = cells_mask(i) if used_mask >> i & 1 and raw_cells_len[i] > 1 else None
        if g is None or g & (g - 1) == 0:
            continue
        members = [j for j in range(n) if g >> j & 1 and used_mask >> j & 1]
        if all(raw_cells_len[j] != 1 and cells_mask(j) == g for j in members):
            groups.add(g)

    def group_ok(pm: int) -> bool:
        if pm & (pm - 1) == 0:
            return raw_cells_len[pm.bit_length() - 1] <= 1
        return pm & used_mask == 0 or pm in groups

    def positions(pm: int) -> list[int]:
        return [i for i in range(n) if pm >> i & 1]

    def capacity_ok(pm: int) -> bool:
        pos = positions(pm)
        return fits(pos, alloc) and free_ok(pos)

    # Walk only subsets of the nodes that hold no memory; the few other possible hints (single
    # nodes in use, existing groups, masks with reusable init memory) are checked one by one.
    free_pos = [i for i in range(n) if not used_mask >> i & 1]
    ok = bytearray(b"\x01") * (1 << len(free_pos))
    for r in names:
        need = requests[r]
        a = _subset_sums([alloc[r][i] for i in free_pos])
        f = _subset_sums([free[r][i] for i in free_pos])
        ok = bytearray(o and x >= need and y >= need for o, x, y in zip(ok, a, f, strict=True))
    for j, i in enumerate(free_pos):
        if raw_cells_len[i] > 1:
            ok[1 << j] = 0
    found = [m for m in _order(len(free_pos)) if ok[m]]
    if len(free_pos) != n:
        expand = _subset_sums([1 << i for i in free_pos])
        found = [expand[m] for m in found]
    extras = {1 << i for i in range(n) if used_mask >> i & 1} | groups
    for nm in reusable:
        pm = _positions(nm, nodes)
        if pm:
            extras.add(pm)
    extras = {pm for pm in extras if group_ok(pm) and capacity_ok(pm)}
    if extras:
        present = set(found)

        def key(pm: int) -> tuple[int, list[int]]:
            return (pm.bit_count(), positions(pm))

        for pm in sorted(extras - present, key=key):
            bisect.insort(found, pm, key=key)
    if list(nodes) == list(range(n)):
        return found, min_affinity
    return [node_mask(positions(m)) for m in found], min_affinity


def _bits(m: int) -> list[int]:
    return [i for i in range(m.bit_length()) if m >> i & 1]


def _positions(node_mask: int, nodes: Sequence[int]) -> int | None:
    index = {node_id: i for i, node_id in enumerate(nodes)}
    out = 0
    for node_id in _bits(node_mask):
        if node_id not in index:
            return None
        out |= 1 << index[node_id]
    return out
