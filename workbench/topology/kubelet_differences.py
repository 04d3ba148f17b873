"""Where the kubelet's view differs from the machine, with the CPUs concerned and one line why.

Compared level by level on the CPUs the kubelet sees: sockets against packages, cores against
cores, uncore caches against L3 groups, NUMA nodes against NUMA nodes, and the counts the kubelet
divides by (`CPUsPerSocket` = NumCPUs / NumSockets, `CPUsPerCore` = NumCPUs / NumCores).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from workbench.topology.cadvisor_topology import CadvisorTopology
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    # Annotations only: the machine's `kubelet` property imports this module when first asked.
    from workbench.topology.machine import Machine

Found = tuple[str, CPUSet, str]


def find_differences(machine: Machine, reported: CadvisorTopology, topology: Topology) -> list[Found]:
    out: list[Found] = []
    by_reason: dict[str, list[int]] = {}
    for cpu, reason in reported.skipped.items():
        by_reason.setdefault(reason, []).append(cpu)
    for reason, cpus in by_reason.items():
        out.append(("left_out", CPUSet(cpus), f"the kubelet does not see these CPUs ({reason})"))
    seen = topology.all_cpus
    sockets, cores, caches = _pairs(machine, topology)
    if not _one_to_one(sockets):
        out.extend(_sockets(machine, topology, seen))
    if not _one_to_one(cores):
        out.extend(_cores(machine, topology, seen))
    out.extend(_numa(machine, reported, topology))
    if not _one_to_one(caches):
        out.extend(_uncore(machine, topology, seen))
    out.extend(_counts(reported, topology))
    return out


def _one_to_one(pairs: set[tuple[object, object]]) -> bool:
    """Whether (machine group, kubelet group) pairs pair the groups off one to one."""
    return len(pairs) == len({p[0] for p in pairs}) == len({p[1] for p in pairs})


def _pairs(machine: Machine, topology: Topology) -> tuple[set[tuple[object, object]], ...]:
    """(package, socket), (core, core) and (l3, uncore) pairs of every CPU the kubelet sees, in
    one pass: when each pairs off one to one (the usual case) nothing more is computed."""
    if len(machine.cpus) == len(topology.cpus):  # both sorted by id: every CPU is seen
        both = zip(machine.cpus, topology.cpus, strict=True)
    else:
        mby = machine.cpu_by_id
        both = zip((mby[c.id] for c in topology.cpus), topology.cpus, strict=True)
    sockets: set[tuple[object, object]] = set()
    cores: set[tuple[object, object]] = set()
    caches: set[tuple[object, object]] = set()
    for m, c in both:
        sockets.add((m.package, c.socket))
        cores.add((m.core, c.core))
        caches.add((m.l3, c.l3))
    return sockets, cores, caches


def _blocks(cpus: Iterable[int], key: Callable[[int], object]) -> dict[object, frozenset[int]]:
    groups: dict[object, set[int]] = {}
    for c in cpus:
        groups.setdefault(key(c), set()).add(c)
    return {k: frozenset(v) for k, v in groups.items()}


def _unlike(ours: Mapping[object, frozenset[int]], theirs: Mapping[object, frozenset[int]]) -> CPUSet:
    """CPUs whose block in `theirs` is not a block of `ours`."""
    mine = set(ours.values())
    return CPUSet(c for block in theirs.values() if block not in mine for c in block)


def _sockets(machine: Machine, topology: Topology, seen: CPUSet) -> list[Found]:
    mby, kby = machine.cpu_by_id, topology.cpu_by_id
    unlike = _unlike(_blocks(seen, lambda c: mby[c].package), _blocks(seen, lambda c: kby[c].socket))
    if not unlike:
        return []
    unknown = CPUSet(c for c in unlike if kby[c].socket < 0)
    packages = len({mby[c].package for c in unknown})
    out: list[Found] = []
    if unknown:
        out.append(
            (
                "socket",
                unknown,
                "physical_package_id is -1 (unknown): the kubelet puts these CPUs in one socket, -1 "
                f"(cadvisor getCoresInfo keeps the id, kubelet Discover copies it); the package masks "
                f"(core_siblings) make {packages} package{'s' if packages != 1 else ''}",
            )
        )
    rest = unlike - unknown
    if rest:
        out.append(
            (
                "socket",
                rest,
                "the kubelet groups sockets by physical_package_id, which does not follow the package "
                "masks (core_siblings) here",
            )
        )
    return out


def _cores(machine: Machine, topology: Topology, seen: CPUSet) -> list[Found]:
    mby, kby = machine.cpu_by_id, topology.cpu_by_id
    kubelet_cores = _blocks(seen, lambda c: kby[c].core)
    machine_cores = _blocks(seen, lambda c: mby[c].core)
    # merged: one kubelet core spans several machine cores; split: the other way round.
    merged = CPUSet(c for b in kubelet_cores.values() if len({mby[x].core for x in b}) > 1 for c in b)
    split = CPUSet(c for b in machine_cores.values() if len({kby[x].core for x in b}) > 1 for c in b)
    out: list[Found] = []
    if merged:
        key = "core_id, book_id and drawer_id" if machine.is_s390 else "core_id"
        out.append(
            (
                "core",
                merged,
                f"CPUs that are not thread siblings share {key}: cadvisor's getCoresInfo makes one "
                f"core of them ({len(topology.cpus_by_core)} kubelet cores, {len(machine.cpus_by_core)} "
                "on the machine)",
            )
        )
    if split:
        out.append(
            (
                "core",
                split,
                "thread siblings with distinct core_id (AMD compute units): cadvisor's getCoresInfo "
                "groups by core_id, so the kubelet counts each as a core",
            )
        )
    return out


def _numa(machine: Machine, reported: CadvisorTopology, topology: Topology) -> list[Found]:
    if machine.node_directory:
        return []
    ids = sorted(n.id for n in reported.nodes)
    cpus = topology.all_cpus
    line = (
        "sysfs has no node/ directory: cadvisor's getCPUTopology makes one NUMA node per "
        f"physical_package_id ({', '.join(map(str, ids))}) with no memory, hugepages or distances"
    )
    renamed = [i for i in ids if i < 0]
    if renamed:
        shown = sorted(n.id for n in topology.numa_nodes)
        line += (
            f"; node {renamed[0]} is shown as {shown[0] if len(shown) == 1 else shown}: the topology "
            "manager's bitmask cannot hold a negative node"
        )
    return [("numa", cpus, line)]


def _uncore(machine: Machine, topology: Topology, seen: CPUSet) -> list[Found]:
    mby, kby = machine.cpu_by_id, topology.cpu_by_id
    with_l3 = CPUSet(c for c in seen if mby[c].l3 is not None)
    if not with_l3:
        return []
    unlike = _unlike(_blocks(with_l3, lambda c: mby[c].l3), _blocks(with_l3, lambda c: kby[c].l3))
    if not unlike:
        return []
    if not machine.cache_ids:
        why = (
            "cadvisor cannot read the cache ids (no cache/index*/id files), so the kubelet's uncore "
            "cache of each CPU is its socket (getUncoreCacheID)"
        )
    else:
        why = (
            "these L3 groups each hold all CPUs of a NUMA node: cadvisor's addCacheInfo files them "
            "as node caches, so the kubelet's uncore cache of these CPUs is their socket"
        )
    return [("uncore", unlike, why)]


def _counts(reported: CadvisorTopology, topology: Topology) -> list[Found]:
    out: list[Found] = []
    n_cpus = len(topology.cpus)
    sockets = len(topology.socket_ids)
    if reported.num_sockets != sockets:
        per = reported.num_cores // reported.num_sockets if reported.num_sockets else 0
        out.append(
            (
                "count",
                CPUSet(),
                f"the kubelet counts {reported.num_sockets} sockets (cadvisor GetSockets counts the "
                f"package of every online CPU) but has CPUs in {sockets}: its CPUsPerSocket is {per}",
            )
        )
    if reported.num_cores != n_cpus:
        cores = len(topology.core_ids)
        per = reported.num_cores // cores if cores else 0
        out.append(
            (
                "count",
                CPUSet(),
                f"the kubelet's NumCPUs is {reported.num_cores} (cadvisor counts every cpuN directory "
                f"without a node directory) but it sees {n_cpus} CPUs: its CPUsPerCore is {per}",
            )
        )
    return out
