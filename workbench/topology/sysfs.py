"""Discover a machine from a sysfs tree (`ROOT/sys/devices/system/{cpu,node}`, PCI devices).

`read_machine` gives the machine as hwloc describes it (`sysfs_cpus`, `sysfs_nodes`,
`sysfs_caches`); `read_sysfs` gives the kubelet's view of it, the `Topology` admission uses,
derived from the machine as cadvisor and the kubelet derive theirs (`kubelet_view`). The
topology keeps the machine in `Topology.machine`.
"""

from __future__ import annotations

import os
from pathlib import Path

from workbench.errors import InputError
from workbench.topology.cpuset import CPUSet
from workbench.topology.machine import Machine, MachineCPU
from workbench.topology.model import Topology
from workbench.topology.sysfs_caches import CacheFinder, cadvisor_reads_caches
from workbench.topology.sysfs_cpus import read_cpus, read_online
from workbench.topology.sysfs_files import is_dir, numbered
from workbench.topology.sysfs_nodes import read_nodes
from workbench.topology.sysfs_pci import PCI_RESOURCES, pci_devices

__all__ = ["PCI_RESOURCES", "read_machine", "read_sysfs"]


def _default_name(root: str) -> str:
    real = os.path.realpath(root)
    if real == "/":
        return os.uname().nodename or "localhost"
    return os.path.basename(real.rstrip("/")) or "node"


def read_machine(root: Path | str = "/", *, name: str | None = None) -> Machine:
    """The machine whose sysfs is mounted under `root` (`/` for this one), every online CPU."""
    root_s = os.fspath(root).rstrip("/") or ""
    cpu_root = f"{root_s}/sys/devices/system/cpu"
    if not is_dir(cpu_root):
        raise InputError(
            "no sys/devices/system/cpu directory",
            source=cpu_root,
            fix="give the directory that holds sys/ (a sysfs root such as /)",
        )
    present = numbered(cpu_root, "cpu")
    if not present:
        raise InputError("no cpuN directories", source=cpu_root, fix="give a complete sysfs tree")
    online = read_online(cpu_root, present)
    online_set = frozenset(online)
    facts = read_cpus(root_s, cpu_root, online)
    caches = CacheFinder(cpu_root, online_set)
    for c in online:
        caches.visit(c)
    l3_of = caches.ids()
    nodes = read_nodes(root_s, online)
    s390 = bool(facts.book or facts.drawer)
    numa_of = nodes.numa_of
    cpus = tuple(
        MachineCPU._make(
            (
                c,
                facts.package[c],
                facts.core[c],
                numa_of.get(c),
                facts.package_id[c],
                facts.core_id[c],
                facts.die.get(c, 0),
                facts.cluster.get(c),
                facts.book.get(c),
                facts.drawer.get(c),
                l3_of.get(c),
            )
        )
        for c in online
    )
    return Machine(
        name=name if name is not None else _default_name(root_s or "/"),
        cpus=cpus,
        numa_nodes=nodes.nodes,
        devices=tuple(pci_devices(root_s)),
        offline_cpus=CPUSet(c for c in present if c not in online_set),
        notes=tuple(facts.notes + nodes.notes),
        node_directory=nodes.directory,
        # Without L3 groups there is no uncore cache for cadvisor to miss.
        cache_ids=not l3_of or cadvisor_reads_caches(cpu_root, min(l3_of), s390=s390),
    )


def read_sysfs(root: Path | str = "/", *, name: str | None = None) -> Topology:
    """The kubelet's view of the machine under `root`; `.machine` holds the machine itself."""
    return read_machine(root, name=name).kubelet.topology
