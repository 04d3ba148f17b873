"""Discover a node's topology from a sysfs tree (`ROOT/sys/devices/system/{cpu,node}`, PCI devices).

Cores are grouped the way the kubelet sees them: cadvisor (`utils/sysinfo/sysinfo.go`
`getCoresInfo`) walks each NUMA node's CPUs and merges CPUs that share `core_id` and
`physical_package_id` (plus `book_id`/`drawer_id` on s390). Where sysfs thread siblings say
otherwise (AMD Bulldozer compute units list both cores of a unit as siblings, with distinct
`core_id`), the kubelet's grouping wins and a note says so. Node-unique core ids are assigned
in order of each core's lowest CPU id, which keeps the kubelet's order (its core id is that
lowest CPU id).

Reading is done with `os.open`/`os.read` on string paths: a 512-CPU tree is a few thousand
tiny files, and pathlib objects in the loop would cost more than the reads. Links are never
walked: directories are listed one level at a time and only single files are opened.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from types import MappingProxyType

from workbench.errors import InputError
from workbench.topology.cpuset import CPUSet, CPUSetError
from workbench.topology.model import CPU, Device, NumaNode, Topology

# PCI class code (top 16 bits of the 24-bit `class` value) -> device kind; other classes
# (bridges, USB, SMBus, ...) are not placement-relevant and are left out.
_PCI_KINDS = {
    0x0300: "gpu",
    0x0302: "gpu",
    0x0380: "gpu",
    0x0200: "nic",
    0x0207: "nic",
    0x0280: "nic",
    0x0100: "storage",
    0x0104: "storage",
    0x0106: "storage",
    0x0107: "storage",
    0x0108: "storage",
    0x0b40: "accelerator",
    0x1200: "accelerator",
    0x1280: "accelerator",
}
_PCI_KIND_BASE_CLASS = {0x03: "gpu", 0x02: "nic", 0x01: "storage", 0x12: "accelerator"}

# (vendor, kind) -> the extended resource its usual device plugin advertises.
PCI_RESOURCES = {
    (0x10DE, "gpu"): "nvidia.com/gpu",
    (0x1002, "gpu"): "amd.com/gpu",
    (0x8086, "gpu"): "gpu.intel.com/i915",
}

_MAX_READ = 1 << 20
_ACCESS = "run with read access to sysfs"


def _read(path: str) -> str | None:
    """Text of a sysfs file without NUL bytes and surrounding whitespace; None if absent."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=path, fix=_ACCESS) from None
    try:
        chunks = []
        while True:
            data = os.read(fd, 65536)
            if not data:
                break
            chunks.append(data)
            if len(data) < 65536 or sum(map(len, chunks)) > _MAX_READ:
                break
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", source=path, fix=_ACCESS) from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    return raw.decode("ascii", "replace").replace("\x00", "").strip()


def _int(path: str) -> int | None:
    text = _read(path)
    if text is None:
        return None
    try:
        return int(text, 0) if text.startswith("0x") else int(text)
    except ValueError:
        raise InputError(f"expected an integer, got {text!r}", source=path) from None


def _cpus(path: str) -> CPUSet | None:
    text = _read(path)
    if text is None:
        return None
    try:
        return CPUSet.parse(text)
    except CPUSetError as exc:
        raise InputError(str(exc), source=path) from None


def _mask(path: str) -> CPUSet | None:
    text = _read(path)
    if text is None:
        return None
    try:
        return CPUSet.from_hex_mask(text)
    except CPUSetError as exc:
        raise InputError(str(exc), source=path) from None


def _list_or_mask(base: str, list_name: str, mask_name: str) -> CPUSet | None:
    found = _cpus(f"{base}/{list_name}")
    if found is None:
        found = _mask(f"{base}/{mask_name}")
    return found


def _numbered(directory: str, prefix: str) -> list[int]:
    """Sorted N of the `prefixN` entries in `directory` (not following any link)."""
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []
    except OSError as exc:
        raise InputError(f"cannot list: {exc.strerror}", source=directory) from None
    n = len(prefix)
    return sorted(int(name[n:]) for name in names if name.startswith(prefix) and name[n:].isdigit())


def _ranges(ids: Iterable[int]) -> str:
    return str(CPUSet(ids))


class _CacheFinder:
    """Finds each CPU's L3 group, reading one CPU per group (siblings share the answer)."""

    def __init__(self, cpu_root: str, online: frozenset[int]) -> None:
        self.cpu_root = cpu_root
        self.online = online
        self.of_cpu: dict[int, int] = {}  # cpu -> group index
        self.groups: list[tuple[int | None, frozenset[int]]] = []

    def _l3_dir(self, cpu: int) -> str | None:
        base = f"{self.cpu_root}/cpu{cpu}/cache"
        # index3 is the L3 on nearly every machine; check its level before listing the directory.
        if _read(f"{base}/index3/level") == "3":
            return f"{base}/index3"
        for idx in _numbered(base, "index"):
            if idx != 3 and _read(f"{base}/index{idx}/level") == "3":
                return f"{base}/index{idx}"
        return None

    def visit(self, cpu: int) -> None:
        if cpu in self.of_cpu:
            return
        d = self._l3_dir(cpu)
        if d is None:
            return
        shared = _list_or_mask(d, "shared_cpu_list", "shared_cpu_map")
        members = set(shared.as_frozenset() if shared is not None else ()) & self.online
        members.add(cpu)
        members -= self.of_cpu.keys()
        cache_id = _int(f"{d}/id")
        self.groups.append((cache_id, frozenset(members)))
        gi = len(self.groups) - 1
        for m in members:
            self.of_cpu[m] = gi

    def ids(self) -> dict[int, int]:
        """cpu -> L3 id: sysfs cache ids when they name the groups one-to-one, else dense ids."""
        sysfs_ids = [g[0] for g in self.groups]
        if all(i is not None for i in sysfs_ids) and len(set(sysfs_ids)) == len(sysfs_ids):
            names: list[int] = [i for i in sysfs_ids if i is not None]
        else:
            order = sorted(range(len(self.groups)), key=lambda gi: min(self.groups[gi][1]))
            names = [0] * len(self.groups)
            for rank, gi in enumerate(order):
                names[gi] = rank
        return {cpu: names[gi] for cpu, gi in self.of_cpu.items()}


def _meminfo_total(path: str) -> int:
    text = _read(path)
    if not text:
        return 0
    for line in text.splitlines():
        if "MemTotal:" in line:
            parts = line.split("MemTotal:", 1)[1].split()
            try:
                value = int(parts[0])
            except (IndexError, ValueError):
                raise InputError(f"cannot parse MemTotal line {line.strip()!r}", source=path) from None
            unit = parts[1] if len(parts) > 1 else "kB"
            return value * 1024 if unit.lower() == "kb" else value
    return 0


def _hugepages(node_dir: str) -> dict[int, int]:
    base = f"{node_dir}/hugepages"
    try:
        names = os.listdir(base)
    except (FileNotFoundError, NotADirectoryError):
        return {}
    out: dict[int, int] = {}
    for name in names:
        if not (name.startswith("hugepages-") and name.endswith("kB")):
            continue
        try:
            size_kb = int(name[len("hugepages-") : -2])
        except ValueError:
            continue
        count = _int(f"{base}/{name}/nr_hugepages")
        out[size_kb * 1024] = count or 0
    return dict(sorted(out.items()))


def _distance_columns(node_root: str, node_ids: list[int], width: int) -> list[int] | None:
    """Node ids the entries of a `distance` row refer to (the kernel prints one per online node)."""
    for name in ("online", "possible"):
        listed = _cpus(f"{node_root}/{name}")
        if listed is not None and len(listed) == width:
            return list(listed.sorted())
    if len(node_ids) == width:
        return node_ids
    return None


def _pci_devices(root: str) -> list[Device]:
    base = f"{root}/sys/bus/pci/devices"
    try:
        addrs = sorted(os.listdir(base))
    except (FileNotFoundError, NotADirectoryError):
        return []
    found: list[tuple[str, str, int | None, str | None]] = []
    for addr in addrs:
        d = f"{base}/{addr}"
        cls = _int(f"{d}/class")
        if cls is None:
            continue
        kind = _PCI_KINDS.get(cls >> 8) or _PCI_KIND_BASE_CLASS.get(cls >> 16)
        if kind is None:
            continue
        numa = _int(f"{d}/numa_node")
        vendor = _int(f"{d}/vendor")
        resource = PCI_RESOURCES.get((vendor, kind)) if vendor is not None else None
        found.append((addr, kind, numa if numa is not None and numa >= 0 else None, resource))
    counters: dict[str, int] = {}
    devices = []
    for addr, kind, numa, resource in found:
        n = counters.get(kind, 0)
        counters[kind] = n + 1
        devices.append(Device(name=f"{kind}{n}", kind=kind, numa=numa, resource=resource, address=addr))
    return devices


def _node_wide_l3(cpus: tuple[CPU, ...]) -> list[int]:
    """L3 ids whose CPUs are exactly one NUMA node's, in sockets with several L3 groups.

    cadvisor (`addCacheInfo`) files such an L3 as a node cache, and the kubelet's
    `getUncoreCacheID` then falls back to the socket id; only with several such L3s per socket
    does that change which CPUs the kubelet treats as sharing an uncore cache.
    """
    by_l3: dict[int, set[int]] = {}
    by_node: dict[int, set[int]] = {}
    l3_sockets: dict[int, set[int]] = {}
    for c in cpus:
        by_node.setdefault(c.numa, set()).add(c.id)
        if c.l3 is not None:
            by_l3.setdefault(c.l3, set()).add(c.id)
            l3_sockets.setdefault(c.socket, set()).add(c.l3)
    by_id = {c.id: c for c in cpus}
    out = []
    for l3, members in sorted(by_l3.items()):
        first = by_id[min(members)]
        if members == by_node[first.numa] and len(l3_sockets[first.socket]) > 1:
            out.append(l3)
    return out


def _default_name(root: str) -> str:
    real = os.path.realpath(root)
    if real == "/":
        return os.uname().nodename or "localhost"
    return os.path.basename(real.rstrip("/")) or "node"


def read_sysfs(root: Path | str = "/", *, name: str | None = None) -> Topology:
    """The topology of the machine whose sysfs is mounted under `root` (`/` for this one)."""
    root_s = os.fspath(root).rstrip("/") or ""
    cpu_root = f"{root_s}/sys/devices/system/cpu"
    node_root = f"{root_s}/sys/devices/system/node"
    if not os.path.isdir(cpu_root):
        raise InputError(
            "no sys/devices/system/cpu directory",
            source=cpu_root,
            fix="give the directory that holds sys/ (a sysfs root such as /)",
        )
    notes: list[str] = []

    present = _numbered(cpu_root, "cpu")
    if not present:
        raise InputError("no cpuN directories", source=cpu_root, fix="give a complete sysfs tree")
    online_list = _cpus(f"{cpu_root}/online")
    if online_list is not None:
        online = [c for c in present if c in online_list]
    else:
        # Old kernels: no cpu/online; each cpuN/online says 0 or 1, and cpu0 usually has none.
        online = [c for c in present if _read(f"{cpu_root}/cpu{c}/online") != "0"]
    online_set = frozenset(online)
    offline = CPUSet(c for c in present if c not in online_set)

    # ---- per-CPU topology files ---------------------------------------------------------
    package: dict[int, int] = {}
    die: dict[int, int] = {}
    core_key: dict[int, tuple[int, ...]] = {}
    siblings: dict[int, frozenset[int]] = {}
    no_topology: list[int] = []
    unknown_package: list[int] = []
    caches = _CacheFinder(cpu_root, online_set)
    # Which optional files this kernel has, probed once: failed opens cost as much as reads.
    probe: set[str] = set()
    for c in online[:1]:
        try:
            probe = set(os.listdir(f"{cpu_root}/cpu{c}/topology"))
        except OSError:
            probe = set()
    has_book = "book_id" in probe
    has_die = "die_id" in probe
    sib_files = [
        (lst, msk)
        for lst, msk in (("core_cpus_list", "core_cpus"), ("thread_siblings_list", "thread_siblings"))
        if lst in probe or msk in probe
    ][:1] or [("thread_siblings_list", "thread_siblings")]
    sib_list, sib_mask = sib_files[0]
    for c in online:
        t = f"{cpu_root}/cpu{c}/topology"
        pkg = _int(f"{t}/physical_package_id")
        if pkg is not None and pkg < 0:
            unknown_package.append(c)
        core_id = _int(f"{t}/core_id")
        if core_id is None:
            no_topology.append(c)
            package[c] = max(pkg or 0, 0)
            core_key[c] = (-1, c)
        else:
            package[c] = max(pkg or 0, 0)
            key: tuple[int, ...] = (package[c], core_id)
            book = _int(f"{t}/book_id") if has_book else None
            if book is not None:
                key += (book, _int(f"{t}/drawer_id") or 0)
            core_key[c] = key
        if c not in die:
            d = _int(f"{t}/die_id") if has_die else None
            die[c] = d if d is not None and d >= 0 else 0
            if has_die:
                # The kubelet ignores dies, so one read per die (die_cpus_list) is enough.
                for m in _cpus(f"{t}/die_cpus_list") or ():
                    if m in online_set:
                        die.setdefault(m, die[c])
        if c not in siblings:
            sib = _list_or_mask(t, sib_list, sib_mask)
            if sib is not None:
                group = (sib.as_frozenset() & online_set) | {c}
                for s in group:
                    siblings.setdefault(s, group)
        caches.visit(c)
    if no_topology:
        notes.append(
            f"CPUs {_ranges(no_topology)} have no topology/core_id; each counts as its own core "
            "(cadvisor would leave them out)"
        )
    if unknown_package:
        notes.append(
            f"physical_package_id is -1 (unknown) for CPUs {_ranges(unknown_package)}: the kubelet "
            "sees them in one socket, -1, shown as socket 0 here (hwloc builds packages from "
            "core_siblings instead)"
        )
    l3_of = caches.ids()

    # ---- NUMA nodes ----------------------------------------------------------------------
    node_ids = _numbered(node_root, "node") if os.path.isdir(node_root) else []
    numa_of: dict[int, int] = {}
    nodes_raw: list[tuple[int, list[int], int, dict[int, int], list[int] | None]] = []
    if not node_ids:
        numa_of = {c: 0 for c in online}
        mem = _meminfo_total(f"{root_s}/proc/meminfo")
        nodes_raw.append((0, list(online), mem, {}, None))
        notes.append(
            "sysfs has no NUMA node directory: one node 0 holds every CPU "
            "(cadvisor would report one node per package)"
        )
    else:
        stray: list[int] = []
        for n in node_ids:
            nd = f"{node_root}/node{n}"
            listed = _list_or_mask(nd, "cpulist", "cpumap")
            mine = []
            for c in listed or ():
                if c in online_set:
                    if c in numa_of:
                        stray.append(c)
                        continue
                    numa_of[c] = n
                    mine.append(c)
            row_text = _read(f"{nd}/distance")
            row: list[int] | None = None
            if row_text:
                try:
                    row = [int(x) for x in row_text.split()]
                except ValueError:
                    raise InputError(f"bad distance row {row_text!r}", source=f"{nd}/distance") from None
            nodes_raw.append((n, mine, _meminfo_total(f"{nd}/meminfo"), _hugepages(nd), row))
        if stray:
            notes.append(
                f"CPUs {_ranges(stray)} are listed by more than one NUMA node; the first one is used"
            )
        nodeless = [c for c in online if c not in numa_of]
        if nodeless:
            notes.append(
                f"online CPUs {_ranges(nodeless)} belong to no NUMA node in sysfs; "
                "the kubelet (cadvisor) does not see them, so they are left out"
            )
            online = [c for c in online if c in numa_of]

    known_nodes = {n for n, *_ in nodes_raw}
    numa_nodes: list[NumaNode] = []
    dropped_rows = []
    for n, mine, mem, huge, row in nodes_raw:
        dist: dict[int, int] = {}
        if row is not None:
            cols = _distance_columns(node_root, node_ids, len(row))
            if cols is None:
                dropped_rows.append(n)
            else:
                dist = {col: v for col, v in zip(cols, row, strict=True) if col in known_nodes}
        numa_nodes.append(
            NumaNode(
                id=n,
                cpus=CPUSet(mine),
                memory_bytes=mem,
                hugepages=MappingProxyType(huge),
                distances=MappingProxyType(dist),
            )
        )
    if dropped_rows:
        notes.append(f"distance rows of nodes {_ranges(dropped_rows)} do not match the node list; ignored")

    # ---- cores, the kubelet's way --------------------------------------------------------
    groups: dict[tuple[int, ...], list[int]] = {}
    for c in online:
        groups.setdefault((numa_of[c],) + core_key[c], []).append(c)
    ordered = sorted(groups.values(), key=min)
    core_of: dict[int, int] = {}
    for i, members in enumerate(ordered):
        for c in members:
            core_of[c] = i
    split = [
        c for c in online if c in siblings and not siblings[c].issubset(groups[(numa_of[c],) + core_key[c]])
    ]
    wide = [
        c
        for c in online
        if c in siblings and len(groups[(numa_of[c],) + core_key[c]]) > len(siblings[c])
        and siblings[c].issubset(groups[(numa_of[c],) + core_key[c]])
    ]
    if wide:
        notes.append(
            f"CPUs {_ranges(wide)} share a core_id with CPUs that are not their thread siblings; "
            "the kubelet groups cores by core_id, so they count as one core here (hwloc shows "
            "one core per sibling set)"
        )
    if split:
        first = split[0]
        notes.append(
            f"sysfs thread siblings of CPUs {_ranges(split)} (e.g. CPU {first}: "
            f"{_ranges(siblings[first])}) have different core_id values; the kubelet groups cores by "
            "core_id, so each counts as a separate core here (hwloc shows one core per sibling set)"
        )

    cpus = tuple(
        CPU(id=c, core=core_of[c], socket=package[c], numa=numa_of[c], die=die[c], l3=l3_of.get(c))
        for c in online
    )
    node_wide = _node_wide_l3(cpus)
    if node_wide:
        notes.append(
            f"L3 groups {_ranges(node_wide)} each hold exactly the CPUs of one NUMA node: cadvisor then "
            "reports them as node caches, not uncore caches, so the kubelet's uncore-cache alignment "
            "uses the socket id for these CPUs"
        )
    return Topology(
        name=name if name is not None else _default_name(root_s or "/"),
        cpus=cpus,
        numa_nodes=tuple(numa_nodes),
        devices=tuple(_pci_devices(root_s)),
        offline_cpus=offline,
        notes=tuple(notes),
    )
