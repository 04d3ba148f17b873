"""The `numa_nodes:` and `devices:` sections of a topology spec."""

from __future__ import annotations

from types import MappingProxyType

from workbench.topology.cpuset import CPUSet
from workbench.topology.machine import MachineCPU
from workbench.topology.model import Device, NumaNode
from workbench.topology.spec_check import SpecContext, kind_of

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any

NODE_KEYS = ("id", "memory", "hugepages", "distances")
DEVICE_KEYS = ("name", "kind", "numa", "resource", "address")

LOCAL_DISTANCE = 10
REMOTE_DISTANCE = 20

_NodeSpec = tuple[int, dict[int, int], dict[int, int] | None]
_BINARY_UNITS = (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10))


def format_size(n: int) -> str | int:
    """Bytes as the largest exact binary quantity (`64Gi`), or the plain integer."""
    for suffix, mult in _BINARY_UNITS:
        if n and n % mult == 0:
            return f"{n // mult}{suffix}"
    return n


def _hugepages(ctx: SpecContext, raw: object, field: str) -> dict[int, int]:
    huge: dict[int, int] = {}
    for size, count in ctx.mapping(raw, f"{field}.hugepages").items():
        hfield = f"{field}.hugepages.{size}"
        page = ctx.size(size, hfield)
        if page <= 0:
            raise ctx.fail(hfield, "page size must be positive")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise ctx.fail(hfield, f"expected a page count, got {kind_of(count)}")
        huge[page] = count
    return dict(sorted(huge.items()))


def _distances(ctx: SpecContext, raw: object, field: str) -> dict[int, int]:
    dist: dict[int, int] = {}
    for to, value in ctx.mapping(raw, f"{field}.distances").items():
        dfield = f"{field}.distances.{to}"
        if not isinstance(to, int) or isinstance(to, bool) or to < 0:
            raise ctx.fail(dfield, f"expected a NUMA node id, got {kind_of(to)}")
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            raise ctx.fail(dfield, f"expected a positive distance, got {kind_of(value)}")
        dist[to] = value
    return dist


def _node_specs(ctx: SpecContext, raw: object, cpus: list[MachineCPU]) -> dict[int, _NodeSpec]:
    cpu_nodes = sorted({c.numa for c in cpus if c.numa is not None})
    if raw is None:
        return {n: (0, {}, None) for n in cpu_nodes}
    if not isinstance(raw, list):
        raise ctx.fail("numa_nodes", f"expected a list of nodes, got {kind_of(raw)}")
    specs: dict[int, _NodeSpec] = {}
    for i, item in enumerate(raw):
        field = f"numa_nodes[{i}]"
        row = ctx.mapping(item, field)
        ctx.check_keys(row, NODE_KEYS, field)
        nid = ctx.integer(row, "id", field, required=True)
        assert nid is not None
        if nid in specs:
            raise ctx.fail(f"{field}.id", f"duplicate NUMA node id {nid}")
        memory = ctx.size(row["memory"], f"{field}.memory") if row.get("memory") is not None else 0
        huge = _hugepages(ctx, row["hugepages"], field) if row.get("hugepages") is not None else {}
        dist = _distances(ctx, row["distances"], field) if row.get("distances") is not None else None
        specs[nid] = (memory, huge, dist)
    for c in cpus:
        if c.numa is not None and c.numa not in specs:
            raise ctx.fail(
                "numa_nodes",
                f"CPU {c.id} is in NUMA node {c.numa}, which numa_nodes does not list",
                fix=f"add {{id: {c.numa}}} to numa_nodes",
            )
    return specs


def parse_nodes(
    ctx: SpecContext, raw: object, cpus: list[MachineCPU], notes: list[str]
) -> tuple[NumaNode, ...]:
    specs = _node_specs(ctx, raw, cpus)
    ids = sorted(specs)
    for nid, (_, _, dist) in specs.items():
        for to in dist or {}:
            if to not in specs:
                raise ctx.fail(f"numa_nodes (node {nid}).distances.{to}", f"no NUMA node {to}")
    defaulted = [nid for nid in ids if specs[nid][2] is None]
    if defaulted and len(ids) > 1:
        notes.append(
            f"no distances given for NUMA nodes {CPUSet(defaulted)}: assumed "
            f"{LOCAL_DISTANCE} local, {REMOTE_DISTANCE} remote"
        )
    by_node: dict[int, list[int]] = {}
    for c in cpus:
        if c.numa is not None:
            by_node.setdefault(c.numa, []).append(c.id)
    out = []
    for nid in ids:
        memory, huge, dist = specs[nid]
        if dist is None:
            dist = {to: LOCAL_DISTANCE if to == nid else REMOTE_DISTANCE for to in ids}
        cpuset = CPUSet(by_node.get(nid, ()))
        distances = MappingProxyType(dict(sorted(dist.items())))
        out.append(NumaNode(nid, cpuset, memory, MappingProxyType(huge), distances))
    return tuple(out)


def parse_devices(ctx: SpecContext, raw: object, node_ids: set[int]) -> tuple[Device, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ctx.fail("devices", f"expected a list of devices, got {kind_of(raw)}")
    out: list[Device] = []
    names: set[str] = set()
    for i, item in enumerate(raw):
        field = f"devices[{i}]"
        row = ctx.mapping(item, field)
        ctx.check_keys(row, DEVICE_KEYS, field)
        name = ctx.text(row, "name", field, required=True)
        assert name is not None
        if name in names:
            raise ctx.fail(f"{field}.name", f"duplicate device name {name!r}")
        names.add(name)
        kind = ctx.text(row, "kind", field, required=False) or "pci"
        numa = ctx.integer(row, "numa", field, required=False)
        if numa is not None and numa not in node_ids:
            raise ctx.fail(f"{field}.numa", f"no NUMA node {numa}", fix="use an id listed in numa_nodes")
        resource = ctx.text(row, "resource", field, required=False)
        address = ctx.text(row, "address", field, required=False)
        out.append(Device(name=name, kind=kind, numa=numa, resource=resource, address=address))
    return tuple(out)


def dump_nodes(nodes: tuple[NumaNode, ...]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for n in nodes:
        node: dict[str, Any] = {"id": n.id, "memory": format_size(n.memory_bytes)}
        if n.hugepages:
            node["hugepages"] = {format_size(size): count for size, count in sorted(n.hugepages.items())}
        node["distances"] = dict(sorted(n.distances.items()))
        out.append(node)
    return out


def dump_devices(devices: tuple[Device, ...]) -> list[dict[str, Any]]:
    out = []
    for d in devices:
        dev: dict[str, Any] = {"name": d.name, "kind": d.kind, "numa": d.numa}
        if d.resource is not None:
            dev["resource"] = d.resource
        if d.address is not None:
            dev["address"] = d.address
        out.append(dev)
    return out
