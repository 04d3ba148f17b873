"""Hint lists that are listed only when someone reads them.

On a 16-NUMA node a provider's hint list has up to 65535 entries, yet the topology manager's
merge usually needs only the preferred ones (a handful of narrowest masks): when every provider
has a common preferred mask, the merge never looks at the rest. `LazyHints` holds what the full
list is computed from (a snapshot, so later allocations cannot change it) and builds it on first
real use (iteration, indexing, `len`), while `preferred_masks()` answers from a cheap path.
The list it builds is exactly the provider's list, in the kubelet's order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from workbench.admission.bitmask import mask_of_set
from workbench.admission.decision import Hint

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if not TYPE_CHECKING:

    def overload(fn: object) -> object:
        return fn  # the overloads are for mypy; the last definition is the method

else:
    from typing import overload


class LazyHints(Sequence[Hint]):
    """A provider's hint list, computed on first use.

    `full()` returns the list in the kubelet's order; `preferred()` returns the node-id bitmasks
    of exactly its preferred hints, without building the list.
    """

    __slots__ = ("_full", "_preferred", "_hints", "_pref")

    def __init__(self, full: Callable[[], list[Hint]], preferred: Callable[[], frozenset[int]]) -> None:
        self._full: Callable[[], list[Hint]] | None = full
        self._preferred: Callable[[], frozenset[int]] | None = preferred
        self._hints: list[Hint] | None = None
        self._pref: frozenset[int] | None = None

    @property
    def listed(self) -> bool:
        """Whether the full list has been built (tests use it to prove the merge stayed cheap)."""
        return self._hints is not None

    def hints(self) -> list[Hint]:
        if self._hints is None:
            assert self._full is not None
            self._hints = self._full()
            self._full = None
        return self._hints

    def preferred_masks(self) -> frozenset[int]:
        if self._pref is None:
            if self._hints is not None or self._preferred is None:
                self._pref = frozenset(
                    mask_of_set(h.mask) for h in self.hints() if h.preferred and h.mask is not None
                )
            else:
                self._pref = self._preferred()
            self._preferred = None
        return self._pref

    def has_any(self) -> bool:
        """Whether the list is non-empty, answered from the preferred hints when there are any."""
        return bool(self.preferred_masks()) or bool(self.hints())

    # ---- Sequence ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.hints())

    @overload
    def __getitem__(self, index: int) -> Hint: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Hint]: ...

    def __getitem__(self, index: int | slice) -> Hint | Sequence[Hint]:
        return self.hints()[index]

    def __iter__(self) -> Iterator[Hint]:
        return iter(self.hints())

    def __bool__(self) -> bool:
        return self.has_any()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return list(self.hints()) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        state = f"{len(self._hints)} hints" if self._hints is not None else "not listed yet"
        return f"LazyHints({state})"


def preferred_masks(hints: Sequence[Hint]) -> tuple[bool, frozenset[int]]:
    """(a preferred don't-care is present, node-id bitmasks of the preferred hints)."""
    if isinstance(hints, LazyHints):
        return False, hints.preferred_masks()
    masks = [h.mask for h in hints if h.preferred]
    return None in masks, frozenset(mask_of_set(m) for m in masks if m is not None)


def is_empty(hints: Sequence[Hint]) -> bool:
    """`len(hints) == 0` without listing a lazy list that has preferred hints."""
    if isinstance(hints, LazyHints):
        return not hints.has_any()
    return len(hints) == 0


def frozen(hints: Sequence[Hint]) -> Sequence[Hint]:
    """An immutable form of a provider's list (lazy lists already are)."""
    return hints if isinstance(hints, LazyHints) else tuple(hints)
