"""Write a synthetic sysfs tree for a machine, so any spec can be fed to sysfs readers.

`read_machine(render_sysfs(m, root))` gives `m` back, and `read_sysfs` its kubelet view, for
machines real sysfs can express: each core within one NUMA node, ids as the reader assigns them
(cores, clusters and packages without a `physical_package_id` numbered by lowest CPU), memory in
whole kB, device kinds gpu/nic/storage/accelerator named `<kind><n>` in address order. Tests use
it to check the readers on trees of any size and shape; benchmarks use it for machines bigger
than any snapshot we have.
"""

from __future__ import annotations

import os
from pathlib import Path

from workbench.topology.cpuset import CPUSet
from workbench.topology.machine import Machine, machine_of
from workbench.topology.model import Topology
from workbench.topology.render_cpus import cpu_mask, render_cpus, write
from workbench.topology.sysfs_pci import PCI_RESOURCES

_KIND_CLASS = {"gpu": 0x030200, "nic": 0x020000, "storage": 0x010802, "accelerator": 0x120000}
_RESOURCE_VENDOR = {res: vendor for (vendor, _kind), res in PCI_RESOURCES.items()}
_DEFAULT_VENDOR = 0x1AF4  # virtio: no device plugin resource


def render_sysfs(topology: Topology | Machine, root: Path | str) -> Path:
    """Create `root/sys/...` (and `root/proc/meminfo`) describing the machine; returns `root`."""
    machine = topology if isinstance(topology, Machine) else machine_of(topology)
    root_s = os.fspath(root)
    render_cpus(machine, f"{root_s}/sys/devices/system/cpu")
    if machine.node_directory:
        _render_nodes(machine, f"{root_s}/sys/devices/system/node")
    else:
        os.makedirs(f"{root_s}/proc", exist_ok=True)
        kb = sum(n.memory_bytes for n in machine.numa_nodes) // 1024
        write(f"{root_s}/proc/meminfo", f"MemTotal:       {kb} kB\nMemFree:        {kb} kB")
    _render_pci(machine, f"{root_s}/sys/bus/pci/devices")
    return Path(root_s)


def _render_nodes(machine: Machine, node_root: str) -> None:
    os.makedirs(node_root, exist_ok=True)
    everything = machine.all_cpus | machine.offline_cpus
    nbits = (max(everything) + 1) if everything else 1
    node_ids = CPUSet(n.id for n in machine.numa_nodes)
    write(f"{node_root}/online", str(node_ids))
    write(f"{node_root}/possible", str(node_ids))
    write(f"{node_root}/has_cpu", str(CPUSet(n.id for n in machine.numa_nodes if n.cpus)))
    write(f"{node_root}/has_memory", str(CPUSet(n.id for n in machine.numa_nodes if n.memory_bytes)))
    cpu_root = "../../cpu"
    for n in machine.numa_nodes:
        nd = f"{node_root}/node{n.id}"
        os.makedirs(nd, exist_ok=True)
        write(f"{nd}/cpulist", str(n.cpus))
        write(f"{nd}/cpumap", cpu_mask(n.cpus, nbits))
        kb = n.memory_bytes // 1024
        write(f"{nd}/meminfo", f"Node {n.id} MemTotal:       {kb} kB\nNode {n.id} MemFree:        {kb} kB")
        if n.distances:
            write(f"{nd}/distance", " ".join(str(n.distances.get(to, 0)) for to in node_ids))
        for size, count in n.hugepages.items():
            hp = f"{nd}/hugepages/hugepages-{size // 1024}kB"
            os.makedirs(hp, exist_ok=True)
            write(f"{hp}/nr_hugepages", str(count))
            write(f"{hp}/free_hugepages", str(count))
        for cpu in n.cpus:
            # The same link cycle real sysfs has (node -> cpu -> node): readers must not walk it.
            link = f"{nd}/cpu{cpu}"
            if not os.path.lexists(link):
                os.symlink(f"{cpu_root}/cpu{cpu}", link)
            back = f"{node_root}/../cpu/cpu{cpu}/node{n.id}"
            if not os.path.lexists(back):
                os.symlink(f"../../node/node{n.id}", back)


def _render_pci(machine: Machine, pci: str) -> None:
    os.makedirs(pci, exist_ok=True)
    for i, d in enumerate(machine.devices):
        addr = d.address or f"0000:{0x10 + i:02x}:00.0"
        dd = f"{pci}/{addr}"
        os.makedirs(dd, exist_ok=True)
        vendor = _RESOURCE_VENDOR.get(d.resource or "", _DEFAULT_VENDOR)
        write(f"{dd}/class", f"0x{_KIND_CLASS.get(d.kind, 0x120000):06x}")
        write(f"{dd}/vendor", f"0x{vendor:04x}")
        write(f"{dd}/numa_node", str(d.numa if d.numa is not None else -1))
