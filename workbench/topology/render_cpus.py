"""The `cpu/` half of a synthetic sysfs tree: per-CPU topology files and L3 cache directories."""

from __future__ import annotations

import os

from workbench.topology.cpuset import CPUSet
from workbench.topology.machine import Machine, MachineCPU


def cpu_mask(ids: CPUSet, nbits: int) -> str:
    """The kernel's `cpumap` format: 32-bit hex words, most significant first, comma-separated."""
    value = 0
    for i in ids:
        value |= 1 << i
    words = max(1, (nbits + 31) // 32)
    parts = [f"{(value >> (32 * w)) & 0xFFFFFFFF:08x}" for w in reversed(range(words))]
    return ",".join(parts)


def write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write(text + "\n")


class _Sets:
    """The CPU sets each topology file lists, computed once per machine."""

    def __init__(self, machine: Machine) -> None:
        self.core = machine.cpus_by_core
        self.package = machine.cpus_by_package
        self.l3 = machine.cpus_by_l3
        dies: dict[tuple[int, int], list[int]] = {}
        clusters: dict[int, list[int]] = {}
        books: dict[int, list[int]] = {}
        drawers: dict[int, list[int]] = {}
        for c in machine.cpus:
            dies.setdefault((c.package, c.die), []).append(c.id)
            if c.cluster is not None:
                clusters.setdefault(c.cluster, []).append(c.id)
            if c.book is not None:
                books.setdefault(c.book, []).append(c.id)
            if c.drawer is not None:
                drawers.setdefault(c.drawer, []).append(c.id)
        self.dies = {k: CPUSet(v) for k, v in dies.items()}
        self.clusters = {k: CPUSet(v) for k, v in clusters.items()}
        self.books = {k: CPUSet(v) for k, v in books.items()}
        self.drawers = {k: CPUSet(v) for k, v in drawers.items()}
        self.any_cluster = bool(clusters)


def _topology_files(c: MachineCPU, sets: _Sets) -> list[tuple[str, CPUSet | str]]:
    files: list[tuple[str, CPUSet | str]] = [
        ("die_id", str(c.die)),
        ("thread_siblings", sets.core[c.core]),
        ("core_cpus", sets.core[c.core]),
        ("core_siblings", sets.package[c.package]),
        ("package_cpus", sets.package[c.package]),
        ("die_cpus", sets.dies[(c.package, c.die)]),
    ]
    if c.socket is not None:
        files.append(("physical_package_id", str(c.socket)))
    if c.core_id is not None:
        files.append(("core_id", str(c.core_id)))
    if sets.any_cluster:
        # A CPU outside every multi-CPU cluster is a cluster of one, which readers ignore.
        files.append(("cluster_cpus", sets.clusters[c.cluster] if c.cluster is not None else CPUSet([c.id])))
    if c.book is not None:
        files += [("book_id", str(c.book)), ("book_siblings", sets.books[c.book])]
    if c.drawer is not None:
        files += [("drawer_id", str(c.drawer)), ("drawer_siblings", sets.drawers[c.drawer])]
    return files


def render_cpus(machine: Machine, cpu_root: str) -> None:
    online = machine.all_cpus
    everything = online | machine.offline_cpus
    nbits = (max(everything) + 1) if everything else 1
    os.makedirs(cpu_root, exist_ok=True)
    write(f"{cpu_root}/online", str(online))
    write(f"{cpu_root}/offline", str(machine.offline_cpus))
    write(f"{cpu_root}/present", str(everything))
    write(f"{cpu_root}/possible", str(everything))
    sets = _Sets(machine)
    for c in machine.cpus:
        base = f"{cpu_root}/cpu{c.id}"
        topo = f"{base}/topology"
        os.makedirs(topo, exist_ok=True)
        write(f"{base}/online", "1")
        for name, value in _topology_files(c, sets):
            if isinstance(value, CPUSet):
                write(f"{topo}/{name}_list", str(value))
                write(f"{topo}/{name}", cpu_mask(value, nbits))
            else:
                write(f"{topo}/{name}", value)
        if c.l3 is not None:
            _l3(f"{base}/cache/index3", c.l3, sets.l3[c.l3], nbits, machine.cache_ids)
    for off in machine.offline_cpus:
        # Offline CPUs keep their directory but lose topology/ and cache/, as on a real kernel.
        os.makedirs(f"{cpu_root}/cpu{off}", exist_ok=True)
        write(f"{cpu_root}/cpu{off}/online", "0")


def _l3(idx: str, l3: int, shared: CPUSet, nbits: int, with_id: bool) -> None:
    os.makedirs(idx, exist_ok=True)
    for name, value in (
        ("level", "3"),
        ("type", "Unified"),
        ("size", "32768K"),
        ("shared_cpu_list", str(shared)),
        ("shared_cpu_map", cpu_mask(shared, nbits)),
    ):
        write(f"{idx}/{name}", value)
    if with_id:
        write(f"{idx}/id", str(l3))
