"""A topology for scripts (`-o json`) and, via `report_text`, for people.

Both show the machine as it is; the kubelet's view (what admission uses) is beside it: in JSON
the `kubelet_view` object, in text the `[kN]` marks and the "Kubelet view" section.
"""

from __future__ import annotations

from workbench.topology.cpuset import CPUSet
from workbench.topology.machine import GROUP_KINDS, Machine, machine_of
from workbench.topology.model import NumaNode, Topology

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def human_bytes(n: int) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value >= 10 or value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"


def as_machine(t: Topology | Machine) -> Machine:
    return t if isinstance(t, Machine) else machine_of(t)


def _node(n: NumaNode) -> dict[str, Any]:
    return {
        "id": n.id,
        "cpus": str(n.cpus),
        "memory_bytes": n.memory_bytes,
        "hugepages": {str(size): count for size, count in sorted(n.hugepages.items())},
        "distances": {str(to): d for to, d in sorted(n.distances.items())},
    }


def shown_groups(m: Machine) -> list[tuple[str, int, str]]:
    """(kind, id, cpus) of the group levels worth showing beside packages and cores: drawers,
    books, dies that are not a whole package, clusters that are not a whole core/die/package."""
    whole = set(m.cpus_by_package.values()) | set(m.cpus_by_core.values())
    whole |= {g.cpus for g in m.groups("die")}
    out: list[tuple[str, int, str]] = []
    for kind in GROUP_KINDS:
        if kind == "package":
            continue
        groups = m.dies_shown if kind == "die" else m.groups(kind)
        for g in groups:
            if kind == "cluster" and g.cpus in whole:
                continue
            out.append((kind, g.id, str(g.cpus)))
    return out


def kubelet_view_json(m: Machine) -> dict[str, Any]:
    k = m.kubelet
    t = k.topology
    by_reason: dict[str, list[int]] = {}
    for cpu, reason in k.left_out.items():
        by_reason.setdefault(reason, []).append(cpu)
    return {
        "cpus": str(t.all_cpus),
        "sockets": [{"id": s, "cpus": str(cpus)} for s, cpus in t.cpus_by_socket.items()],
        "numa_nodes": [
            {"id": n.id, "cpus": str(n.cpus), "memory_bytes": n.memory_bytes} for n in t.numa_nodes
        ],
        "uncore_caches": [{"id": i, "cpus": str(cpus)} for i, cpus in t.cpus_by_l3.items()],
        "num_cpus": k.num_cpus,
        "num_cores": len(t.core_ids),
        "num_sockets": k.num_sockets,
        "left_out": [{"cpus": str(CPUSet(cpus)), "reason": r} for r, cpus in by_reason.items()],
        "differences": [
            {"kind": d.kind, "cpus": str(d.cpus), "reason": d.reason}
            for d in k.differences
            if d.kind != "left_out"
        ],
    }


def topology_to_json(t: Topology | Machine) -> dict[str, Any]:
    """The `-o json` document: the machine (keys as before), plus `groups` and `kubelet_view`.

    snake_case keys, CPU sets as list strings; `socket` of a CPU or core is its machine package.
    """
    m = as_machine(t)
    package_of = {c.core: c.package for c in m.cpus}
    return {
        "name": m.name,
        "sockets": [{"id": s, "cpus": str(cpus)} for s, cpus in m.cpus_by_package.items()],
        "cores": [
            {"id": k, "socket": package_of[k], "cpus": str(cpus)} for k, cpus in m.cpus_by_core.items()
        ],
        "numa_nodes": [_node(n) for n in m.numa_nodes],
        "cpus": [
            {"id": c.id, "core": c.core, "socket": c.package, "numa": c.numa, "die": c.die, "l3": c.l3}
            for c in m.cpus
        ],
        "offline_cpus": str(m.offline_cpus),
        "l3_groups": [{"id": i, "cpus": str(cpus)} for i, cpus in m.cpus_by_l3.items()],
        "groups": [{"kind": kind, "id": gid, "cpus": cpus} for kind, gid, cpus in shown_groups(m)],
        "devices": [
            {"name": d.name, "kind": d.kind, "numa": d.numa, "resource": d.resource, "address": d.address}
            for d in m.devices
        ],
        "notes": list(m.kubelet.topology.notes),
        "kubelet_view": kubelet_view_json(m),
    }
