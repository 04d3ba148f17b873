"""A topology for people (an lstopo-like picture that fits 80 columns) and for scripts (JSON)."""

from __future__ import annotations

import textwrap
from typing import Any

from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology

# Above this many CPUs each core no longer gets its own entry: runs of alike cores collapse.
DETAIL_LIMIT = 64


def human_bytes(n: int) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value >= 10 or value == int(value) else f"{value:.1f} {unit}"
    return f"{n} B"


def _page(size: int) -> str:
    for unit, mult in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if size % mult == 0:
            return f"{size // mult}{unit}"
    return str(size)


def topology_to_json(t: Topology) -> dict[str, Any]:
    """The `-o json` document: snake_case keys, CPU sets as list strings."""
    by_core = t.cpus_by_core
    core_socket = {c.core: c.socket for c in t.cpus}
    return {
        "name": t.name,
        "sockets": [{"id": s, "cpus": str(cpus)} for s, cpus in t.cpus_by_socket.items()],
        "cores": [{"id": k, "socket": core_socket[k], "cpus": str(cpus)} for k, cpus in by_core.items()],
        "numa_nodes": [
            {
                "id": n.id,
                "cpus": str(n.cpus),
                "memory_bytes": n.memory_bytes,
                "hugepages": {str(size): count for size, count in sorted(n.hugepages.items())},
                "distances": {str(to): d for to, d in sorted(n.distances.items())},
            }
            for n in t.numa_nodes
        ],
        "cpus": [
            {"id": c.id, "core": c.core, "socket": c.socket, "numa": c.numa, "die": c.die, "l3": c.l3}
            for c in t.cpus
        ],
        "offline_cpus": str(t.offline_cpus),
        "l3_groups": [{"id": i, "cpus": str(cpus)} for i, cpus in t.cpus_by_l3.items()],
        "devices": [
            {"name": d.name, "kind": d.kind, "numa": d.numa, "resource": d.resource, "address": d.address}
            for d in t.devices
        ],
        "notes": list(t.notes),
    }


def _with_list(prefix: str, items: object, width: int, indent: str) -> list[str]:
    """`prefix` then a CPU list, broken after commas so no line passes `width`."""
    parts = str(items).split(",")
    lines: list[str] = []
    line = prefix
    for i, part in enumerate(parts):
        piece = part + ("," if i < len(parts) - 1 else "")
        if len(line) + len(piece) > width and line.strip() and line != prefix:
            lines.append(line)
            line = indent + piece
        else:
            line += piece
    lines.append(line)
    return lines


def _pack(tokens: list[str], indent: str, width: int) -> list[str]:
    lines: list[str] = []
    line = indent
    for tok in tokens:
        candidate = f"{line}  {tok}" if line.strip() else f"{indent}{tok}"
        if len(candidate) > width and line.strip():
            lines.append(line)
            line = f"{indent}{tok}"
        else:
            line = candidate
    if line.strip():
        lines.append(line)
    return lines


def _cores_lines(t: Topology, cpus: CPUSet, indent: str, width: int, detailed: bool) -> list[str]:
    cores: dict[int, list[int]] = {}
    for cid in cpus:
        cores.setdefault(t.cpu_by_id[cid].core, []).append(cid)
    ordered = sorted(cores.items(), key=lambda kv: min(kv[1]))
    if detailed:
        tokens = [f"Core {k}: {','.join(map(str, sorted(pus)))}" for k, pus in ordered]
        return _pack(tokens, indent, width)
    # Runs of cores with the same number of PUs collapse to one line each.
    lines: list[str] = []
    run: list[list[int]] = []
    for _, pus in ordered + [(-1, [])]:
        if run and (not pus or len(pus) != len(run[0])):
            n = len(run[0])
            members = CPUSet(p for r in run for p in r)
            head = f"{indent}{len(run)} x Core ({n} PU{'s' if n != 1 else ''}): "
            lines.extend(_with_list(head, members, width, indent + "  "))
            run = []
        if pus:
            run.append(pus)
    return lines


def topology_to_text(t: Topology, width: int = 80) -> str:
    detailed = len(t.cpus) <= DETAIL_LIMIT
    total_mem = sum(n.memory_bytes for n in t.numa_nodes)
    title = (
        f"Machine {t.name}: {len(t.cpus)} CPUs, {len(t.core_ids)} cores, {len(t.socket_ids)} "
        f"package{'s' if len(t.socket_ids) != 1 else ''}, {len(t.numa_nodes)} NUMA node"
        f"{'s' if len(t.numa_nodes) != 1 else ''}" + (f", {human_bytes(total_mem)}" if total_mem else "")
    )
    out = textwrap.wrap(title, width, subsequent_indent="  ", break_on_hyphens=False)
    by_l3 = t.cpus_by_l3
    for sid, scpus in t.cpus_by_socket.items():
        out.extend(_with_list(f"  Package {sid}: CPUs ", scpus, width, "    "))
        for n in t.numa_nodes:
            ncpus = n.cpus & scpus
            if not ncpus:
                continue
            extra = []
            if n.memory_bytes:
                extra.append(human_bytes(n.memory_bytes))
            pages = [f"{_page(s)} x{c}" for s, c in sorted(n.hugepages.items()) if c]
            if pages:
                extra.append("hugepages " + ", ".join(pages))
            detail = f" ({'; '.join(extra)})" if extra else ""
            out.extend(_with_list(f"    NUMANode {n.id}{detail}: CPUs ", ncpus, width, "      "))
            l3_here = sorted({l3 for c in ncpus if (l3 := t.cpu_by_id[c].l3) is not None})
            no_l3 = CPUSet(c for c in ncpus if t.cpu_by_id[c].l3 is None)
            for l3 in l3_here:
                part = by_l3[l3] & ncpus
                shared = "" if part == by_l3[l3] else f" (spans NUMA nodes {t.numa_of(by_l3[l3])})"
                cores = _cores_lines(t, part, "", width, detailed)
                merged = f"      L3 {l3}: {cores[0]}" if cores else ""
                if not detailed and len(cores) == 1 and not shared and len(merged) <= width:
                    # One run of alike cores: keep the L3 and its cores on one line.
                    out.append(merged)
                    continue
                out.extend(_with_list(f"      L3 {l3}", shared, width, "        "))
                out.extend(_cores_lines(t, part, "        ", width, detailed))
            if no_l3:
                out.extend(_cores_lines(t, no_l3, "      ", width, detailed))
    cpuless = [n for n in t.numa_nodes if not n.cpus]
    for n in cpuless:
        mem = f" ({human_bytes(n.memory_bytes)})" if n.memory_bytes else ""
        out.append(f"  NUMANode {n.id}{mem}: memory only, no CPUs")

    ids = [n.id for n in t.numa_nodes]
    if len(ids) > 1 and any(n.distances for n in t.numa_nodes):
        cell = max(4, max(len(str(i)) for i in ids) + 1)
        out.append("")
        out.append("NUMA distances:")
        out.append(" " * 6 + "".join(f"{i:>{cell}}" for i in ids))
        for n in t.numa_nodes:
            row = "".join(f"{n.distances.get(to, '-'):>{cell}}" for to in ids)
            out.append(f"{n.id:>5}:{row}")
    if t.offline_cpus:
        out.append("")
        out.append(f"Offline CPUs: {t.offline_cpus}")
    if t.devices:
        out.append("")
        out.append("Devices:")
        for d in t.devices:
            where = f"NUMA {d.numa}" if d.numa is not None else "no NUMA affinity"
            bits = [d.kind] + ([d.resource] if d.resource else []) + ([d.address] if d.address else [])
            out.append(f"  {d.name} ({', '.join(bits)}): {where}")
    if t.notes:
        out.append("")
        out.append("Notes:")
        for note in t.notes:
            out.extend(textwrap.wrap(note, width, initial_indent="  - ", subsequent_indent="    "))
    return "\n".join(out) + "\n"
