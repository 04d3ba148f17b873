"""What cadvisor hands the kubelet as the machine's CPU topology (`MachineInfo.Topology`).

Transcribed from google/cadvisor `lib/utils/sysinfo/sysinfo.go` (older trees:
`utils/sysinfo/sysinfo.go`) and `lib/machine/machine.go`, read at commit 6a0c4f2539a8:

- `GetNodesInfo` walks only the `node*[0-9]` directories (`GetNodesPaths`) and, in each, that
  node's CPUs, so a CPU in no NUMA node never reaches the kubelet. A node without CPUs is kept.
- `getCoresInfo` skips CPUs that are offline or have no `core_id` or `physical_package_id`
  (on s390x also no `book_id`/`drawer_id`), and makes one core of the CPUs of a node that share
  `core_id` and `physical_package_id` (and on s390x `book_id` and `drawer_id`). An unknown
  package id, -1, is kept as socket id -1.
- Without any node directory `getCPUTopology` makes one node per `physical_package_id`, with the
  package id as node id and no memory, hugepages or distances; `NumCores` then counts every
  `cpu*[0-9]` directory, offline CPUs included.
- `addCacheInfo` gives a core an uncore cache when its L3 (level > 2) is shared by some but not
  all of the node's threads (`cache.Cpus != numThreadsPerNode`); a cache spanning the node is a
  node cache. A `GetCacheInfo` error (e.g. no `id` file, the case on older kernels) leaves the
  cores without caches.
- `GetSockets` (`lib/machine/machine.go`) counts distinct `physical id` lines of /proc/cpuinfo,
  or else distinct `physical_package_id` of online CPUs: every online CPU, in a node or not.

Where the workbench assumes rather than reads: offline CPUs have no `topology/` directory (the
kernel removes it), so cadvisor's own online test, which counts every CPU as online when
`cpu/online` is missing, changes nothing; a CPU listed by two nodes is in the first one only.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from workbench.topology.model import NumaNode

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import NamedTuple

    # Annotations only: the machine's `kubelet` property imports this module when first asked.
    from workbench.topology.machine import Machine, MachineCPU
else:
    from workbench.record import NamedTuple

NO_NODE = "in no NUMA node: cadvisor's GetNodesInfo walks only the node*/ directories"
NO_CORE_ID = "no topology/core_id: cadvisor's getCoresInfo skips the CPU"
NO_PACKAGE_ID = "no topology/physical_package_id: cadvisor's getCoresInfo skips the CPU"
NO_BOOK = "no topology/book_id or drawer_id (s390x): cadvisor's getCoresInfo skips the CPU"


class CadvisorCore(NamedTuple):
    """`info.Core`: one core id of one socket (and book/drawer on s390x) within a node."""

    core_id: int
    socket: int
    threads: tuple[int, ...]
    uncore: int | None = None  # `UncoreCaches[0].Id`; None: no uncore cache


class CadvisorNode(NamedTuple):
    """`info.Node`: id as cadvisor names it (a package id, maybe -1, without node directories)."""

    id: int
    cores: tuple[CadvisorCore, ...]
    source: NumaNode | None  # the sysfs node it was read from; None for getCPUTopology's nodes


class CadvisorTopology(NamedTuple):
    nodes: tuple[CadvisorNode, ...]
    num_cores: int  # `MachineInfo.NumCores`: the kubelet's NumCPUs
    num_sockets: int  # `MachineInfo.NumSockets`
    skipped: Mapping[int, str]  # machine CPU -> why cadvisor leaves it out


def get_nodes_info(machine: Machine) -> CadvisorTopology:
    """`GetNodesInfo`, falling back to `getCPUTopology` when sysfs has no node directory."""
    skipped: dict[int, str] = {}
    if not machine.node_directory:
        nodes, num_cores = _get_cpu_topology(machine, skipped)
    else:
        by_node: dict[int, list[MachineCPU]] = {}
        for c in machine.cpus:
            if c.numa is None:
                skipped[c.id] = NO_NODE
            else:
                by_node.setdefault(c.numa, []).append(c)
        nodes = []
        num_cores = 0
        for n in machine.numa_nodes:
            cores = _get_cores_info(machine, by_node.get(n.id, []), skipped)
            num_cores += sum(len(core.threads) for core in cores)
            nodes.append(CadvisorNode(n.id, _add_cache_info(machine, cores), n))
    return CadvisorTopology(
        nodes=tuple(nodes),
        num_cores=num_cores,
        num_sockets=get_sockets(machine),
        skipped=MappingProxyType(skipped),
    )


def _get_cpu_topology(machine: Machine, skipped: dict[int, str]) -> tuple[list[CadvisorNode], int]:
    """`getCPUTopology` + `getCpusByPhysicalPackageID`: one node per package id."""
    by_package: dict[int, list[MachineCPU]] = {}
    for c in machine.cpus:
        if c.socket is None:
            skipped[c.id] = NO_PACKAGE_ID
        else:
            by_package.setdefault(c.socket, []).append(c)
    nodes = [
        CadvisorNode(pkg, _add_cache_info(machine, _get_cores_info(machine, cpus, skipped)), None)
        for pkg, cpus in sorted(by_package.items())
    ]
    # `cpusCount := len(cpusPaths)`: every cpu*[0-9] directory, online or not.
    return nodes, len(machine.cpus) + len(machine.offline_cpus)


def _get_cores_info(
    machine: Machine, cpus: list[MachineCPU], skipped: dict[int, str]
) -> tuple[CadvisorCore, ...]:
    """`getCoresInfo`: merge a node's CPUs by (core_id, physical_package_id[, book, drawer])."""
    s390 = machine.is_s390
    cores: dict[tuple[int, int, int | None, int | None], list[int]] = {}
    for c in cpus:
        if c.core_id is None:
            skipped[c.id] = NO_CORE_ID
            continue
        if c.socket is None:
            skipped[c.id] = NO_PACKAGE_ID
            continue
        if s390 and (c.book is None or c.drawer is None):
            skipped[c.id] = NO_BOOK
            continue
        key = (c.core_id, c.socket, c.book, c.drawer) if s390 else (c.core_id, c.socket, None, None)
        cores.setdefault(key, []).append(c.id)
    return tuple(CadvisorCore(k[0], k[1], tuple(v)) for k, v in cores.items())


def _add_cache_info(machine: Machine, cores: tuple[CadvisorCore, ...]) -> tuple[CadvisorCore, ...]:
    """`addCacheInfo`: the uncore (L3) cache of each core, unless the L3 spans the node."""
    if not machine.cache_ids:
        return cores  # GetCacheInfo fails on the first core: no core gets cache information
    by_id = machine.cpu_by_id
    l3_size = machine.l3_sizes
    out = []
    for core in cores:
        l3 = by_id[core.threads[0]].l3
        if l3 is None:
            out.append(core)
            continue
        threads_per_node = len(cores) * len(core.threads)
        if l3_size[l3] == threads_per_node:
            out.append(core)  # a node cache, not an uncore cache
            continue
        # GetCacheInfo reads no cache id on s390x: every cache has id 0 there.
        out.append(CadvisorCore(core.core_id, core.socket, core.threads, 0 if machine.is_s390 else l3))
    return tuple(out)


def get_sockets(machine: Machine) -> int:
    """`GetSockets`: distinct package ids of the online CPUs (a missing file counts as 0)."""
    return len({c.socket if c.socket is not None else 0 for c in machine.cpus})
