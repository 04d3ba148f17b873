"""NUMA node masks with the topology manager's semantics (`topologymanager/bitmask`).

The kubelet stores a mask in a uint64, so "narrower" ties between masks of equal size are broken
by the numeric value: the mask with the lower-numbered nodes wins. Masks here are plain ints
(bit i = NUMA node i); `ids_of`/`mask_of` convert to and from the frozensets `Hint` carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import combinations

from workbench.admission.decision import Hint

MAX_BITS = 64


def mask_of(ids: Iterable[int]) -> int:
    """`NewBitMask(ids...)`; ids outside 0..63 are refused, as the kubelet refuses them."""
    mask = 0
    for i in ids:
        if i < 0 or i >= MAX_BITS:
            raise ValueError("bit number must be in range 0-63")
        mask |= 1 << i
    return mask


def _byte_ids(k: int) -> tuple[tuple[int, ...], ...]:
    """The node ids of every byte value b at byte position k (ids 8k..8k+7): b's ids are those
    of b without its top bit, plus that bit (one tuple concatenation per value; a generator per
    value and bit made this table ~2 ms of every command's start)."""
    row: list[tuple[int, ...]] = [()]
    for b in range(1, 256):
        top = b.bit_length() - 1
        row.append(row[b ^ (1 << top)] + (8 * k + top,))
    return tuple(row)


# _BYTE_IDS[k][b]: the node ids of byte value b at byte position k, for `ids_of`
_BYTE_IDS: tuple[tuple[tuple[int, ...], ...], ...] = tuple(_byte_ids(k) for k in range(8))


@lru_cache(maxsize=1 << 17)
def ids_of(mask: int) -> frozenset[int]:
    """`GetBits()` as a frozenset (cached: building sets is the cost of 16-node hint lists)."""
    if mask < 0x10000:
        return frozenset(_BYTE_IDS[0][mask & 0xFF] + _BYTE_IDS[1][mask >> 8])
    out: list[int] = []
    k = 0
    while mask:
        out.extend(_BYTE_IDS[k][mask & 0xFF])
        mask >>= 8
        k += 1
    return frozenset(out)


def count(mask: int) -> int:
    return mask.bit_count()


def is_less_than(a: int, b: int) -> bool:
    """`IsLessThan`: the numeric comparison of the two uint64 values."""
    return a < b


def is_narrower_than(a: int, b: int) -> bool:
    """`IsNarrowerThan`: fewer nodes, or as many nodes and lower-numbered ones."""
    ca, cb = a.bit_count(), b.bit_count()
    if ca == cb:
        return a < b
    return ca < cb


def iterate_bitmasks(bits: Sequence[int]) -> Iterator[int]:
    """`IterateBitMasks`: every non-empty subset, all 1-node masks first, then 2-node, ...

    Within one size the order is the lexicographic order of positions in `bits` (the kubelet
    recurses over the list as given), which `itertools.combinations` reproduces exactly.
    """
    for size in range(1, len(bits) + 1):
        for combo in combinations(bits, size):
            yield mask_of(combo)


def iterate_masks(bits: Sequence[int]) -> Iterator[frozenset[int]]:
    """`iterate_bitmasks` yielding frozensets of node ids (the form `Hint.mask` takes)."""
    for size in range(1, len(bits) + 1):
        for combo in combinations(bits, size):
            yield frozenset(combo)


def mask_string(mask: int) -> str:
    """`String()`: binary, zero-padded to a whole number of 2-bit groups."""
    grouping = 2
    shift = 64 - grouping
    while shift > 0:
        if mask > (1 << shift):
            return format(mask, f"0{shift + grouping}b")
        shift -= grouping
    return format(mask, f"0{grouping}b")


# (mask << 1 | preferred) -> Hint; cleared when it grows past what a 16-node machine needs
_HINTS: dict[int, Hint] = {}
_HINTS_LIMIT = 1 << 18


def hint_of(mask: int, preferred: bool) -> Hint:
    """The `Hint` for an int mask, shared between calls (hint lists reach 65535 entries)."""
    key = mask << 1 | preferred
    hint = _HINTS.get(key)
    if hint is None:
        if len(_HINTS) >= _HINTS_LIMIT:
            _HINTS.clear()
        hint = _HINTS[key] = Hint(ids_of(mask), preferred)
    return hint


def hints_of(masks: Iterable[int], narrowest: int) -> list[Hint]:
    """Hints for masks in order, preferred when they have `narrowest` nodes (minAffinitySize)."""
    get = _HINTS.get
    out: list[Hint] = []
    append = out.append
    for m in masks:
        preferred = m.bit_count() == narrowest
        hint = get(m << 1 | preferred)
        append(hint if hint is not None else hint_of(m, preferred))
    return out


@lru_cache(maxsize=1 << 17)
def mask_of_set(ids: frozenset[int]) -> int:
    """`mask_of` for a hint's frozenset, cached (the same sets come back on every merge)."""
    return mask_of(ids)
