"""The machine as the grid draws it: hwloc's view (every online CPU, packages from the package
masks when `physical_package_id` is -1, CPUs in no NUMA node), with the kubelet's view beside it
(`Machine.kubelet`): which CPUs it cannot see, and why, in one line.

Both views are the topology layer's (`topology.Machine`, `topology.kubelet_view`); this module
only groups them into the boxes and headers of the grid.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from workbench.record import Record, setfield
from workbench.topology import Machine, machine_of
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology

NO_NODE = "no NUMA node"


class Box(Record):
    """One box of the grid: a NUMA node (`node` set) or a package's CPUs in no NUMA node."""

    node: int | None
    cores: tuple[tuple[int, ...], ...]  # each core's CPUs, cores by their lowest CPU
    memory_bytes: int

    __slots__ = _fields = ("node", "cores", "memory_bytes")

    def __init__(self, node: int | None, cores: tuple[tuple[int, ...], ...], memory_bytes: int = 0) -> None:
        setfield(self, "node", node)
        setfield(self, "cores", cores)
        setfield(self, "memory_bytes", memory_bytes)


class Band(Record):
    """The boxes under one header: a package, several packages one NUMA node spans, or the
    memory-only nodes."""

    title: str
    boxes: tuple[Box, ...]

    __slots__ = _fields = ("title", "boxes")

    def __init__(self, title: str, boxes: tuple[Box, ...]) -> None:
        setfield(self, "title", title)
        setfield(self, "boxes", boxes)


class MachineView(Record):
    bands: tuple[Band, ...]
    hidden: Mapping[int, str]  # CPU the kubelet cannot see -> why, in one line
    read_otherwise: Mapping[int, str]  # CPU the kubelet sees differently -> the first reason
    machine: Machine

    __slots__ = _fields = ("bands", "hidden", "read_otherwise", "machine")

    def __init__(
        self,
        bands: tuple[Band, ...],
        hidden: Mapping[int, str],
        read_otherwise: Mapping[int, str],
        machine: Machine,
    ) -> None:
        setfield(self, "bands", bands)
        setfield(self, "hidden", hidden)
        setfield(self, "read_otherwise", read_otherwise)
        setfield(self, "machine", machine)

    def box_of(self, cpu: int) -> Box | None:
        for band in self.bands:
            for box in band.boxes:
                if any(cpu in core for core in box.cores):
                    return box
        return None


def _title(packages: CPUSet) -> str:
    return f"Socket {packages}" if len(packages) == 1 else f"Sockets {packages}"


def _cores(machine: Machine, cpus: CPUSet) -> tuple[tuple[int, ...], ...]:
    by_core: dict[int, list[int]] = {}
    for cpu in cpus:
        by_core.setdefault(machine.cpu_by_id[cpu].core, []).append(cpu)
    return tuple(sorted((tuple(sorted(v)) for v in by_core.values()), key=lambda c: c[0]))


def _build(machine: Machine) -> MachineView:
    bands: dict[CPUSet, list[Box]] = {}
    memory_only: list[Box] = []
    for node in sorted(machine.numa_nodes, key=lambda n: n.id):
        cpus = machine.cpus_by_numa.get(node.id, CPUSet())
        if not cpus:
            memory_only.append(Box(node.id, (), node.memory_bytes))
            continue
        packages = CPUSet(machine.cpu_by_id[c].package for c in cpus)
        bands.setdefault(packages, []).append(Box(node.id, _cores(machine, cpus), node.memory_bytes))
    # CPUs sysfs puts in no NUMA node still run processes: one box per package holding them.
    for package, cpus in machine.cpus_by_package.items():
        nodeless = cpus & machine.nodeless_cpus
        if nodeless:
            bands.setdefault(CPUSet([package]), []).append(Box(None, _cores(machine, nodeless)))
    ordered = sorted(bands.items(), key=lambda kv: kv[0].sorted()[0])
    out = [Band(_title(p), tuple(sorted(b, key=lambda x: x.cores[0][0]))) for p, b in ordered]
    if memory_only:
        out.append(Band("Memory-only nodes", tuple(memory_only)))
    kubelet = machine.kubelet
    first = {c: marks[0] for c, marks in kubelet.marks.items() if c not in kubelet.left_out and marks}
    return MachineView(tuple(out), kubelet.left_out, MappingProxyType(first), machine)


def machine_view(topology: Topology) -> MachineView:
    """The machine behind the kubelet view `topology` (one just like it when it has none),
    grouped for the grid. The grid keeps it while its topology stays the same."""
    return _build(machine_of(topology))
