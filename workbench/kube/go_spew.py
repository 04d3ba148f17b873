"""The bytes the kubelet hashes for a checkpoint checksum: go-spew's `%#v` of a Go value.

`checksum.New(x)` (kubernetes `pkg/kubelet/checkpointmanager/checksum`) is FNV-32a over
`hashutil.DeepHashObject`, i.e. `spew.ConfigState{Indent: " ", SortKeys: true, DisableMethods:
true, SpewKeys: true}.Sprintf("%#v", x)`. This module emulates that formatter
(davecgh/go-spew v1.1.1 `spew/format.go`: `formatState.format`, `formatPtr`, `unpackValue`,
with map keys sorted by `SortValues`) for the value kinds checkpoints hold: strings, integers,
slices, maps, structs and pointers. The Go values are described by the small classes below,
each carrying its Go type name as `reflect.Type.String()` prints it (`state.NUMANodeMap`,
`map[string][]string`, `[]int`).

Only the formatter's `%#v` path matters: it prints a value's type in parentheses unless the
value is a map key, a map value or a slice element ("ignoreNextType"), dereferences pointers
(`(*T)` at top level, `<*>` inside containers), prints strings raw and unquoted, struct fields
as `Name:value` separated by spaces, maps as `map[k:v k:v]`, slices as `[a b]`, nil slices as
`<nil>`; `Indent` only matters for `Dump`, not for `Sprintf`.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.record import Record, setfield

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


def fnv1a32(data: bytes) -> int:
    """Go's `hash/fnv.New32a`."""
    h, prime = _FNV_OFFSET, _FNV_PRIME  # locals: this loop is the hot spot of reading a node
    for b in data:
        h = ((h ^ b) * prime) & 0xFFFFFFFF
    return h


class GoStr(Record):
    type: str
    value: str

    __slots__ = _fields = ("type", "value")

    def __init__(self, type: str, value: str) -> None:
        setfield(self, "type", type)
        setfield(self, "value", value)


class GoInt(Record):
    """Any integer kind (int, uint64, checksum.Checksum ...): spew prints it in decimal."""

    type: str
    value: int

    __slots__ = _fields = ("type", "value")

    def __init__(self, type: str, value: int) -> None:
        setfield(self, "type", type)
        setfield(self, "value", value)


class GoSlice(Record):
    type: str
    items: Sequence[GoValue] | None  # None: a nil slice

    __slots__ = _fields = ("type", "items")

    def __init__(self, type: str, items: Sequence[GoValue] | None) -> None:
        setfield(self, "type", type)
        setfield(self, "items", items)


class GoMap(Record):
    type: str
    items: Sequence[tuple[GoStr | GoInt, GoValue]]

    __slots__ = _fields = ("type", "items")

    def __init__(self, type: str, items: Sequence[tuple[GoStr | GoInt, GoValue]]) -> None:
        setfield(self, "type", type)
        setfield(self, "items", items)


class GoStruct(Record):
    type: str
    fields: Sequence[tuple[str, GoValue]]

    __slots__ = _fields = ("type", "fields")

    def __init__(self, type: str, fields: Sequence[tuple[str, GoValue]]) -> None:
        setfield(self, "type", type)
        setfield(self, "fields", fields)


class GoPtr(Record):
    """A pointer; `elem` None is a nil pointer to `elem_type`."""

    elem_type: str
    elem: GoValue | None

    __slots__ = _fields = ("elem_type", "elem")

    def __init__(self, elem_type: str, elem: GoValue | None) -> None:
        setfield(self, "elem_type", elem_type)
        setfield(self, "elem", elem)


GoValue = GoStr | GoInt | GoSlice | GoMap | GoStruct | GoPtr


def _sort_key(key: GoStr | GoInt) -> tuple[int, int, bytes]:
    # `SortValues`: integers by value, strings by their bytes (Go compares strings bytewise).
    if isinstance(key, GoInt):
        return (0, key.value, b"")
    return (1, 0, key.value.encode("utf-8", "surrogatepass"))


class _Formatter:
    def __init__(self) -> None:
        self.out: list[str] = []
        self.ignore_next_type = False

    def ptr(self, v: GoPtr) -> None:
        if v.elem is None:
            # A nil pointer shows its type only at top level (`(*T)<nil>`).
            self.out.append("<nil>" if self.ignore_next_type else f"(*{v.elem_type})<nil>")
            return
        self.out.append("<*>" if self.ignore_next_type else f"(*{v.elem_type})")
        self.ignore_next_type = True
        self.value(v.elem)

    def value(self, v: GoValue) -> None:
        if isinstance(v, GoPtr):
            self.ptr(v)
            return
        if not self.ignore_next_type:
            self.out.append(f"({v.type})")
        self.ignore_next_type = False
        if isinstance(v, GoStr):
            self.out.append(v.value)
        elif isinstance(v, GoInt):
            self.out.append(str(v.value))
        elif isinstance(v, GoSlice):
            self.slice(v)
        elif isinstance(v, GoMap):
            self.map(v)
        else:
            self.struct(v)

    def slice(self, v: GoSlice) -> None:
        if v.items is None:
            self.out.append("<nil>")
            return
        self.out.append("[")
        for i, item in enumerate(v.items):
            if i:
                self.out.append(" ")
            self.ignore_next_type = True
            self.value(item)
        self.out.append("]")

    def map(self, v: GoMap) -> None:
        self.out.append("map[")
        for i, (key, item) in enumerate(sorted(v.items, key=lambda kv: _sort_key(kv[0]))):
            if i:
                self.out.append(" ")
            self.ignore_next_type = True
            self.value(key)
            self.out.append(":")
            self.ignore_next_type = True
            self.value(item)
        self.out.append("]")

    def struct(self, v: GoStruct) -> None:
        self.out.append("{")
        for i, (name, item) in enumerate(v.fields):
            if i:
                self.out.append(" ")
            self.out.append(f"{name}:")
            self.value(item)
        self.out.append("}")


def spew_sprintf(v: GoValue) -> str:
    """`spew.ConfigState{...}.Sprintf("%#v", v)` for the config the kubelet hashes with."""
    f = _Formatter()
    f.value(v)
    return "".join(f.out)


def go_checksum(text: str) -> int:
    """FNV-32a of a spew dump (the replace-then-hash path of the legacy `VerifyChecksum`s)."""
    return fnv1a32(text.encode("utf-8", "surrogatepass"))


def checksum_new(v: GoValue) -> int:
    """`checksum.New(v)`."""
    return go_checksum(spew_sprintf(v))
