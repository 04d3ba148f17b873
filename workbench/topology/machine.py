"""The machine as it is: every online CPU, its package, core, NUMA node and group levels.

This is the machine as hwloc describes it (`topology-linux.c` `look_sysfscpu`): CPUs the kubelet
cannot see (no NUMA node, no `core_id`) are here, packages come from the package masks when
`physical_package_id` is -1, and books, drawers, clusters and dies are kept where sysfs has them.
Each CPU also keeps the raw sysfs ids cadvisor reads (`socket` = `physical_package_id`,
`core_id`), so the kubelet's view (`Topology`, which admission uses) is derived from this model
alone, in `kubelet_view`; `Machine.kubelet` computes it once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from types import MappingProxyType

from workbench.record import Record, setfield
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Device, NumaNode, Topology

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import NamedTuple

    from workbench.topology.kubelet_view import KubeletView
else:
    from workbench.record import NamedTuple

# Group levels beside packages and cores, outermost first (s390 drawers hold books, books hold
# packages; dies and clusters sit inside a package).
GROUP_KINDS = ("drawer", "book", "package", "die", "cluster")


class MachineCPU(NamedTuple):
    """One online logical CPU (hwloc's PU) and everything around it.

    A named tuple: discovery makes one per CPU, and tuples are built several times faster than
    frozen dataclasses.
    """

    id: int
    package: int  # the machine's package (hwloc's Package)
    core: int  # node-unique physical core: one set of thread siblings (hwloc's Core)
    numa: int | None  # None: sysfs puts the CPU in no NUMA node
    socket: int | None  # `physical_package_id` as sysfs has it; -1 unknown, None no file
    core_id: int | None  # sysfs `core_id`; None: no file
    die: int = 0
    cluster: int | None = None  # node-unique cluster (cluster_cpus) when it holds several CPUs
    book: int | None = None  # s390 `book_id`
    drawer: int | None = None  # s390 `drawer_id`
    l3: int | None = None  # L3 cache group


class Group(NamedTuple):
    """One object of a group level: a package, die, cluster, book or drawer, with its CPUs."""

    kind: str
    id: int
    cpus: CPUSet


_NO_OFFLINE_CPUS: CPUSet = CPUSet()


class Machine(Record):
    name: str
    cpus: tuple[MachineCPU, ...]
    numa_nodes: tuple[NumaNode, ...]
    devices: tuple[Device, ...]
    offline_cpus: CPUSet
    notes: tuple[str, ...]
    # How sysfs presents the machine where that changes what cadvisor reads:
    # no `node/` directory (cadvisor then makes one NUMA node per package, `getCPUTopology`)...
    node_directory: bool
    # ...and cache directories cadvisor's `GetCacheInfo` can read (it needs an `id` file).
    cache_ids: bool
    # The kubelet view, when this machine was made from one (`machine_of`): kept as given.
    given_view: Topology | None

    _fields = (
        "name",
        "cpus",
        "numa_nodes",
        "devices",
        "offline_cpus",
        "notes",
        "node_directory",
        "cache_ids",
        "given_view",
    )
    _uncompared = frozenset({"given_view"})
    _unshown = frozenset({"given_view"})

    def __init__(
        self,
        name: str,
        cpus: tuple[MachineCPU, ...],
        numa_nodes: tuple[NumaNode, ...],
        devices: tuple[Device, ...] = (),
        offline_cpus: CPUSet = _NO_OFFLINE_CPUS,
        notes: tuple[str, ...] = (),
        node_directory: bool = True,
        cache_ids: bool = True,
        given_view: Topology | None = None,
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "cpus", cpus)
        setfield(self, "numa_nodes", numa_nodes)
        setfield(self, "devices", devices)
        setfield(self, "offline_cpus", offline_cpus)
        setfield(self, "notes", notes)
        setfield(self, "node_directory", node_directory)
        setfield(self, "cache_ids", cache_ids)
        setfield(self, "given_view", given_view)

    @cached_property
    def kubelet(self) -> KubeletView:
        """The machine as the kubelet sees it (cadvisor `GetNodesInfo` + kubelet `Discover`)."""
        from workbench.topology.kubelet_view import derive_kubelet_view, view_of_topology

        if self.given_view is not None:
            return view_of_topology(self, self.given_view)
        return derive_kubelet_view(self)

    @property
    def kubelet_topology(self) -> Topology:
        return self.kubelet.topology

    # ---- lookups ------------------------------------------------------------------------
    @cached_property
    def cpu_by_id(self) -> Mapping[int, MachineCPU]:
        return MappingProxyType({c.id: c for c in self.cpus})

    @cached_property
    def all_cpus(self) -> CPUSet:
        return CPUSet(c.id for c in self.cpus)

    @cached_property
    def node_by_id(self) -> Mapping[int, NumaNode]:
        return MappingProxyType({n.id: n for n in self.numa_nodes})

    @cached_property
    def nodeless_cpus(self) -> CPUSet:
        return CPUSet(c.id for c in self.cpus if c.numa is None)

    @cached_property
    def cpus_by_package(self) -> Mapping[int, CPUSet]:
        return _group(self.cpus, lambda c: c.package)

    @cached_property
    def cpus_by_core(self) -> Mapping[int, CPUSet]:
        return _group(self.cpus, lambda c: c.core)

    @cached_property
    def cpus_by_l3(self) -> Mapping[int, CPUSet]:
        return _group(self.cpus, lambda c: c.l3)

    @cached_property
    def l3_sizes(self) -> Mapping[int, int]:
        """L3 group -> number of its CPUs (what `shared_cpu_map` counts)."""
        sizes: dict[int, int] = {}
        for c in self.cpus:
            if c.l3 is not None:
                sizes[c.l3] = sizes.get(c.l3, 0) + 1
        return MappingProxyType(sizes)

    @cached_property
    def cpus_by_numa(self) -> Mapping[int, CPUSet]:
        return _group(self.cpus, lambda c: c.numa)

    @cached_property
    def is_s390(self) -> bool:
        """Books and drawers exist only on s390 kernels (and cadvisor reads them only there)."""
        return any(c.book is not None or c.drawer is not None for c in self.cpus)

    def groups(self, kind: str) -> tuple[Group, ...]:
        """The objects of one group level (see GROUP_KINDS), in order of their lowest CPU."""
        cache = self._group_cache
        if kind not in cache:
            cache[kind] = self._make_groups(kind)
        return cache[kind]

    @cached_property
    def _group_cache(self) -> dict[str, tuple[Group, ...]]:
        return {}

    def _make_groups(self, kind: str) -> tuple[Group, ...]:
        by_key: dict[object, list[int]] = {}
        for c in self.cpus:
            key: object = (c.package, c.die) if kind == "die" else getattr(c, kind)
            if key is not None:
                by_key.setdefault(key, []).append(c.id)
        found = []
        for key, members in by_key.items():
            gid = key[1] if isinstance(key, tuple) else key
            assert isinstance(gid, int)
            found.append(Group(kind, gid, CPUSet(members)))
        return tuple(sorted(found, key=lambda g: g.cpus.sorted()[0]))

    @cached_property
    def dies_shown(self) -> tuple[Group, ...]:
        """Dies that are not a whole package (hwloc merges a die identical to its package)."""
        if not any(c.die for c in self.cpus):
            return ()  # one die per package
        packages = set(self.cpus_by_package.values())
        return tuple(g for g in self.groups("die") if g.cpus not in packages)


def _group(cpus: tuple[MachineCPU, ...], key: Callable[[MachineCPU], int | None]) -> Mapping[int, CPUSet]:
    groups: dict[int, list[int]] = {}
    for c in cpus:
        k = key(c)
        if k is not None:
            groups.setdefault(k, []).append(c.id)
    return MappingProxyType({k: CPUSet(v) for k, v in sorted(groups.items())})


def machine_of(topology: Topology) -> Machine:
    """The machine behind a kubelet view: the one it was derived from, or one just like it.

    A `Topology` built directly (tests, scripts) has no machine; it then stands for a machine
    whose every CPU the kubelet sees as given.
    """
    if topology.machine is not None:
        return topology.machine
    fresh = max((c.socket for c in topology.cpus), default=-1) + 1
    cpus = tuple(
        MachineCPU(
            id=c.id,
            package=c.socket if c.socket >= 0 else fresh,
            core=c.core,
            numa=c.numa,
            socket=c.socket,
            core_id=c.core,
            die=c.die,
            l3=c.l3,
        )
        for c in topology.cpus
    )
    return Machine(
        name=topology.name,
        cpus=cpus,
        numa_nodes=topology.numa_nodes,
        devices=topology.devices,
        offline_cpus=topology.offline_cpus,
        notes=topology.notes,
        given_view=topology,
    )
