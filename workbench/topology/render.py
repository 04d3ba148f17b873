"""Write a synthetic sysfs tree for a `Topology`, so any spec can be fed to sysfs readers.

`read_sysfs(render_sysfs(t, root))` gives `t` back (for topologies that real sysfs can
express: each core within one NUMA node, memory in whole kB, device kinds gpu/nic/storage/
accelerator named `<kind><n>` in address order). Tests use it to check the reader on trees of
any size and shape; benchmarks use it for machines bigger than any snapshot we have.
"""

from __future__ import annotations

import os
from pathlib import Path

from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology
from workbench.topology.sysfs import PCI_RESOURCES

_KIND_CLASS = {"gpu": 0x030200, "nic": 0x020000, "storage": 0x010802, "accelerator": 0x120000}
_RESOURCE_VENDOR = {res: vendor for (vendor, _kind), res in PCI_RESOURCES.items()}
_DEFAULT_VENDOR = 0x1AF4  # virtio: no device plugin resource


def _mask(ids: CPUSet, nbits: int) -> str:
    """The kernel's `cpumap` format: 32-bit hex words, most significant first, comma-separated."""
    value = 0
    for i in ids:
        value |= 1 << i
    words = max(1, (nbits + 31) // 32)
    parts = [f"{(value >> (32 * w)) & 0xFFFFFFFF:08x}" for w in reversed(range(words))]
    return ",".join(parts)


def _write(path: str, text: str) -> None:
    with open(path, "w", encoding="ascii") as f:
        f.write(text + "\n")


def render_sysfs(topology: Topology, root: Path | str) -> Path:
    """Create `root/sys/...` describing `topology`; returns `root`."""
    root_s = os.fspath(root)
    cpu_root = f"{root_s}/sys/devices/system/cpu"
    node_root = f"{root_s}/sys/devices/system/node"
    os.makedirs(cpu_root, exist_ok=True)
    os.makedirs(node_root, exist_ok=True)

    online = topology.all_cpus
    everything = online | topology.offline_cpus
    nbits = (max(everything) + 1) if everything else 1
    _write(f"{cpu_root}/online", str(online))
    _write(f"{cpu_root}/offline", str(topology.offline_cpus))
    _write(f"{cpu_root}/present", str(everything))
    _write(f"{cpu_root}/possible", str(everything))

    by_core = topology.cpus_by_core
    by_socket = topology.cpus_by_socket
    by_l3 = topology.cpus_by_l3
    die_groups: dict[tuple[int, int], list[int]] = {}
    for c in topology.cpus:
        die_groups.setdefault((c.socket, c.die), []).append(c.id)
    for c in topology.cpus:
        base = f"{cpu_root}/cpu{c.id}"
        topo = f"{base}/topology"
        os.makedirs(topo, exist_ok=True)
        _write(f"{base}/online", "1")
        siblings = by_core[c.core]
        package = by_socket[c.socket]
        die = CPUSet(die_groups[(c.socket, c.die)])
        for name, value in (
            ("physical_package_id", str(c.socket)),
            ("die_id", str(c.die)),
            ("core_id", str(c.core)),
            ("thread_siblings_list", str(siblings)),
            ("thread_siblings", _mask(siblings, nbits)),
            ("core_cpus_list", str(siblings)),
            ("core_cpus", _mask(siblings, nbits)),
            ("core_siblings_list", str(package)),
            ("core_siblings", _mask(package, nbits)),
            ("package_cpus_list", str(package)),
            ("package_cpus", _mask(package, nbits)),
            ("die_cpus_list", str(die)),
            ("die_cpus", _mask(die, nbits)),
        ):
            _write(f"{topo}/{name}", value)
        if c.l3 is not None:
            idx = f"{base}/cache/index3"
            os.makedirs(idx, exist_ok=True)
            shared = by_l3[c.l3]
            for name, value in (
                ("level", "3"),
                ("type", "Unified"),
                ("id", str(c.l3)),
                ("size", "32768K"),
                ("shared_cpu_list", str(shared)),
                ("shared_cpu_map", _mask(shared, nbits)),
            ):
                _write(f"{idx}/{name}", value)
    for off in topology.offline_cpus:
        # Offline CPUs keep their directory but lose topology/ and cache/, as on a real kernel.
        os.makedirs(f"{cpu_root}/cpu{off}", exist_ok=True)
        _write(f"{cpu_root}/cpu{off}/online", "0")

    node_ids = CPUSet(topology.numa_ids)
    _write(f"{node_root}/online", str(node_ids))
    _write(f"{node_root}/possible", str(node_ids))
    _write(f"{node_root}/has_cpu", str(CPUSet(topology.cpu_numa_ids)))
    _write(f"{node_root}/has_memory", str(CPUSet(n.id for n in topology.numa_nodes if n.memory_bytes)))
    for n in topology.numa_nodes:
        nd = f"{node_root}/node{n.id}"
        os.makedirs(nd, exist_ok=True)
        _write(f"{nd}/cpulist", str(n.cpus))
        _write(f"{nd}/cpumap", _mask(n.cpus, nbits))
        kb = n.memory_bytes // 1024
        _write(f"{nd}/meminfo", f"Node {n.id} MemTotal:       {kb} kB\nNode {n.id} MemFree:        {kb} kB")
        if n.distances:
            _write(f"{nd}/distance", " ".join(str(n.distances.get(to, 0)) for to in node_ids))
        for size, count in n.hugepages.items():
            hp = f"{nd}/hugepages/hugepages-{size // 1024}kB"
            os.makedirs(hp, exist_ok=True)
            _write(f"{hp}/nr_hugepages", str(count))
            _write(f"{hp}/free_hugepages", str(count))
        for cpu in n.cpus:
            # The same link cycle real sysfs has (node -> cpu -> node): readers must not walk it.
            link = f"{nd}/cpu{cpu}"
            if not os.path.lexists(link):
                os.symlink(f"../../cpu/cpu{cpu}", link)
            back = f"{cpu_root}/cpu{cpu}/node{n.id}"
            if not os.path.lexists(back):
                os.symlink(f"../../node/node{n.id}", back)

    pci = f"{root_s}/sys/bus/pci/devices"
    os.makedirs(pci, exist_ok=True)
    for i, d in enumerate(topology.devices):
        addr = d.address or f"0000:{0x10 + i:02x}:00.0"
        dd = f"{pci}/{addr}"
        os.makedirs(dd, exist_ok=True)
        vendor = _RESOURCE_VENDOR.get(d.resource or "", _DEFAULT_VENDOR)
        _write(f"{dd}/class", f"0x{_KIND_CLASS.get(d.kind, 0x120000):06x}")
        _write(f"{dd}/vendor", f"0x{vendor:04x}")
        _write(f"{dd}/numa_node", str(d.numa if d.numa is not None else -1))
    return Path(root_s)
