"""Topology spec YAML (see DESIGN.md "Topology spec") <-> `Topology`, with strict validation.

Every problem is an `InputError` naming the file and the field (`cpus[3].core`), so a typo in a
hand-written spec is a one-line message, not a wrong preview.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from workbench.errors import InputError
from workbench.quantity import parse_bytes
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import CPU, Device, NumaNode, Topology

TOP_KEYS = ("name", "cpus", "numa_nodes", "devices", "notes")
CPU_KEYS = ("id", "socket", "numa", "core", "die", "l3", "online")
NODE_KEYS = ("id", "memory", "hugepages", "distances")
DEVICE_KEYS = ("name", "kind", "numa", "resource", "address")

LOCAL_DISTANCE = 10
REMOTE_DISTANCE = 20

_BINARY_UNITS = (("Ei", 2**60), ("Pi", 2**50), ("Ti", 2**40), ("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10))


class _Ctx:
    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, field: str, problem: str, fix: str = "") -> InputError:
        return InputError(problem, source=self.source, field=field, fix=fix)

    def mapping(self, value: object, field: str) -> Mapping[Any, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(field, f"expected a mapping, got {_kind(value)}")
        return value

    def check_keys(self, row: Mapping[Any, Any], allowed: tuple[str, ...], field: str) -> None:
        for key in row:
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
                raise self.fail(f"{field}.{key}" if field else str(key), "unknown key", fix=hint)

    def integer(self, row: Mapping[Any, Any], key: str, field: str, *, required: bool) -> int | None:
        if key not in row or row[key] is None:
            if required:
                raise self.fail(f"{field}.{key}", "missing", fix=f"every row needs {key}")
            return None
        value = row[key]
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(f"{field}.{key}", f"expected a non-negative integer, got {_kind(value)}")
        if value < 0:
            raise self.fail(f"{field}.{key}", f"expected a non-negative integer, got {value}")
        return value

    def text(self, row: Mapping[Any, Any], key: str, field: str, *, required: bool) -> str | None:
        if key not in row or row[key] is None:
            if required:
                raise self.fail(f"{field}.{key}", "missing")
            return None
        value = row[key]
        if not isinstance(value, str) or not value.strip():
            raise self.fail(f"{field}.{key}", f"expected a non-empty string, got {_kind(value)}")
        return value

    def size(self, value: object, field: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise self.fail(field, f"expected a size such as 64Gi, got {_kind(value)}")
        try:
            return parse_bytes(value)
        except ValueError as exc:
            raise self.fail(field, str(exc), fix="use a Kubernetes quantity such as 64Gi or 512Mi") from None


def _kind(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"boolean {value}"
    if isinstance(value, str):
        return f"string {value!r}"
    if isinstance(value, int | float):
        return f"number {value}"
    return type(value).__name__


def _read_yaml(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("no such file", source=str(path), fix="give the path of a topology spec") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", source=str(path)) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise InputError(f"invalid YAML: {problem}", source=str(path), field=where) from None


def load_spec(spec: Path | str | Mapping[str, Any]) -> Topology:
    """A `Topology` from a spec file (path) or an already-parsed mapping."""
    if isinstance(spec, Mapping):
        ctx = _Ctx("<topology spec>")
        doc: object = spec
        default_name = "topology"
    else:
        path = Path(spec)
        ctx = _Ctx(os.fspath(path))
        doc = _read_yaml(path)
        default_name = path.stem
    top = ctx.mapping(doc, "")
    ctx.check_keys(top, TOP_KEYS, "")
    return _build(ctx, top, default_name)


def _build(ctx: _Ctx, top: Mapping[Any, Any], default_name: str) -> Topology:
    name = ctx.text(top, "name", "name", required=False) if "name" in top else default_name
    name = name or default_name

    rows = top.get("cpus")
    if not isinstance(rows, list) or not rows:
        raise ctx.fail("cpus", f"expected a non-empty list of CPU rows, got {_kind(rows)}")
    cpus: list[CPU] = []
    offline: list[int] = []
    seen: dict[int, str] = {}
    core_home: dict[int, tuple[int, int, str]] = {}
    for i, raw in enumerate(rows):
        field = f"cpus[{i}]"
        row = ctx.mapping(raw, field)
        ctx.check_keys(row, CPU_KEYS, field)
        cid = ctx.integer(row, "id", field, required=True)
        assert cid is not None
        if cid in seen:
            raise ctx.fail(f"{field}.id", f"duplicate CPU id {cid} (also {seen[cid]})")
        seen[cid] = field
        online = row.get("online", True)
        if not isinstance(online, bool):
            raise ctx.fail(f"{field}.online", f"expected true or false, got {_kind(online)}")
        if not online:
            offline.append(cid)
            continue
        core = ctx.integer(row, "core", field, required=True)
        socket = ctx.integer(row, "socket", field, required=True)
        numa = ctx.integer(row, "numa", field, required=True)
        die = ctx.integer(row, "die", field, required=False) or 0
        l3 = ctx.integer(row, "l3", field, required=False)
        assert core is not None and socket is not None and numa is not None
        home = core_home.setdefault(core, (socket, numa, field))
        if home[:2] != (socket, numa):
            raise ctx.fail(
                f"{field}.core",
                f"core {core} is in socket {socket}, NUMA node {numa} here but in socket {home[0]}, "
                f"NUMA node {home[1]} at {home[2]}",
                fix="core ids are unique across the node; give each physical core its own id",
            )
        cpus.append(CPU(id=cid, core=core, socket=socket, numa=numa, die=die, l3=l3))
    if not cpus:
        raise ctx.fail("cpus", "every CPU is offline", fix="mark at least one CPU online")
    cpus.sort(key=lambda c: c.id)

    notes: list[str] = []
    raw_notes = top.get("notes")
    if raw_notes is not None:
        if not isinstance(raw_notes, list) or not all(isinstance(n, str) for n in raw_notes):
            raise ctx.fail("notes", "expected a list of strings")
        notes.extend(raw_notes)

    nodes = _nodes(ctx, top.get("numa_nodes"), cpus, notes)
    devices = _devices(ctx, top.get("devices"), {n.id for n in nodes})
    return Topology(
        name=name,
        cpus=tuple(cpus),
        numa_nodes=nodes,
        devices=devices,
        offline_cpus=CPUSet(offline),
        notes=tuple(notes),
    )


def _nodes(ctx: _Ctx, raw: object, cpus: list[CPU], notes: list[str]) -> tuple[NumaNode, ...]:
    cpu_nodes = sorted({c.numa for c in cpus})
    specs: dict[int, tuple[int, dict[int, int], dict[int, int] | None]] = {}
    if raw is None:
        for n in cpu_nodes:
            specs[n] = (0, {}, None)
    else:
        if not isinstance(raw, list):
            raise ctx.fail("numa_nodes", f"expected a list of nodes, got {_kind(raw)}")
        for i, item in enumerate(raw):
            field = f"numa_nodes[{i}]"
            row = ctx.mapping(item, field)
            ctx.check_keys(row, NODE_KEYS, field)
            nid = ctx.integer(row, "id", field, required=True)
            assert nid is not None
            if nid in specs:
                raise ctx.fail(f"{field}.id", f"duplicate NUMA node id {nid}")
            memory = ctx.size(row["memory"], f"{field}.memory") if row.get("memory") is not None else 0
            huge: dict[int, int] = {}
            if row.get("hugepages") is not None:
                for size, count in ctx.mapping(row["hugepages"], f"{field}.hugepages").items():
                    hfield = f"{field}.hugepages.{size}"
                    page = ctx.size(size, hfield)
                    if page <= 0:
                        raise ctx.fail(hfield, "page size must be positive")
                    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                        raise ctx.fail(hfield, f"expected a page count, got {_kind(count)}")
                    huge[page] = count
            dist: dict[int, int] | None = None
            if row.get("distances") is not None:
                dist = {}
                for to, value in ctx.mapping(row["distances"], f"{field}.distances").items():
                    dfield = f"{field}.distances.{to}"
                    if not isinstance(to, int) or isinstance(to, bool) or to < 0:
                        raise ctx.fail(dfield, f"expected a NUMA node id, got {_kind(to)}")
                    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                        raise ctx.fail(dfield, f"expected a positive distance, got {_kind(value)}")
                    dist[to] = value
            specs[nid] = (memory, dict(sorted(huge.items())), dist)
        for c in cpus:
            if c.numa not in specs:
                raise ctx.fail(
                    "numa_nodes",
                    f"CPU {c.id} is in NUMA node {c.numa}, which numa_nodes does not list",
                    fix=f"add {{id: {c.numa}}} to numa_nodes",
                )
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
        by_node.setdefault(c.numa, []).append(c.id)
    out = []
    for nid in ids:
        memory, huge, dist = specs[nid]
        if dist is None:
            dist = {to: LOCAL_DISTANCE if to == nid else REMOTE_DISTANCE for to in ids}
        out.append(
            NumaNode(
                id=nid,
                cpus=CPUSet(by_node.get(nid, ())),
                memory_bytes=memory,
                hugepages=MappingProxyType(huge),
                distances=MappingProxyType(dict(sorted(dist.items()))),
            )
        )
    return tuple(out)


def _devices(ctx: _Ctx, raw: object, node_ids: set[int]) -> tuple[Device, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ctx.fail("devices", f"expected a list of devices, got {_kind(raw)}")
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
        out.append(
            Device(
                name=name,
                kind=kind,
                numa=numa,
                resource=ctx.text(row, "resource", field, required=False),
                address=ctx.text(row, "address", field, required=False),
            )
        )
    return tuple(out)


def format_size(n: int) -> str | int:
    """Bytes as the largest exact binary quantity (`64Gi`), or the plain integer."""
    for suffix, mult in _BINARY_UNITS:
        if n and n % mult == 0:
            return f"{n // mult}{suffix}"
    return n


def dump_spec(topology: Topology) -> dict[str, Any]:
    """The spec mapping for `topology`; `load_spec(dump_spec(t)) == t`."""
    rows: list[dict[str, Any]] = []
    for c in topology.cpus:
        row: dict[str, Any] = {"id": c.id, "socket": c.socket, "numa": c.numa, "core": c.core}
        if c.die:
            row["die"] = c.die
        if c.l3 is not None:
            row["l3"] = c.l3
        rows.append(row)
    rows.extend({"id": i, "online": False} for i in topology.offline_cpus)
    rows.sort(key=lambda r: int(r["id"]))
    nodes: list[dict[str, Any]] = []
    for n in topology.numa_nodes:
        node: dict[str, Any] = {"id": n.id, "memory": format_size(n.memory_bytes)}
        if n.hugepages:
            node["hugepages"] = {format_size(size): count for size, count in sorted(n.hugepages.items())}
        node["distances"] = dict(sorted(n.distances.items()))
        nodes.append(node)
    doc: dict[str, Any] = {"name": topology.name, "cpus": rows, "numa_nodes": nodes}
    if topology.devices:
        devs = []
        for d in topology.devices:
            dev: dict[str, Any] = {"name": d.name, "kind": d.kind, "numa": d.numa}
            if d.resource is not None:
                dev["resource"] = d.resource
            if d.address is not None:
                dev["address"] = d.address
            devs.append(dev)
        doc["devices"] = devs
    if topology.notes:
        doc["notes"] = list(topology.notes)
    return doc


def spec_yaml(topology: Topology) -> str:
    """The spec as YAML text: one flow-style line per CPU row, as in DESIGN.md."""
    doc = dump_spec(topology)
    notes = doc.pop("notes", None)
    text = yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=110)
    if notes:
        # Notes are sentences: block style keeps one per line instead of a wrapped flow list.
        text += yaml.safe_dump({"notes": notes}, sort_keys=False, default_flow_style=False, width=1000)
    return text


def save_spec(topology: Topology, path: Path | str) -> None:
    Path(path).write_text(spec_yaml(topology), encoding="utf-8")
