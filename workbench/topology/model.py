"""The kubelet's view of one node: its CPUs, NUMA nodes, caches and devices (what admission uses).

A `Topology` holds exactly what the kubelet's CPU manager gets from cadvisor (`Discover`): the
CPUs it can see, socket ids as sysfs gives them (-1 when `physical_package_id` is unknown), the
kubelet's cores and uncore caches. The machine as it is (`machine.Machine`) is kept beside it in
`machine` when the topology was derived from one. Every core has a node-unique id (sysfs
`core_id` repeats across packages and dies). Lookups the kubelet's `CPUDetails` offers are
derived once, lazily.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cached_property
from types import MappingProxyType

from workbench.record import EMPTY, Record, setfield
from workbench.topology.cpuset import CPUSet

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import TypeVar

    from workbench.topology.machine import Machine

    _T = TypeVar("_T")


class CPU(Record):
    """One logical CPU (a hardware thread, lstopo's PU)."""

    id: int
    core: int
    socket: int
    numa: int
    die: int
    l3: int | None

    _fields = ("id", "core", "socket", "numa", "die", "l3")

    def __init__(
        self,
        id: int,
        core: int,
        socket: int,
        numa: int,
        die: int = 0,
        l3: int | None = None,
    ) -> None:
        setfield(self, "id", id)
        setfield(self, "core", core)
        setfield(self, "socket", socket)
        setfield(self, "numa", numa)
        setfield(self, "die", die)
        setfield(self, "l3", l3)

    @classmethod
    def many(cls, rows: Iterable[tuple[int, int, int, int, int, int | None]]) -> tuple[CPU, ...]:
        """CPUs from (id, core, socket, numa, die, l3) rows.

        Discovery makes one per CPU of the node; filling `__dict__` directly skips the frozen
        dataclass's field-by-field `object.__setattr__`, a third of the cost. Same objects.
        """
        new = object.__new__
        out = []
        for cid, core, socket, numa, die, l3 in rows:
            cpu = new(cls)
            cpu.__dict__.update(id=cid, core=core, socket=socket, numa=numa, die=die, l3=l3)
            out.append(cpu)
        return tuple(out)


class NumaNode(Record):
    id: int
    cpus: CPUSet
    memory_bytes: int
    # page size in bytes -> number of pages
    hugepages: Mapping[int, int]
    distances: Mapping[int, int]

    __slots__ = _fields = ("id", "cpus", "memory_bytes", "hugepages", "distances")

    def __init__(
        self,
        id: int,
        cpus: CPUSet,
        memory_bytes: int = 0,
        hugepages: Mapping[int, int] = EMPTY,
        distances: Mapping[int, int] = EMPTY,
    ) -> None:
        setfield(self, "id", id)
        setfield(self, "cpus", cpus)
        setfield(self, "memory_bytes", memory_bytes)
        setfield(self, "hugepages", hugepages)
        setfield(self, "distances", distances)


class Device(Record):
    """A PCI device with its NUMA node (None: the firmware gave none, so it has no preference)."""

    name: str
    kind: str
    numa: int | None
    # Extended resource the device plugin advertises it as, e.g. `nvidia.com/gpu`.
    resource: str | None
    address: str | None

    __slots__ = _fields = ("name", "kind", "numa", "resource", "address")

    def __init__(
        self,
        name: str,
        kind: str = "pci",
        numa: int | None = None,
        resource: str | None = None,
        address: str | None = None,
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "kind", kind)
        setfield(self, "numa", numa)
        setfield(self, "resource", resource)
        setfield(self, "address", address)


_NO_OFFLINE_CPUS: CPUSet = CPUSet()


class Topology(Record):
    name: str
    cpus: tuple[CPU, ...]
    numa_nodes: tuple[NumaNode, ...]
    devices: tuple[Device, ...]
    offline_cpus: CPUSet
    # Things discovery noticed and the user should know (e.g. where hwloc sees it differently).
    notes: tuple[str, ...]
    # The machine this view was derived from (None for a Topology built directly): not part of
    # the value, so equality stays what the kubelet sees.
    machine: Machine | None

    _fields = ("name", "cpus", "numa_nodes", "devices", "offline_cpus", "notes", "machine")
    _uncompared = frozenset({"machine"})
    _unshown = frozenset({"machine"})

    def __init__(
        self,
        name: str,
        cpus: tuple[CPU, ...],
        numa_nodes: tuple[NumaNode, ...],
        devices: tuple[Device, ...] = (),
        offline_cpus: CPUSet = _NO_OFFLINE_CPUS,
        notes: tuple[str, ...] = (),
        machine: Machine | None = None,
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "cpus", cpus)
        setfield(self, "numa_nodes", numa_nodes)
        setfield(self, "devices", devices)
        setfield(self, "offline_cpus", offline_cpus)
        setfield(self, "notes", notes)
        setfield(self, "machine", machine)

    # ---- derived lookups ---------------------------------------------------------------
    @cached_property
    def _derived(self) -> dict[Callable[[Topology], object], object]:
        return {}

    def derived(self, build: Callable[[Topology], _T]) -> _T:
        """`build(self)`, computed once per topology and kept with it as the lookups below are.

        How a higher layer caches what it derives from a node (admission's CPU index) without
        this layer importing it and without a module-level table: the value lives and dies with
        the topology. `build` is the key, so it must be a module-level function of the topology
        alone.
        """
        memo = self._derived
        if build not in memo:
            memo[build] = build(self)
        return memo[build]  # type: ignore[return-value]  # stored by this same `build`

    @cached_property
    def cpu_by_id(self) -> Mapping[int, CPU]:
        return MappingProxyType({c.id: c for c in self.cpus})

    @cached_property
    def all_cpus(self) -> CPUSet:
        return CPUSet(c.id for c in self.cpus)

    @cached_property
    def node_by_id(self) -> Mapping[int, NumaNode]:
        return MappingProxyType({n.id: n for n in self.numa_nodes})

    @cached_property
    def numa_ids(self) -> tuple[int, ...]:
        return tuple(sorted(n.id for n in self.numa_nodes))

    @cached_property
    def cpu_numa_ids(self) -> tuple[int, ...]:
        """NUMA nodes that hold at least one CPU (the ones the kubelet's CPU topology knows)."""
        return tuple(sorted({c.numa for c in self.cpus}))

    @cached_property
    def socket_ids(self) -> tuple[int, ...]:
        return tuple(sorted({c.socket for c in self.cpus}))

    @cached_property
    def core_ids(self) -> tuple[int, ...]:
        return tuple(sorted({c.core for c in self.cpus}))

    @cached_property
    def l3_ids(self) -> tuple[int, ...]:
        return tuple(sorted({c.l3 for c in self.cpus if c.l3 is not None}))

    def _group(self, key: str) -> Mapping[int, CPUSet]:
        groups: dict[int, list[int]] = {}
        for c in self.cpus:
            k = getattr(c, key)
            if k is not None:
                groups.setdefault(k, []).append(c.id)
        return MappingProxyType({k: CPUSet(v) for k, v in sorted(groups.items())})

    @cached_property
    def cpus_by_socket(self) -> Mapping[int, CPUSet]:
        return self._group("socket")

    @cached_property
    def cpus_by_numa(self) -> Mapping[int, CPUSet]:
        return self._group("numa")

    @cached_property
    def cpus_by_core(self) -> Mapping[int, CPUSet]:
        return self._group("core")

    @cached_property
    def cpus_by_l3(self) -> Mapping[int, CPUSet]:
        return self._group("l3")

    @cached_property
    def cpus_per_core(self) -> int:
        """CPUs per core as the kubelet computes it: NumCPUs / NumCores (integer division)."""
        return len(self.cpus) // max(1, len(self.core_ids))

    @cached_property
    def cpus_per_socket(self) -> int:
        return len(self.cpus) // max(1, len(self.socket_ids))

    @cached_property
    def cpus_per_numa(self) -> int:
        return len(self.cpus) // max(1, len(self.cpu_numa_ids))

    @cached_property
    def cpus_per_l3(self) -> int:
        return len(self.cpus) // max(1, len(self.l3_ids)) if self.l3_ids else 0

    def cpus_in_numa(self, ids: Iterable[int]) -> CPUSet:
        out: set[int] = set()
        by = self.cpus_by_numa
        for i in ids:
            out.update(by.get(i, ()))
        return CPUSet(out)

    def cpus_in_sockets(self, ids: Iterable[int]) -> CPUSet:
        out: set[int] = set()
        by = self.cpus_by_socket
        for i in ids:
            out.update(by.get(i, ()))
        return CPUSet(out)

    def numa_of(self, cpus: Iterable[int]) -> CPUSet:
        by = self.cpu_by_id
        return CPUSet(by[c].numa for c in cpus if c in by)

    def sockets_of_numa(self, numa_ids: Iterable[int]) -> frozenset[int]:
        """Socket ids (a plain set: the kubelet's socket id can be -1, which no CPUSet holds)."""
        wanted = set(numa_ids)
        return frozenset(c.socket for c in self.cpus if c.numa in wanted)

    def numa_of_sockets(self, socket_ids: Iterable[int]) -> CPUSet:
        wanted = set(socket_ids)
        return CPUSet(c.numa for c in self.cpus if c.socket in wanted)

    def siblings(self, cpu: int) -> CPUSet:
        return self.cpus_by_core[self.cpu_by_id[cpu].core]

    def distance(self, a: int, b: int) -> int | None:
        node = self.node_by_id.get(a)
        if node is None:
            return None
        return node.distances.get(b)
