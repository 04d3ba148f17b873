"""Sets of CPU (or NUMA node) ids in the Linux list syntax that sysfs and the kubelet use."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

_INT_ONLY = frozenset({int})


class CPUSetError(ValueError):
    """A CPU list string that is not valid Linux list syntax."""


class CPUSet:
    """An immutable, sorted set of non-negative integer ids.

    `CPUSet.parse("0-3,8-11")` and `str(cpuset)` round-trip the kernel's list format;
    the empty set is `""`. Set algebra returns new CPUSets, so callers can treat the
    value like a frozenset that knows how to print itself.
    """

    __slots__ = ("_ids", "_set", "_hash")

    def __init__(self, ids: Iterable[int] = ()) -> None:
        items = ids if type(ids) is frozenset else frozenset(ids)
        # Sets are built on every admission step: check with C-level passes, not a Python loop.
        if items and (not set(map(type, items)) <= _INT_ONLY or min(items) < 0):
            bad = next(i for i in items if type(i) is not int or i < 0)
            raise CPUSetError(f"CPU id must be a non-negative integer, got {bad!r}")
        self._ids: tuple[int, ...] = tuple(sorted(items))
        self._set = items
        self._hash = hash(self._ids)

    # construction -------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str) -> CPUSet:
        """Parse `0-3,8-11` (also tolerates whitespace, newlines and trailing NULs)."""
        text = text.replace("\x00", "").strip()
        if not text:
            return cls()
        ids: list[int] = []
        for part in text.split(","):
            part = part.strip()
            if not part:
                raise CPUSetError(f"empty element in CPU list {text!r}")
            lo_s, sep, hi_s = part.partition("-")
            try:
                lo = int(lo_s, 10)
                hi = int(hi_s, 10) if sep else lo
            except ValueError:
                raise CPUSetError(f"invalid CPU list element {part!r} in {text!r}") from None
            if lo < 0 or hi < lo:
                raise CPUSetError(f"invalid CPU range {part!r} in {text!r}")
            ids.extend(range(lo, hi + 1))
        return cls(ids)

    @classmethod
    def from_hex_mask(cls, text: str) -> CPUSet:
        """Parse a sysfs `cpumap` mask: comma-separated 32-bit hex words, most significant first."""
        cleaned = text.replace("\x00", "").strip().replace(",", "")
        if not cleaned:
            return cls()
        try:
            value = int(cleaned, 16)
        except ValueError:
            raise CPUSetError(f"invalid CPU mask {text!r}") from None
        # Find the set bits in the binary string (C-level `find`), not by shifting a 256- or
        # 8192-bit integer one bit at a time: every shift copies the whole integer.
        bits = bin(value)
        top = len(bits) - 1  # bits[top] is bit 0
        ids = []
        i = bits.find("1", 2)
        while i != -1:
            ids.append(top - i)
            i = bits.find("1", i + 1)
        return cls(ids)

    # formatting ---------------------------------------------------------------------
    def __str__(self) -> str:
        if not self._ids:
            return ""
        parts: list[str] = []
        start = prev = self._ids[0]
        for i in self._ids[1:]:
            if i == prev + 1:
                prev = i
                continue
            parts.append(f"{start}-{prev}" if prev > start else str(start))
            start = prev = i
        parts.append(f"{start}-{prev}" if prev > start else str(start))
        return ",".join(parts)

    def __repr__(self) -> str:
        return f"CPUSet({str(self)!r})"

    # container protocol -------------------------------------------------------------
    def __iter__(self) -> Iterator[int]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, item: object) -> bool:
        return item in self._set

    def __bool__(self) -> bool:
        return bool(self._ids)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CPUSet):
            return self._ids == other._ids
        return NotImplemented

    def __hash__(self) -> int:
        return self._hash

    def sorted(self) -> tuple[int, ...]:
        return self._ids

    def as_frozenset(self) -> frozenset[int]:
        return self._set

    # algebra --------------------------------------------------------------------------
    def union(self, *others: Iterable[int]) -> CPUSet:
        s = set(self._ids)
        for o in others:
            s.update(o)
        return CPUSet(s)

    def intersection(self, other: Iterable[int]) -> CPUSet:
        return CPUSet(self._set.intersection(other))

    def difference(self, *others: Iterable[int]) -> CPUSet:
        o: set[int] = set()
        for x in others:
            o.update(x)
        return CPUSet(i for i in self._ids if i not in o)

    def issubset(self, other: Iterable[int]) -> bool:
        return self._set.issubset(other)

    def isdisjoint(self, other: Iterable[int]) -> bool:
        return self._set.isdisjoint(other)

    __or__ = union
    __and__ = intersection
    __sub__ = difference

    def __le__(self, other: CPUSet) -> bool:
        return self.issubset(other)
