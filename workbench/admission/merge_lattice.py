"""Which NUMA masks can come out of ANDing one mask from each list (the non-preferred merge).

Small inputs: a set of distinct partial ANDs, grown list by list (smallest lists first, which
keeps the partial sets small). Huge inputs (e.g. 16 NUMA nodes, where every hint list can hold
tens of thousands of masks): the subset-lattice transform. For two families A and B, the number
of pairs whose AND contains S is (#a ⊇ S)·(#b ⊇ S); Möbius inversion of that product gives the
number of pairs whose AND is exactly S. Each count vector is packed into one Python int with a
64-bit lane per mask, so every lattice step is a handful of whole-vector shifts and adds.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from functools import cache
from itertools import compress

_LANE = 64
# Above this many pairwise ANDs per step the lattice transform is cheaper than the direct product.
_DIRECT_LIMIT = 150_000
# The lattice holds 2**n lanes; beyond this many nodes only the direct product is possible.
_LATTICE_MAX_NODES = 18


def reachable_ands(value_sets: Sequence[set[int]], default: int) -> set[int]:
    """Every AND of `default` with one value from each set (values are sub-masks of `default`)."""
    current: set[int] = {default}
    bits = [i for i in range(default.bit_length()) if default >> i & 1]
    for values in sorted(value_sets, key=len):
        if not values:
            return set()
        if len(current) * len(values) <= _DIRECT_LIMIT or len(bits) > _LATTICE_MAX_NODES:
            current = {c & v for c in current for v in values}
        else:
            current = _lattice_step(current, values, bits)
        current.discard(0)
        if not current:
            return set()
    return current


def _compress(mask: int, bits: Sequence[int]) -> int:
    out = 0
    for pos, bit in enumerate(bits):
        if mask >> bit & 1:
            out |= 1 << pos
    return out


def _expand(index: int, bits: Sequence[int]) -> int:
    out = 0
    pos = 0
    while index:
        if index & 1:
            out |= 1 << bits[pos]
        index >>= 1
        pos += 1
    return out


@cache
def _lane_masks(n: int) -> tuple[int, ...]:
    """For each bit j, all-ones lanes at the indices whose bit j is 0."""
    size = 1 << n
    out = []
    for j in range(n):
        half = 1 << j
        block = b"\xff" * (8 * half) + b"\x00" * (8 * half)
        out.append(int.from_bytes(block * (size // (2 * half)), "little"))
    return tuple(out)


def _indicator(indices: Iterable[int], size: int) -> int:
    raw = bytearray(8 * size)
    for i in indices:
        raw[8 * i] = 1
    return int.from_bytes(raw, "little")


def _superset_sums(vec: int, n: int) -> int:
    for j, keep in enumerate(_lane_masks(n)):
        vec += (vec >> ((1 << j) * _LANE)) & keep
    return vec


def _exact_from_superset(vec: int, n: int) -> int:
    # Every partial result is still a count of pairs, so lanes never go negative (no borrows).
    for j, keep in enumerate(_lane_masks(n)):
        vec -= (vec >> ((1 << j) * _LANE)) & keep
    return vec


def _lanes(vec: int, size: int) -> array[int]:
    out = array("Q")
    out.frombytes(vec.to_bytes(8 * size, "little"))
    return out


def _lattice_step(current: set[int], values: set[int], bits: Sequence[int]) -> set[int]:
    n = len(bits)
    size = 1 << n
    # NUMA ids are nearly always 0..n-1, where the compressed index is the mask itself.
    dense = list(bits) == list(range(n))
    cur = current if dense else (_compress(m, bits) for m in current)
    val = values if dense else (_compress(m, bits) for m in values)
    za = _lanes(_superset_sums(_indicator(cur, size), n), size)
    zb = _lanes(_superset_sums(_indicator(val, size), n), size)
    prod = array("Q", map(int.__mul__, za, zb))
    exact = _lanes(_exact_from_superset(int.from_bytes(prod.tobytes(), "little"), n), size)
    found = compress(range(size), exact)
    return set(found) if dense else {_expand(i, bits) for i in found}
