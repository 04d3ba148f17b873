"""Topology spec YAML (see DESIGN.md "Topology spec" and fixtures/topologies/README.md) <-> machine.

`load_spec` gives the kubelet's view (`Topology`) of the machine the spec describes, with the
machine in `Topology.machine`; `dump_spec` writes the machine back. Every problem is an
`InputError` naming the file and the field (`cpus[3].core`), so a typo in a hand-written spec
is a one-line message, not a wrong preview.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from workbench.topology.cpuset import CPUSet
from workbench.topology.machine import Machine, machine_of
from workbench.topology.model import Topology
from workbench.topology.spec_check import SpecContext, read_yaml
from workbench.topology.spec_nodes import dump_devices, dump_nodes, format_size, parse_devices, parse_nodes
from workbench.topology.spec_rows import dump_cpu, parse_cpus

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

__all__ = ["dump_spec", "format_size", "load_machine_spec", "load_spec", "save_spec", "spec_yaml"]

TOP_KEYS = ("name", "cpus", "numa_nodes", "devices", "notes", "sysfs")
SYSFS_KEYS = ("node_directory", "cache_ids")


def load_machine_spec(spec: Path | str | Mapping[str, Any]) -> Machine:
    """The machine a spec file (path) or an already-parsed mapping describes."""
    if isinstance(spec, Mapping):
        ctx = SpecContext("<topology spec>")
        doc: object = spec
        default_name = "topology"
    else:
        from pathlib import Path

        path = Path(spec)
        ctx = SpecContext(os.fspath(path))
        doc = read_yaml(path)
        default_name = path.stem
    top = ctx.mapping(doc, "")
    ctx.check_keys(top, TOP_KEYS, "")
    return _build(ctx, top, default_name)


def load_spec(spec: Path | str | Mapping[str, Any]) -> Topology:
    """The kubelet's view of the machine a spec describes (`.machine` holds the machine)."""
    return load_machine_spec(spec).kubelet.topology


def _build(ctx: SpecContext, top: Mapping[Any, Any], default_name: str) -> Machine:
    name = ctx.text(top, "name", "name", required=False) if "name" in top else default_name
    name = name or default_name
    cpus, offline = parse_cpus(ctx, top.get("cpus"))
    notes: list[str] = []
    raw_notes = top.get("notes")
    if raw_notes is not None:
        if not isinstance(raw_notes, list) or not all(isinstance(n, str) for n in raw_notes):
            raise ctx.fail("notes", "expected a list of strings")
        notes.extend(raw_notes)
    nodes = parse_nodes(ctx, top.get("numa_nodes"), cpus, notes)
    devices = parse_devices(ctx, top.get("devices"), {n.id for n in nodes})
    sysfs = ctx.mapping(top.get("sysfs") or {}, "sysfs")
    ctx.check_keys(sysfs, SYSFS_KEYS, "sysfs")
    return Machine(
        name=name,
        cpus=tuple(cpus),
        numa_nodes=nodes,
        devices=devices,
        offline_cpus=CPUSet(offline),
        notes=tuple(notes),
        node_directory=ctx.boolean(sysfs, "node_directory", "sysfs", True),
        cache_ids=ctx.boolean(sysfs, "cache_ids", "sysfs", True),
    )


def dump_spec(topology: Topology | Machine) -> dict[str, Any]:
    """The spec mapping for the machine behind `topology`; `load_spec(dump_spec(t)) == t`."""
    machine = topology if isinstance(topology, Machine) else machine_of(topology)
    rows: list[dict[str, Any]] = [dump_cpu(c) for c in machine.cpus]
    rows.extend({"id": i, "online": False} for i in machine.offline_cpus)
    rows.sort(key=lambda r: int(r["id"]))
    doc: dict[str, Any] = {"name": machine.name, "cpus": rows, "numa_nodes": dump_nodes(machine.numa_nodes)}
    if machine.devices:
        doc["devices"] = dump_devices(machine.devices)
    sysfs = {k: False for k in SYSFS_KEYS if not getattr(machine, k)}
    if sysfs:
        doc["sysfs"] = sysfs
    if machine.notes:
        doc["notes"] = list(machine.notes)
    return doc


def spec_yaml(topology: Topology | Machine) -> str:
    """The spec as YAML text: one flow-style line per CPU row, as in DESIGN.md."""
    import yaml  # only a spec being written needs it

    doc = dump_spec(topology)
    notes = doc.pop("notes", None)
    text = yaml.safe_dump(doc, sort_keys=False, default_flow_style=None, width=110)
    if notes:
        # Notes are sentences: block style keeps one per line instead of a wrapped flow list.
        text += yaml.safe_dump({"notes": notes}, sort_keys=False, default_flow_style=False, width=1000)
    return text


def save_spec(topology: Topology | Machine, path: Path | str) -> None:
    from pathlib import Path

    Path(path).write_text(spec_yaml(topology), encoding="utf-8")
