"""The kubelet's view of a machine: kubelet `topology.Discover` over what cadvisor reports.

kubernetes/kubernetes `pkg/kubelet/cm/cpumanager/topology/topology.go` (read at 08715a58e5cd):
`Discover` copies each cadvisor core into `CPUDetails` with `CoreID` = `getUniqueCoreID` (the
lowest CPU of the core), `SocketID` = the core's socket id as cadvisor has it (-1 stays -1),
`NUMANodeID` = the cadvisor node's id and `UncoreCacheID` = `getUncoreCacheID` (the core's first
uncore cache, else its socket id); `NumCPUs` and `NumSockets` are cadvisor's `NumCores` and
`NumSockets`, not counts of `CPUDetails`. What cadvisor reports is `cadvisor_topology`.

The result is a `Topology` (what admission uses) plus the differences from the machine, each
with the CPUs it concerns and one line of reason, for the grid and `workbench topology`.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from types import MappingProxyType

from workbench.topology.cadvisor_topology import CadvisorTopology, get_nodes_info
from workbench.topology.cpuset import CPUSet
from workbench.topology.kubelet_differences import find_differences
from workbench.topology.model import CPU, NumaNode, Topology

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import NamedTuple

    # Annotations only: the machine's `kubelet` property imports this module when first asked.
    from workbench.topology.machine import Machine
else:
    from workbench.record import NamedTuple

LEFT_OUT = "left_out"


class Difference(NamedTuple):
    """Where the kubelet sees the machine otherwise: `kind` is left_out, socket, core, numa,
    uncore or count; `cpus` the machine CPUs concerned (empty for machine-wide counts)."""

    kind: str
    cpus: CPUSet
    reason: str


class KubeletView:
    """The kubelet's `Topology` of a machine, how it differs, and the counts it divides by.

    A plain class rather than a dataclass: it is made once per machine and never compared, and
    a dataclass costs about a millisecond to create when the module is imported.
    """

    def __init__(
        self, topology: Topology, differences: tuple[Difference, ...], num_cpus: int, num_sockets: int
    ) -> None:
        self.topology = topology
        self.differences = differences
        self.num_cpus = num_cpus  # the kubelet's NumCPUs (cadvisor NumCores)
        self.num_sockets = num_sockets  # the kubelet's NumSockets (cadvisor NumSockets)

    @cached_property
    def left_out(self) -> Mapping[int, str]:
        """Machine CPU -> why the kubelet cannot see it."""
        return MappingProxyType({c: d.reason for d in self.differences if d.kind == LEFT_OUT for c in d.cpus})

    @cached_property
    def marks(self) -> Mapping[int, tuple[str, ...]]:
        """Machine CPU -> every difference that concerns it (left out, or read differently)."""
        out: dict[int, list[str]] = {}
        for d in self.differences:
            for c in d.cpus:
                out.setdefault(c, []).append(d.reason)
        return MappingProxyType({c: tuple(v) for c, v in sorted(out.items())})


def derive_kubelet_view(machine: Machine) -> KubeletView:
    reported = get_nodes_info(machine)
    topology = discover(machine, reported)
    differences = tuple(
        Difference(kind, cpus, reason) for kind, cpus, reason in find_differences(machine, reported, topology)
    )
    notes = machine.notes + tuple(
        d.reason if not d.cpus else f"CPUs {d.cpus}: {d.reason}" for d in differences
    )
    topology = Topology(
        name=topology.name,
        cpus=topology.cpus,
        numa_nodes=topology.numa_nodes,
        devices=topology.devices,
        offline_cpus=topology.offline_cpus,
        notes=notes,
        machine=machine,
    )
    return KubeletView(topology, differences, reported.num_cores, reported.num_sockets)


def view_of_topology(machine: Machine, topology: Topology) -> KubeletView:
    """A machine made from a kubelet view (`machine_of`) has that view, with no differences."""
    return KubeletView(topology, (), len(topology.cpus), len(topology.socket_ids))


def numa_id_of(node_id: int, taken: set[int]) -> int:
    """The node id the workbench uses for a cadvisor node id.

    cadvisor names nodes after the package id when sysfs has no node directory, so the id can be
    -1; the kubelet's topology manager cannot put a negative node in its bitmask
    (`bitmask.NewBitMask` rejects it), nor can our CPU sets: such a node takes the lowest free id.
    """
    if node_id >= 0:
        return node_id
    free = 0
    while free in taken:
        free += 1
    return free


def discover(machine: Machine, reported: CadvisorTopology) -> Topology:
    """`Discover`: CPUDetails from cadvisor's nodes and cores."""
    cores: list[tuple[tuple[int, ...], int, int, int]] = []  # threads, socket, node, uncore
    taken = {n.id for n in reported.nodes if n.id >= 0}
    nodes: list[NumaNode] = []
    for node in reported.nodes:
        nid = numa_id_of(node.id, taken)
        taken.add(nid)
        members: list[int] = []
        for core in node.cores:
            # getUncoreCacheID: the first uncore cache, else the socket ("failback to socket").
            uncore = core.uncore if core.uncore is not None else core.socket
            cores.append((core.threads, core.socket, nid, uncore))
            members.extend(core.threads)
        src = node.source
        if src is None:
            nodes.append(NumaNode(id=nid, cpus=CPUSet(members)))
        else:
            nodes.append(NumaNode(nid, CPUSet(members), src.memory_bytes, src.hugepages, src.distances))
    core_ids = _core_ids(machine, [c[0] for c in cores])
    by_id = machine.cpu_by_id
    rows = [
        (cpu, core_ids[i], socket, nid, by_id[cpu].die, uncore)
        for i, (threads, socket, nid, uncore) in enumerate(cores)
        for cpu in threads
    ]
    rows.sort()
    return Topology(
        name=machine.name,
        cpus=CPU.many(rows),
        numa_nodes=tuple(sorted(nodes, key=lambda n: n.id)),
        devices=machine.devices,
        offline_cpus=machine.offline_cpus,
    )


def _core_ids(machine: Machine, cores: list[tuple[int, ...]]) -> list[int]:
    """A node-unique id per kubelet core, in the order of `getUniqueCoreID` (lowest CPU).

    Where each kubelet core is one machine core (almost always), the machine's core id is kept,
    so both views name a core alike; otherwise cores are numbered 0.. by lowest CPU.
    """
    by_id = machine.cpu_by_id
    sizes: dict[int, int] = {}
    for c in machine.cpus:
        sizes[c.core] = sizes.get(c.core, 0) + 1
    same: list[int] = []
    for threads in cores:
        mc = by_id[threads[0]].core
        if sizes[mc] != len(threads) or any(by_id[t].core != mc for t in threads):
            break
        same.append(mc)
    else:
        return same
    rank = {i: r for r, i in enumerate(sorted(range(len(cores)), key=lambda i: min(cores[i])))}
    return [rank[i] for i in range(len(cores))]
