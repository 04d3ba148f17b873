"""The topology manager's hint merge (`topologymanager/policy*.go`, `numa_info.go`).

`merge_hints_literal` walks the full cross product of provider hints exactly as the kubelet's
`HintMerger.Merge` does. `merge_hints` returns the same hint without the product: the kubelet's
`compare` is a strict total order on merged hints (preferred first; among preferred, narrowest
or closest; among non-preferred, by distance of the node count from
`bestNonPreferredAffinityCount`), so the winner is the minimum of that order over the set of
distinct merged hints, and that set can be built without enumerating permutations:

- a merged hint is preferred only when every resource contributes a preferred hint and all
  non-nil masks are one and the same mask M, so the preferred candidates are the masks M every
  resource list offers as preferred (or covers with a preferred "don't care");
- when no preferred candidate survives, every candidate is non-preferred and the answer only
  depends on which AND-masks are reachable, computed list by list over distinct masks
  (with a subset-lattice transform when the lists are huge, e.g. 16 NUMA nodes).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import product

from workbench.admission.bitmask import hint_of, ids_of, mask_of, mask_of_set
from workbench.admission.decision import Hint
from workbench.admission.hint_list import LazyHints, is_empty, preferred_masks
from workbench.admission.merge_lattice import reachable_ands
from workbench.kube import topology_policy_options as topology_options

POLICY_NONE = "none"
POLICY_BEST_EFFORT = "best-effort"
POLICY_RESTRICTED = "restricted"
POLICY_SINGLE_NUMA_NODE = "single-numa-node"
POLICIES = (POLICY_NONE, POLICY_BEST_EFFORT, POLICY_RESTRICTED, POLICY_SINGLE_NUMA_NODE)

PREFER_CLOSEST_NUMA_NODES = topology_options.PREFER_CLOSEST_NUMA_NODES
MAX_ALLOWABLE_NUMA_NODES = topology_options.MAX_ALLOWABLE_NUMA_NODES

ProviderMap = Mapping[str, Sequence[Hint] | None] | None
Options = Mapping[str, bool | str]
Distances = Mapping[int, Mapping[int, int]]


# ---- inputs -------------------------------------------------------------------------------
def filter_providers_hints(providers: Sequence[ProviderMap]) -> list[Sequence[Hint]]:
    """`filterProvidersHints`: one hint list per (provider, resource).

    Lazy provider lists stay lazy: the merge lists them only if it needs more than their
    preferred hints.
    """
    out: list[Sequence[Hint]] = []
    for hints in providers:
        if not hints:
            out.append([Hint(None, True)])
            continue
        for resource_hints in hints.values():
            if resource_hints is None:
                out.append([Hint(None, True)])
            elif is_empty(resource_hints):
                out.append([Hint(None, False)])
            elif isinstance(resource_hints, LazyHints):
                out.append(resource_hints)
            else:
                out.append(list(resource_hints))
    return out


def filter_single_numa_hints(lists: Sequence[Sequence[Hint]]) -> list[Sequence[Hint]]:
    """`filterSingleNumaHints`: keep preferred don't-cares and preferred one-node hints."""
    out: list[Sequence[Hint]] = []
    for hints in lists:
        if isinstance(hints, LazyHints):
            # one-node masks come first in the kubelet's order, by ascending node id
            singles = sorted(m for m in hints.preferred_masks() if m.bit_count() == 1)
            out.append([hint_of(m, True) for m in singles])
            continue
        out.append([h for h in hints if h.preferred and (h.mask is None or len(h.mask) == 1)])
    return out


def max_of_min_affinity_counts(lists: Sequence[Sequence[Hint]]) -> int:
    """`maxOfMinAffinityCounts`: the largest "narrowest mask" size over the resources."""
    best = 0
    for hints in lists:
        sizes = [len(h.mask) for h in hints if h.mask is not None]
        if sizes and min(sizes) > best:
            best = min(sizes)
    return best


def _as_text(options: Options | None) -> dict[str, str]:
    """Options as the kubelet's configuration holds them (strings); the Python API takes bools too."""
    items = (options or {}).items()
    return {k: ("true" if v else "false") if isinstance(v, bool) else str(v) for k, v in items}


def prefer_closest(policy: str, options: Options | None) -> bool:
    """Whether `prefer-closest-numa-nodes` is in effect (never for single-numa-node)."""
    return policy != POLICY_SINGLE_NUMA_NODE and topology_options.prefer_closest(_as_text(options))


def numa_limit_error(numa_nodes: Sequence[int], options: Options | None) -> str | None:
    """The kubelet's start-up refusal for machines with more NUMA nodes than it allows."""
    return topology_options.numa_limit_problem(len(numa_nodes), _as_text(options))


def policy_admits(policy: str, hint: Hint) -> bool:
    """`canAdmitPodResult`: none and best-effort admit anything, the others need preferred."""
    if policy in (POLICY_NONE, POLICY_BEST_EFFORT):
        return True
    if policy in (POLICY_RESTRICTED, POLICY_SINGLE_NUMA_NODE):
        return hint.preferred
    raise ValueError(f"unknown topology manager policy {policy!r}")


# ---- mask ordering ----------------------------------------------------------------------------
def average_distance(mask: int, distances: Distances | None) -> float:
    """`CalculateAverageFor`: mean distance over all ordered node pairs of the mask."""
    if mask == 0:
        return 0.0
    nodes = sorted(ids_of(mask))
    total = 0.0
    n = 0
    for a in nodes:
        row = distances.get(a, {}) if distances else {}
        for b in nodes:
            total += float(row.get(b, 0))
            n += 1
    return total / n


class _MaskOrder:
    """`CompareNUMAAffinityMasks` as a sort key: narrowest, or closest when the option is on."""

    def __init__(self, closest: bool, distances: Distances | None) -> None:
        self.closest = closest
        self.distances = distances
        self._avg: dict[int, float] = {}

    def key(self, mask: int) -> tuple[int, float, int]:
        if not self.closest:
            return (mask.bit_count(), 0.0, mask)
        avg = self._avg.get(mask)
        if avg is None:
            avg = self._avg[mask] = average_distance(mask, self.distances)
        return (mask.bit_count(), avg, mask)

    def better(self, current: int, candidate: int) -> bool:
        """Whether the candidate mask replaces the current one (equal masks keep current)."""
        if current == candidate:
            return False
        return self.key(candidate) < self.key(current)


# ---- literal merge -------------------------------------------------------------------------
class RawHint:
    """A hint with an int mask (None = don't care); `compare` returns one of its arguments."""

    __slots__ = ("mask", "preferred")

    def __init__(self, mask: int | None, preferred: bool) -> None:
        self.mask = mask
        self.preferred = preferred


class HintMerger:
    """`HintMerger`: the kubelet's cross-product merge, one permutation at a time."""

    def __init__(
        self,
        numa_nodes: Sequence[int],
        hints: Sequence[Sequence[Hint]],
        policy: str,
        *,
        closest: bool = False,
        distances: Distances | None = None,
    ) -> None:
        self.default = mask_of(numa_nodes)
        self.hints = [[RawHint(None if h.mask is None else mask_of(h.mask), h.preferred) for h in hs]
                      for hs in hints]
        self.best_non_preferred_affinity_count = max_of_min_affinity_counts(hints)
        self.order = _MaskOrder(closest and policy != POLICY_SINGLE_NUMA_NODE, distances)

    def compare_masks(self, current: RawHint, candidate: RawHint) -> RawHint:
        assert current.mask is not None and candidate.mask is not None
        return candidate if self.order.better(current.mask, candidate.mask) else current

    def compare(self, current: RawHint | None, candidate: RawHint) -> RawHint | None:
        cand_mask = candidate.mask if candidate.mask is not None else 0
        if cand_mask == 0:
            return current
        if current is None:
            return candidate
        if not current.preferred and candidate.preferred:
            return candidate
        if current.preferred and not candidate.preferred:
            return current
        if current.preferred and candidate.preferred:
            return self.compare_masks(current, candidate)
        target = self.best_non_preferred_affinity_count
        cur_n = (current.mask or 0).bit_count()
        cand_n = cand_mask.bit_count()
        if cur_n > target:
            return self.compare_masks(current, candidate)
        if cur_n == target:
            if cand_n != target:
                return current
            return self.compare_masks(current, candidate)
        if cand_n > target:
            return current
        if cand_n == target:
            return candidate
        if cand_n > cur_n:
            return candidate
        if cand_n < cur_n:
            return current
        return self.compare_masks(current, candidate)

    def merge_permutation(self, permutation: Sequence[RawHint]) -> RawHint:
        preferred = True
        merged = self.default
        first: int | None = None
        for hint in permutation:
            if hint.mask is not None:
                if first is None:
                    first = hint.mask
                elif hint.mask != first:
                    preferred = False
                merged &= hint.mask
            if not hint.preferred:
                preferred = False
        return RawHint(merged, preferred)

    def merge(self) -> Hint:
        best: RawHint | None = None
        for permutation in product(*self.hints):
            best = self.compare(best, self.merge_permutation(permutation))
        if best is None or best.mask is None:
            return Hint(ids_of(self.default), False)
        return Hint(ids_of(best.mask), best.preferred)


def _finish(policy: str, hint: Hint, numa_nodes: Sequence[int]) -> Hint:
    if policy == POLICY_SINGLE_NUMA_NODE and hint.mask == frozenset(numa_nodes):
        return Hint(None, hint.preferred)
    return hint


def _filtered(providers: Sequence[ProviderMap], policy: str) -> list[Sequence[Hint]]:
    if policy not in POLICIES:
        raise ValueError(f"unknown topology manager policy {policy!r}")
    lists = filter_providers_hints(providers)
    if policy == POLICY_SINGLE_NUMA_NODE:
        lists = filter_single_numa_hints(lists)
    return lists


def merge_hints_literal(
    providers: Sequence[ProviderMap],
    *,
    policy: str,
    numa_nodes: Sequence[int],
    options: Options | None = None,
    distances: Distances | None = None,
) -> Hint:
    """The merged hint, computed over every permutation as the kubelet does."""
    if policy == POLICY_NONE:
        _filtered(providers, policy)
        return Hint(None, False)
    lists = _filtered(providers, policy)
    merger = HintMerger(
        numa_nodes, lists, policy, closest=prefer_closest(policy, options), distances=distances
    )
    return _finish(policy, merger.merge(), numa_nodes)


# ---- fast merge ------------------------------------------------------------------------------
def merge_hints(
    providers: Sequence[ProviderMap],
    *,
    policy: str,
    numa_nodes: Sequence[int],
    options: Options | None = None,
    distances: Distances | None = None,
) -> Hint:
    """The merged hint exactly as the topology manager computes it, without the cross product.

    Policy `none` merges nothing (`TopologyHint{}`: no mask, not preferred) and admits.
    """
    if policy == POLICY_NONE:
        _filtered(providers, policy)
        return Hint(None, False)
    lists = _filtered(providers, policy)
    order = _MaskOrder(prefer_closest(policy, options), distances)
    default = mask_of(numa_nodes)
    best = _fast_best(lists, default, order)
    return _finish(policy, best, numa_nodes)


def _mask(ids: frozenset[int]) -> int:
    return mask_of_set(ids) if isinstance(ids, frozenset) else mask_of(ids)


def _fast_best(lists: Sequence[Sequence[Hint]], default: int, order: _MaskOrder) -> Hint:
    no_hint = Hint(ids_of(default), False)
    if any(is_empty(hints) for hints in lists):
        return no_hint  # an empty list makes the cross product empty

    # Preferred candidates: a common preferred mask M (don't-cares match anything).
    pref_sets: list[frozenset[int]] = []
    pref_any: list[bool] = []
    for hints in lists:
        any_mask, pref = preferred_masks(hints)
        pref_any.append(any_mask)
        pref_sets.append(pref)

    best_pref: int | None = None
    if all(pref_any) and default != 0:
        best_pref = default
    candidates: set[int] = set().union(*pref_sets) if pref_sets else set()
    for m in candidates:
        if not all(m in s or w for s, w in zip(pref_sets, pref_any, strict=True)):
            continue
        merged = m & default
        if merged == 0:
            continue
        if best_pref is None or order.better(best_pref, merged):
            best_pref = merged
    if best_pref is not None:
        return Hint(ids_of(best_pref), True)

    # No preferred candidate: the best reachable AND by the non-preferred order.
    target = max_of_min_affinity_counts(lists)
    value_sets = []
    for hints in lists:
        masks = {h.mask for h in hints}
        value_sets.append({default if m is None else _mask(m) & default for m in masks})
    reachable = reachable_ands(value_sets, default)
    reachable.discard(0)
    if not reachable:
        return no_hint
    # The order ranks node counts first (the target, then the largest below it, then the
    # smallest above it); only masks of the winning count need the mask comparison.
    counts = {m.bit_count() for m in reachable}
    below = [c for c in counts if c < target]
    if target in counts:
        wanted = target
    elif below:
        wanted = max(below)
    else:
        wanted = min(counts)
    best = min((m for m in reachable if m.bit_count() == wanted), key=order.key)
    return Hint(ids_of(best), False)
