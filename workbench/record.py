"""Value classes without `dataclasses`: start-up is most of a CLI command's cost.

Importing `dataclasses` pulls in `inspect` (~15 ms) and each `@dataclass` compiles its methods at
import (~0.7 ms a class); the topology and admit commands define about fifty. The classes on
those paths are written out instead: `__slots__`, the field names in `_fields` and a hand-written
`__init__`. `Record` gives them what a frozen dataclass had: equality and hashing over the
compared fields (same class only), a repr, refusal to set or delete attributes, pickling and
`copy`, `__match_args__`. `MutableRecord` is the non-frozen variant (equality, unhashable).
`replace(obj, **changes)` stands for `dataclasses.replace`.

The `dataclasses` functions still work on records (`replace`, `fields`, `asdict`, `is_dataclass`):
`__dataclass_fields__` is built, importing `dataclasses`, the first time something asks for it,
so code elsewhere that treats these classes as dataclasses keeps working and pays only then.

In `__init__`, a frozen record sets its fields with `setfield(self, name, value)`.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import attrgetter
from types import MappingProxyType

# `typing` costs ~5-9 ms to import and these modules need it for annotations only (mypy reads a
# module-level TYPE_CHECKING as typing's).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar, TypeVar

    R = TypeVar("R", bound="_Base")

# The one empty read-only mapping every record's mapping fields default to (it cannot change, so
# sharing it is what `default_factory=lambda: MappingProxyType({})` gave, minus the allocations).
EMPTY: Mapping[Any, Any] = MappingProxyType({})

setfield = object.__setattr__


class FrozenError(AttributeError):
    """Assignment to a field of a frozen record (as `dataclasses.FrozenInstanceError`)."""


class _DataclassFields:
    """`cls.__dataclass_fields__`, made on first use (a non-data descriptor on the base class;
    the built mapping is then stored on the class itself, shadowing it)."""

    def __get__(self, obj: object, cls: type[_Base]) -> dict[str, Any]:
        import dataclasses

        built: dict[str, Any] = {}
        for name in cls._fields:
            f = dataclasses.field(compare=name not in cls._uncompared, repr=name not in cls._unshown)
            f.name = name
            f.type = cls.__annotations__.get(name, "Any")
            f._field_type = dataclasses._FIELD  # type: ignore[attr-defined]
            built[name] = f
        type.__setattr__(cls, "__dataclass_fields__", built)
        return built


class _Base:
    __slots__ = ()
    # Field names in constructor order; `_uncompared` are left out of equality and hashing,
    # `_unshown` out of the repr.
    _fields: ClassVar[tuple[str, ...]] = ()
    _uncompared: ClassVar[frozenset[str]] = frozenset()
    _unshown: ClassVar[frozenset[str]] = frozenset()
    # What equality and hashing compare (the class itself when no field is compared).
    _key: ClassVar[attrgetter[Any]] = attrgetter("__class__")
    _shown: ClassVar[tuple[str, ...]] = ()
    __dataclass_fields__: ClassVar[Any] = _DataclassFields()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        compared = [f for f in cls._fields if f not in cls._uncompared]
        cls._key = attrgetter(*compared) if compared else attrgetter("__class__")
        cls._shown = tuple(f for f in cls._fields if f not in cls._unshown)
        type.__setattr__(cls, "__match_args__", cls._fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is self.__class__:
            key = self._key
            return bool(key(self) == key(other))
        return NotImplemented

    def __repr__(self) -> str:
        shown = ", ".join(f"{f}={getattr(self, f)!r}" for f in self._shown)
        return f"{self.__class__.__qualname__}({shown})"

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        return (self.__class__, tuple(getattr(self, f) for f in self._fields))


class Record(_Base):
    """A frozen value: fields set once in `__init__` (with `setfield`), never after."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._key(self))

    def __setattr__(self, name: str, value: object) -> None:
        raise FrozenError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise FrozenError(f"cannot delete field {name!r}")


class MutableRecord(_Base):
    """A mutable value: equality over its fields, so (as a dataclass) not hashable."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]


def replace(obj: R, /, **changes: Any) -> R:
    """A copy of `obj` with `changes` (field name -> value), as `dataclasses.replace`."""
    values = {f: getattr(obj, f) for f in obj._fields}
    values.update(changes)
    make: Any = obj.__class__
    return make(**values)  # type: ignore[no-any-return]


_NOT_COPIED = frozenset({"__module__", "__qualname__", "__annotations__", "__doc__", "__dict__"})


class _NamedTupleMeta(type):
    """What `class X(typing.NamedTuple)` makes, without importing `typing`: the
    `collections.namedtuple` of the annotated fields (defaults from the class body) with the
    body's methods and docstring. Modules import `typing.NamedTuple` for mypy and this at runtime."""

    def __new__(mcls, name: str, bases: tuple[type, ...], ns: dict[str, Any]) -> Any:
        if not bases:
            return super().__new__(mcls, name, bases, ns)
        from collections import namedtuple

        fields = list(ns.get("__annotations__", {}))
        defaults = [ns[f] for f in fields if f in ns]
        if any(f not in ns for f in fields[len(fields) - len(defaults) :]):
            raise TypeError(f"{name}: a field without a default follows one with a default")
        cls = namedtuple(name, fields, defaults=defaults, module=ns.get("__module__"))  # type: ignore[misc]
        for key, value in ns.items():
            if key not in _NOT_COPIED and key not in fields:
                setattr(cls, key, value)
        if ns.get("__doc__"):
            cls.__doc__ = ns["__doc__"]
        cls.__annotations__ = ns.get("__annotations__", {})
        return cls


class NamedTuple(metaclass=_NamedTupleMeta):
    """Base of a `class X(NamedTuple)` at runtime (see `_NamedTupleMeta`)."""
