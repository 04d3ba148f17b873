"""`workbench topology` as text: the machine, lstopo-like, in 80 columns, with the kubelet's view.

The picture is the machine as it is (`report_tree`); where the kubelet reads it otherwise a
line ends with `[kN]` and the "Kubelet view" section says, one difference per entry, what the
kubelet sees there and why.
"""

from __future__ import annotations

import textwrap

from workbench.topology.cpuset import CPUSet
from workbench.topology.machine import Machine
from workbench.topology.model import NumaNode, Topology
from workbench.topology.report import as_machine, human_bytes
from workbench.topology.report_tree import TreeBuilder, TreeText


def _page(size: int) -> str:
    for unit, mult in (("Gi", 2**30), ("Mi", 2**20), ("Ki", 2**10)):
        if size % mult == 0:
            return f"{size // mult}{unit}"
    return str(size)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"


def _numa_label(n: NumaNode) -> str:
    extra = []
    if n.memory_bytes:
        extra.append(human_bytes(n.memory_bytes))
    pages = [f"{_page(s)} x{c}" for s, c in sorted(n.hugepages.items()) if c]
    if pages:
        extra.append("hugepages " + ", ".join(pages))
    return f"NUMANode {n.id}" + (f" ({'; '.join(extra)})" if extra else "")


def _title(m: Machine, width: int) -> list[str]:
    total_mem = sum(n.memory_bytes for n in m.numa_nodes)
    title = (
        f"Machine {m.name}: {_plural(len(m.cpus), 'CPU')}, {_plural(len(m.cpus_by_core), 'core')}, "
        f"{_plural(len(m.cpus_by_package), 'package')}, {_plural(len(m.numa_nodes), 'NUMA node')}"
        + (f", {human_bytes(total_mem)}" if total_mem else "")
    )
    return textwrap.wrap(title, width, subsequent_indent="  ", break_on_hyphens=False)


def _tree(m: Machine, width: int) -> list[str]:
    labels = {
        "drawer": lambda i: f"Drawer {i}",
        "book": lambda i: f"Book {i}",
        "package": lambda i: f"Package {i}",
        "die": lambda i: f"Die {i}",
        "numa": lambda i: _numa_label(m.node_by_id[i]),
        "cluster": lambda i: f"Cluster {i}",
        "l3": lambda i: f"L3 {i}",
    }
    differences = [(d.kind, d.cpus) for d in m.kubelet.differences]
    builder = TreeBuilder(m, labels, differences)
    lines = TreeText(builder, width).lines(builder.tree(), "  ")
    for n in m.numa_nodes:
        if not n.cpus:
            mem = f" ({human_bytes(n.memory_bytes)})" if n.memory_bytes else ""
            lines.append(f"  NUMANode {n.id}{mem}: memory only, no CPUs")
    return lines


def _distances(m: Machine) -> list[str]:
    ids = [n.id for n in m.numa_nodes]
    if len(ids) <= 1 or not any(n.distances for n in m.numa_nodes):
        return []
    cell = max(4, max(len(str(i)) for i in ids) + 1)
    out = ["", "NUMA distances:", " " * 6 + "".join(f"{i:>{cell}}" for i in ids)]
    for n in m.numa_nodes:
        out.append(f"{n.id:>5}:" + "".join(f"{n.distances.get(to, '-'):>{cell}}" for to in ids))
    return out


def _kubelet(m: Machine, width: int) -> list[str]:
    k = m.kubelet
    if not k.differences:
        return []
    t = k.topology
    seen = (
        f"{len(t.cpus)} of {len(m.cpus)} CPUs" if len(t.cpus) != len(m.cpus) else _plural(len(t.cpus), "CPU")
    )
    summary = (
        f"Kubelet view (what admission uses): {seen}, {_plural(len(t.socket_ids), 'socket')} "
        f"({', '.join(map(str, t.socket_ids))}), {_plural(len(t.core_ids), 'core')}, "
        f"{_plural(len(t.cpu_numa_ids), 'NUMA node')} with CPUs ({CPUSet(t.cpu_numa_ids)})"
    )
    out = ["", *textwrap.wrap(summary, width, subsequent_indent="  ", break_on_hyphens=False)]
    for i, d in enumerate(k.differences, 1):
        head = f"  [k{i}] " + (f"CPUs {d.cpus}: " if d.cpus else "")
        indent = " " * len(f"  [k{i}] ")
        out.extend(textwrap.wrap(head + d.reason, width, subsequent_indent=indent, break_on_hyphens=False))
    return out


def machine_text(m: Machine, width: int = 80) -> str:
    out = _title(m, width) + _tree(m, width) + _distances(m)
    if m.offline_cpus:
        out += ["", f"Offline CPUs: {m.offline_cpus}"]
    if m.devices:
        out += ["", "Devices:"]
        for d in m.devices:
            where = f"NUMA {d.numa}" if d.numa is not None else "no NUMA affinity"
            bits = [d.kind] + ([d.resource] if d.resource else []) + ([d.address] if d.address else [])
            out.append(f"  {d.name} ({', '.join(bits)}): {where}")
    out += _kubelet(m, width)
    if m.notes:
        out += ["", "Notes:"]
        for note in m.notes:
            out.extend(textwrap.wrap(note, width, initial_indent="  - ", subsequent_indent="    "))
    return "\n".join(out) + "\n"


def topology_to_text(t: Topology | Machine, width: int = 80) -> str:
    return machine_text(as_machine(t), width)
