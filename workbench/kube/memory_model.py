"""The memory manager's state as its checkpoint records it (re-exported by `kube.model`)."""

from __future__ import annotations

from collections.abc import Mapping

from workbench.record import Record, setfield


class MemoryTable(Record):
    """One resource's row of a NUMA node in the memory manager's machine state (bytes)."""

    total: int
    system_reserved: int
    allocatable: int
    reserved: int
    free: int

    __slots__ = _fields = ("total", "system_reserved", "allocatable", "reserved", "free")

    def __init__(self, total: int, system_reserved: int, allocatable: int, reserved: int, free: int) -> None:
        setfield(self, "total", total)
        setfield(self, "system_reserved", system_reserved)
        setfield(self, "allocatable", allocatable)
        setfield(self, "reserved", reserved)
        setfield(self, "free", free)


class NumaMemoryState(Record):
    number_of_assignments: int
    memory_map: Mapping[str, MemoryTable]
    cells: tuple[int, ...]

    __slots__ = _fields = ("number_of_assignments", "memory_map", "cells")

    def __init__(
        self,
        number_of_assignments: int,
        memory_map: Mapping[str, MemoryTable],
        cells: tuple[int, ...],
    ) -> None:
        setfield(self, "number_of_assignments", number_of_assignments)
        setfield(self, "memory_map", memory_map)
        setfield(self, "cells", cells)


class MemoryBlock(Record):
    numa_affinity: tuple[int, ...]
    type: str
    size: int

    __slots__ = _fields = ("numa_affinity", "type", "size")

    def __init__(self, numa_affinity: tuple[int, ...], type: str, size: int) -> None:
        setfield(self, "numa_affinity", numa_affinity)
        setfield(self, "type", type)
        setfield(self, "size", size)
