"""The lookups the kubelet's `CPUTopology`/`CPUDetails` offer, computed once per `Topology`.

The CPU picker asks "which cores of socket S", "how many CPUs in NUMA node N" thousands of
times per admission; building these tables once keeps a 512-CPU node fast.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from types import MappingProxyType

from workbench.admission.cpu_mask_table import mask_table
from workbench.record import Record, setfield
from workbench.topology.model import Topology

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import TypeVar

    _K = TypeVar("_K", int, tuple[int, int])

# An uncore (L3) cache id for CPUs whose cache the topology does not know: cAdvisor reports 0,
# so every such CPU shares one cache, as in the kubelet's own test topologies.
UNKNOWN_UNCORE = 0


Pair = tuple[int, int]
FullCounts = tuple[
    dict[int, int], dict[int, int], dict[int, int], dict[int, int], dict[Pair, int], dict[Pair, int]
]


def _freeze(groups: dict[int, list[int]]) -> Mapping[int, tuple[int, ...]]:
    return MappingProxyType({k: tuple(sorted(set(v))) for k, v in sorted(groups.items())})


def _parents(groups: Mapping[int, tuple[int, ...]]) -> Mapping[int, tuple[int, ...]]:
    out: dict[int, list[int]] = {}
    for g, members in sorted(groups.items()):
        for m in members:
            out.setdefault(m, []).append(g)
    return MappingProxyType({m: tuple(gs) for m, gs in out.items()})


class CPUIndex(Record):
    """Static facts about a node's CPUs, keyed the way the kubelet's CPU manager keys them."""

    cpus: tuple[int, ...]
    core_of: Mapping[int, int]
    socket_of: Mapping[int, int]
    numa_of: Mapping[int, int]
    uncore_of: Mapping[int, int]
    cpus_in_core: Mapping[int, tuple[int, ...]]
    cpus_in_socket: Mapping[int, tuple[int, ...]]
    cpus_in_numa: Mapping[int, tuple[int, ...]]
    cpus_in_uncore: Mapping[int, tuple[int, ...]]
    cores_in_socket: Mapping[int, tuple[int, ...]]
    cores_in_numa: Mapping[int, tuple[int, ...]]
    cores_in_uncore: Mapping[int, tuple[int, ...]]
    sockets_in_numa: Mapping[int, tuple[int, ...]]
    numas_in_socket: Mapping[int, tuple[int, ...]]
    uncores_in_numa: Mapping[int, tuple[int, ...]]
    cpus_in_numa_socket: Mapping[tuple[int, int], tuple[int, ...]]
    cpus_in_numa_uncore: Mapping[tuple[int, int], tuple[int, ...]]
    cpu_set: frozenset[int]

    _fields = (
        "cpus",
        "core_of",
        "socket_of",
        "numa_of",
        "uncore_of",
        "cpus_in_core",
        "cpus_in_socket",
        "cpus_in_numa",
        "cpus_in_uncore",
        "cores_in_socket",
        "cores_in_numa",
        "cores_in_uncore",
        "sockets_in_numa",
        "numas_in_socket",
        "uncores_in_numa",
        "cpus_in_numa_socket",
        "cpus_in_numa_uncore",
        "cpu_set",
    )

    def __init__(
        self,
        cpus: tuple[int, ...],
        core_of: Mapping[int, int],
        socket_of: Mapping[int, int],
        numa_of: Mapping[int, int],
        uncore_of: Mapping[int, int],
        cpus_in_core: Mapping[int, tuple[int, ...]],
        cpus_in_socket: Mapping[int, tuple[int, ...]],
        cpus_in_numa: Mapping[int, tuple[int, ...]],
        cpus_in_uncore: Mapping[int, tuple[int, ...]],
        cores_in_socket: Mapping[int, tuple[int, ...]],
        cores_in_numa: Mapping[int, tuple[int, ...]],
        cores_in_uncore: Mapping[int, tuple[int, ...]],
        sockets_in_numa: Mapping[int, tuple[int, ...]],
        numas_in_socket: Mapping[int, tuple[int, ...]],
        uncores_in_numa: Mapping[int, tuple[int, ...]],
        cpus_in_numa_socket: Mapping[tuple[int, int], tuple[int, ...]],
        cpus_in_numa_uncore: Mapping[tuple[int, int], tuple[int, ...]],
        cpu_set: frozenset[int],
    ) -> None:
        setfield(self, "cpus", cpus)
        setfield(self, "core_of", core_of)
        setfield(self, "socket_of", socket_of)
        setfield(self, "numa_of", numa_of)
        setfield(self, "uncore_of", uncore_of)
        setfield(self, "cpus_in_core", cpus_in_core)
        setfield(self, "cpus_in_socket", cpus_in_socket)
        setfield(self, "cpus_in_numa", cpus_in_numa)
        setfield(self, "cpus_in_uncore", cpus_in_uncore)
        setfield(self, "cores_in_socket", cores_in_socket)
        setfield(self, "cores_in_numa", cores_in_numa)
        setfield(self, "cores_in_uncore", cores_in_uncore)
        setfield(self, "sockets_in_numa", sockets_in_numa)
        setfield(self, "numas_in_socket", numas_in_socket)
        setfield(self, "uncores_in_numa", uncores_in_numa)
        setfield(self, "cpus_in_numa_socket", cpus_in_numa_socket)
        setfield(self, "cpus_in_numa_uncore", cpus_in_numa_uncore)
        setfield(self, "cpu_set", cpu_set)

    @property
    def num_cpus(self) -> int:
        return len(self.cpus)

    @property
    def num_cores(self) -> int:
        return len(self.cpus_in_core)

    @property
    def num_sockets(self) -> int:
        return len(self.cpus_in_socket)

    @property
    def num_numa(self) -> int:
        return len(self.cpus_in_numa)

    @property
    def numa_ids(self) -> tuple[int, ...]:
        return tuple(self.cpus_in_numa)

    @cached_property
    def cpus_per_core(self) -> int:
        """`CPUsPerCore`: NumCPUs / NumCores, integer division as in the kubelet."""
        return self.num_cpus // self.num_cores if self.num_cores else 0

    @cached_property
    def full_counts(self) -> FullCounts:
        """CPUs per core, socket, NUMA node, uncore cache, (NUMA, socket), (NUMA, uncore): the
        free counts of an idle machine, which a CPU pick copies and lowers by the busy CPUs."""

        def sizes(groups: Mapping[_K, tuple[int, ...]]) -> dict[_K, int]:
            return {k: len(v) for k, v in groups.items()}

        return (
            sizes(self.cpus_in_core),
            sizes(self.cpus_in_socket),
            sizes(self.cpus_in_numa),
            sizes(self.cpus_in_uncore),
            sizes(self.cpus_in_numa_socket),
            sizes(self.cpus_in_numa_uncore),
        )

    @cached_property
    def numas_of_core(self) -> Mapping[int, tuple[int, ...]]:
        """Core -> the NUMA nodes whose `cores_in_numa` list it, ascending."""
        return _parents(self.cores_in_numa)

    @cached_property
    def sockets_of_core(self) -> Mapping[int, tuple[int, ...]]:
        """Core -> the sockets whose `cores_in_socket` list it, ascending."""
        return _parents(self.cores_in_socket)

    @cached_property
    def unit_keys(self) -> Mapping[int, tuple[int, int, int, int, Pair, Pair]]:
        """CPU id -> (core, socket, NUMA node, uncore cache, (NUMA, socket), (NUMA, uncore)):
        the keys of the six free counts a CPU pick keeps, built once, not per counted CPU."""
        keys: dict[int, tuple[int, int, int, int, Pair, Pair]] = {}
        for c in self.cpus:
            k, s, n, u = self.core_of[c], self.socket_of[c], self.numa_of[c], self.uncore_of[c]
            keys[c] = (k, s, n, u, (n, s), (n, u))
        return MappingProxyType(keys)

    @cached_property
    def mask_capacity(self) -> list[int]:
        """CPUs (free or not) under every NUMA mask over `numa_ids`, indexed by mask value:
        fixed for a machine, and what decides which hints are preferred."""
        table = mask_table(self.numa_ids)
        return table.sums([len(self.cpus_in_numa[n]) for n in table.ids])

    @cached_property
    def cpus_per_uncore(self) -> int:
        """`CPUsPerUncore`: NumCPUs / NumUncoreCache (an average: caches may differ in size)."""
        return self.num_cpus // len(self.cpus_in_uncore) if self.cpus_in_uncore else 0

    @cached_property
    def numa_first(self) -> bool:
        """`NumSockets >= NumNUMANodes`: NUMA nodes hold whole sockets, so they are taken first."""
        return self.num_sockets >= self.num_numa


def build_index(topology: Topology) -> CPUIndex:
    core_of: dict[int, int] = {}
    socket_of: dict[int, int] = {}
    numa_of: dict[int, int] = {}
    uncore_of: dict[int, int] = {}
    by_core: dict[int, list[int]] = {}
    by_socket: dict[int, list[int]] = {}
    by_numa: dict[int, list[int]] = {}
    by_uncore: dict[int, list[int]] = {}
    cores_socket: dict[int, list[int]] = {}
    cores_numa: dict[int, list[int]] = {}
    cores_uncore: dict[int, list[int]] = {}
    sockets_numa: dict[int, list[int]] = {}
    numas_socket: dict[int, list[int]] = {}
    uncores_numa: dict[int, list[int]] = {}
    numa_socket: dict[tuple[int, int], list[int]] = {}
    numa_uncore: dict[tuple[int, int], list[int]] = {}
    for c in topology.cpus:
        uncore = c.l3 if c.l3 is not None else UNKNOWN_UNCORE
        core_of[c.id] = c.core
        socket_of[c.id] = c.socket
        numa_of[c.id] = c.numa
        uncore_of[c.id] = uncore
        by_core.setdefault(c.core, []).append(c.id)
        by_socket.setdefault(c.socket, []).append(c.id)
        by_numa.setdefault(c.numa, []).append(c.id)
        by_uncore.setdefault(uncore, []).append(c.id)
        cores_socket.setdefault(c.socket, []).append(c.core)
        cores_numa.setdefault(c.numa, []).append(c.core)
        cores_uncore.setdefault(uncore, []).append(c.core)
        sockets_numa.setdefault(c.numa, []).append(c.socket)
        numas_socket.setdefault(c.socket, []).append(c.numa)
        uncores_numa.setdefault(c.numa, []).append(uncore)
        numa_socket.setdefault((c.numa, c.socket), []).append(c.id)
        numa_uncore.setdefault((c.numa, uncore), []).append(c.id)
    return CPUIndex(
        cpus=tuple(sorted(core_of)),
        core_of=MappingProxyType(core_of),
        socket_of=MappingProxyType(socket_of),
        numa_of=MappingProxyType(numa_of),
        uncore_of=MappingProxyType(uncore_of),
        cpus_in_core=_freeze(by_core),
        cpus_in_socket=_freeze(by_socket),
        cpus_in_numa=_freeze(by_numa),
        cpus_in_uncore=_freeze(by_uncore),
        cores_in_socket=_freeze(cores_socket),
        cores_in_numa=_freeze(cores_numa),
        cores_in_uncore=_freeze(cores_uncore),
        sockets_in_numa=_freeze(sockets_numa),
        numas_in_socket=_freeze(numas_socket),
        uncores_in_numa=_freeze(uncores_numa),
        cpus_in_numa_socket=MappingProxyType({k: tuple(sorted(v)) for k, v in numa_socket.items()}),
        cpus_in_numa_uncore=MappingProxyType({k: tuple(sorted(v)) for k, v in numa_uncore.items()}),
        cpu_set=frozenset(core_of),
    )


def cpu_index(topology: Topology) -> CPUIndex:
    """The index of `topology`, built on first use and kept with it (`Topology.derived`)."""
    return topology.derived(build_index)
