"""NUMA node masks with the topology manager's semantics (`topologymanager/bitmask`).

The kubelet stores a mask in a uint64, so "narrower" ties between masks of equal size are broken
by the numeric value: the mask with the lower-numbered nodes wins. Masks here are plain ints
(bit i = NUMA node i); `ids_of`/`mask_of` convert to and from the frozensets `Hint` carries.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from itertools import combinations

MAX_BITS = 64


def mask_of(ids: Iterable[int]) -> int:
    """`NewBitMask(ids...)`; ids outside 0..63 are refused, as the kubelet refuses them."""
    mask = 0
    for i in ids:
        if i < 0 or i >= MAX_BITS:
            raise ValueError("bit number must be in range 0-63")
        mask |= 1 << i
    return mask


# bit positions set in each byte value, for `ids_of`
_BYTE_BITS: tuple[tuple[int, ...], ...] = tuple(
    tuple(i for i in range(8) if b >> i & 1) for b in range(256)
)


def ids_of(mask: int) -> frozenset[int]:
    """`GetBits()` as a frozenset."""
    if mask < 256:
        return frozenset(_BYTE_BITS[mask])
    out: list[int] = []
    base = 0
    while mask:
        byte = mask & 0xFF
        if byte:
            out.extend(base + i for i in _BYTE_BITS[byte])
        mask >>= 8
        base += 8
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
