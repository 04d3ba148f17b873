"""How the memory manager's `Allocate` turns a topology hint into the NUMA nodes it charges.

`memorymanager/policy_static.go`: with no hint, the default (`findBestHint` over its own
`calculateHints`); a hint whose free memory cannot hold the request is extended to the best
hint that contains it; and a multi-node mask must not mix with single-node allocations
(`isAffinityViolatingNUMAAllocations`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from workbench.admission.bitmask import ids_of, is_narrower_than, mask_of
from workbench.admission.decision import Hint
from workbench.admission.errors import AllocationError
from workbench.admission.memory_state import MachineState
from workbench.kube.model import MEMORY

Requests = Mapping[str, int]


def free_under(machine: MachineState, mask: int, resource: str) -> int:
    total = 0
    for n in ids_of(mask):
        node = machine.get(n)
        table = None if node is None else node.memory_map.get(resource)
        total += 0 if table is None else table.free
    return total


def satisfies(machine: MachineState, mask: int, reqs: Requests) -> bool:
    """`isAffinitySatisfyRequest`: enough free memory under the mask for every resource."""
    return all(free_under(machine, mask, r) >= size for r, size in reqs.items())


def violates(machine: MachineState, mask: int) -> bool:
    """`isAffinityViolatingNUMAAllocations`: single and cross-NUMA allocations never mix."""
    bits = sorted(ids_of(mask))
    if len(bits) == 1:
        return False
    for n in bits:
        node = machine.get(n)
        if node is None or node.number_of_assignments == 0:
            continue
        if len(node.cells) == 1 or sorted(node.cells) != bits:
            return True
    return False


def best_hint(hints: Sequence[Hint]) -> Hint | None:
    """`findBestHint`: preferred first, then narrowest."""
    best: Hint | None = None
    best_mask = 0
    for h in hints:
        m = mask_of(h.mask or ())
        if best is None:
            best, best_mask = h, m
            continue
        if h.preferred and not best.preferred:
            best, best_mask = h, m
            continue
        if h.preferred == best.preferred and is_narrower_than(m, best_mask):
            best, best_mask = h, m
    return best


def resolve_affinity(
    machine: MachineState,
    hint: Hint | None,
    reqs: Requests,
    calculate: Callable[[], Mapping[str, Sequence[Hint]]],
) -> list[int]:
    """The NUMA nodes to charge: the topology hint, defaulted and extended as upstream does.

    `calculate` is the manager's own `calculateHints` for the same request."""
    best = hint if hint is not None else Hint(None, False)
    if best.mask is None:
        hints = calculate()
        default = best_hint(hints.get(MEMORY, [])) if hints else None
        if default is None:
            raise AllocationError(
                "[memorymanager] failed to get the default NUMA affinity, "
                "no NUMA nodes with enough memory is available"
            )
        if not default.preferred and best.preferred:
            raise AllocationError("[memorymanager] failed to find the default preferred hint")
        best = default
    assert best.mask is not None
    if not satisfies(machine, mask_of(best.mask), reqs):
        wanted = best.mask
        candidates = [h for h in calculate().get(MEMORY, []) if h.mask is not None and wanted <= h.mask]
        extended = best_hint(candidates)
        if extended is None:
            raise AllocationError(
                "[memorymanager] failed to find NUMA nodes to extend the current topology hint"
            )
        if not extended.preferred and best.preferred:
            raise AllocationError("[memorymanager] failed to find the extended preferred hint")
        best = extended
    assert best.mask is not None
    if violates(machine, mask_of(best.mask)):
        raise AllocationError("[memorymanager] preferred hint violates NUMA node allocation")
    return sorted(best.mask)
