"""Sets of CPU (or NUMA node) ids in the Linux list syntax that sysfs and the kubelet use."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

_INT_ONLY = frozenset({int})
# The kernel's largest CONFIG_NR_CPUS (arch/x86/Kconfig: NR_CPUS_RANGE_END with MAXSMP): no CPU
# (or NUMA node, MAX_NUMNODES is smaller) has an id this high, so a list naming one is refused
# before it is expanded (`0-99999999999` would otherwise take minutes and gigabytes).
NR_CPUS = 8192


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

    @classmethod
    def _trusted(cls, items: frozenset[int]) -> CPUSet:
        """A CPUSet of ids already known valid (a subset of, or a union of, CPUSets): set
        algebra runs on every admission step, so it skips the id check of `__init__`."""
        new = object.__new__(cls)
        new._set = items
        new._ids = ids = tuple(sorted(items))
        new._hash = hash(ids)
        return new

    # construction -------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str, *, limit: int = NR_CPUS) -> CPUSet:
        """Parse `0-3,8-11` (also tolerates whitespace, newlines and trailing NULs).

        Every id must be below `limit` (the kernel's NR_CPUS by default; pass the node's CPU
        count to bound it by the machine): checked before anything is expanded."""
        text = text.replace("\x00", "").strip()
        if not text:
            return cls()
        ranges: list[tuple[int, int]] = []
        for part in text.split(","):
            part = part.strip()
            if not part:
                raise CPUSetError(f"empty element in CPU list {_shown(text)}")
            lo_s, sep, hi_s = part.partition("-")
            lo_s, hi_s = lo_s.strip(), hi_s.strip()
            # ASCII digits only: int() would also take "1_0" and other scripts' digits.
            if not _is_number(lo_s) or (sep and not _is_number(hi_s)):
                raise CPUSetError(f"invalid CPU list element {_shown(part)} in {_shown(text)}")
            lo = _number(lo_s, limit)
            hi = _number(hi_s, limit) if sep else lo
            if lo < 0 or hi < lo:
                raise CPUSetError(f"invalid CPU range {_shown(part)} in {_shown(text)}")
            if hi >= limit:
                raise CPUSetError(
                    f"CPU id {_shown(hi_s if sep else lo_s)} in {_shown(text)} is out of range: ids "
                    f"must be below {limit}" + (" (the kernel's NR_CPUS limit)" if limit == NR_CPUS else "")
                )
            ranges.append((lo, hi))
        return cls(_expand(ranges))

    @classmethod
    def from_hex_mask(cls, text: str) -> CPUSet:
        """Parse a sysfs `cpumap` mask: comma-separated 32-bit hex words, most significant first."""
        cleaned = text.replace("\x00", "").strip().replace(",", "")
        if not cleaned:
            return cls()
        try:
            if len(cleaned) > NR_CPUS // 4:
                raise ValueError(cleaned)
            value = int(cleaned, 16)
        except ValueError:
            raise CPUSetError(f"invalid CPU mask {_shown(text)}") from None
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
        if all(type(o) is CPUSet for o in others):
            return CPUSet._trusted(self._set.union(*(o._set for o in others)))  # type: ignore[attr-defined]
        s = set(self._ids)
        for o in others:
            s.update(o)
        return CPUSet(s)

    def intersection(self, other: Iterable[int]) -> CPUSet:
        # a subset of this set: its ids are valid already
        return CPUSet._trusted(self._set.intersection(other._set if type(other) is CPUSet else other))

    def difference(self, *others: Iterable[int]) -> CPUSet:
        # a subset of this set: its ids are valid already
        return CPUSet._trusted(self._set.difference(*(o._set if type(o) is CPUSet else o for o in others)))

    def issubset(self, other: Iterable[int]) -> bool:
        return self._set.issubset(other._set if type(other) is CPUSet else other)

    def isdisjoint(self, other: Iterable[int]) -> bool:
        return self._set.isdisjoint(other._set if type(other) is CPUSet else other)

    __or__ = union
    __and__ = intersection
    __sub__ = difference

    def __le__(self, other: CPUSet) -> bool:
        return self.issubset(other)


def _expand(ranges: list[tuple[int, int]]) -> frozenset[int]:
    """The ids of `ranges`, overlapping ones merged first (`0-8191` repeated costs one range)."""
    ranges.sort()
    ids: list[int] = []
    end = -1
    for lo, hi in ranges:
        if hi <= end:
            continue
        ids.extend(range(max(lo, end + 1), hi + 1))
        end = hi
    return frozenset(ids)


def _is_number(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _number(digits: str, limit: int) -> int:
    """The value of ASCII digits, or `limit` when there are too many to be below it (never
    converting thousands of digits)."""
    digits = digits.lstrip("0") or "0"
    return int(digits) if len(digits) <= len(str(limit)) else limit


def _shown(text: str) -> str:
    """A CPU list quoted for a message, cut short: the list came from the input."""
    return repr(text if len(text) <= 60 else text[:57] + "...")
