"""Per-CPU topology from `cpu/cpuN/topology/`, grouped the way hwloc groups it.

open-mpi/hwloc `hwloc/topology-linux.c` `look_sysfscpu` (read at 3b37b024aa3f):
- a CPU counts when it is online: listed in `cpu/online`, or else its own `online` file is not
  0 (old kernels have no `cpu/online`; cpu0 often has no `online` file);
- a core is the CPU's `core_cpus` (older kernels: `thread_siblings`) among online CPUs. On AMD
  family 15h/16h (`is_amd_with_CU`, from /proc/cpuinfo), when the first multi-thread core's
  threads have distinct `core_id`, every thread is a core of its own (the kernel lists both
  cores of a compute unit as thread siblings);
- a package is the CPU's `package_cpus` (older: `core_siblings`) among online CPUs, whatever
  `physical_package_id` says (it is -1 on some POWER and s390 kernels). Where no mask exists we
  fall back to equal `physical_package_id`, then to `cluster_cpus` (old arm64 kernels reported
  clusters as packages);
- a cluster is `cluster_cpus` when it holds more than one online CPU; a die is `die_id`/
  `die_cpus`; books and drawers (s390 only) are the CPUs sharing `book_id` / `drawer_id`.

The raw `physical_package_id` and `core_id` of every CPU are kept too: they are what cadvisor
reads for the kubelet. Each file is read once per group it describes, not once per CPU.
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.topology.cpuset import CPUSet
from workbench.topology.sysfs_files import listing, read_int, read_list, read_mask, read_text

Mask = Callable[[int], CPUSet | None]


class CpusRead:
    """Per online CPU: machine package, core, die, cluster, and the sysfs ids cadvisor reads."""

    def __init__(self) -> None:
        self.package: dict[int, int] = {}
        self.core: dict[int, int] = {}
        self.die: dict[int, int] = {}
        self.cluster: dict[int, int] = {}
        self.package_id: dict[int, int | None] = {}
        self.core_id: dict[int, int | None] = {}
        self.book: dict[int, int | None] = {}
        self.drawer: dict[int, int | None] = {}
        self.notes: list[str] = []


def read_online(cpu_root: str, present: list[int]) -> list[int]:
    listed = read_list(f"{cpu_root}/online")
    if listed is not None:
        return [c for c in present if c in listed]
    return [c for c in present if read_text(f"{cpu_root}/cpu{c}/online") != "0"]


class _Files:
    """Which optional topology files this kernel has, probed once on the first online CPU.

    Knowing whether the `_list` or the mask form exists saves a failed open per group.
    """

    def __init__(self, cpu_root: str, first: int) -> None:
        self.cpu_root = cpu_root
        self.probe = listing(f"{cpu_root}/cpu{first}/topology")
        new_names = bool({"core_cpus", "core_cpus_list", "package_cpus", "package_cpus_list"} & self.probe)
        self.core_name = "core_cpus" if new_names else "thread_siblings"
        self.package_name = "package_cpus" if new_names else "core_siblings"
        self.package_masks = bool({self.package_name, f"{self.package_name}_list"} & self.probe)
        self.die = "die_id" in self.probe
        self.cluster = bool({"cluster_cpus", "cluster_cpus_list"} & self.probe)
        self.book = "book_id" in self.probe
        self.drawer = "drawer_id" in self.probe

    def mask(self, cpu: int, name: str) -> CPUSet | None:
        base = f"{self.cpu_root}/cpu{cpu}/topology"
        if f"{name}_list" in self.probe:
            found = read_list(f"{base}/{name}_list")
            if found is not None:
                return found
        return read_mask(f"{base}/{name}")

    def core_mask(self, cpu: int) -> CPUSet | None:
        return self.mask(cpu, self.core_name)

    def package_mask(self, cpu: int) -> CPUSet | None:
        return self.mask(cpu, self.package_name)

    def id(self, cpu: int, name: str) -> int | None:
        return read_int(f"{self.cpu_root}/cpu{cpu}/topology/{name}")


def _partition(online: list[int], members_of: Mask, assign: dict[int, int]) -> list[frozenset[int]]:
    """Groups from a mask file, reading it for the lowest CPU of each group only."""
    online_set = frozenset(online)
    groups: list[frozenset[int]] = []
    for c in online:
        if c in assign:
            continue
        mask = members_of(c)
        listed = (mask.as_frozenset() & online_set) if mask is not None else ()
        members = frozenset([c, *(m for m in listed if m not in assign)])
        for m in members:
            assign[m] = len(groups)
        groups.append(members)
    return groups


def amd_with_compute_units(root: str) -> bool:
    """hwloc's `is_amd_with_CU`: the first processor of /proc/cpuinfo is AMD family 21 or 22."""
    text = read_text(f"{root}/proc/cpuinfo") or ""
    vendor = family = None
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "vendor_id" and vendor is None:
            vendor = value.strip()
        elif key == "cpu family" and family is None:
            family = value.strip()
        if vendor is not None and family is not None:
            break
    return vendor == "AuthenticAMD" and family in ("21", "22")


def _cores(root: str, files: _Files, online: list[int], out: CpusRead) -> None:
    split: bool | None = None  # hwloc's threadwithcoreid, decided at the first multi-thread core

    def members(c: int) -> CPUSet | None:
        nonlocal split
        mask = files.core_mask(c)
        if mask is None or split is False:
            return mask
        threads = [t for t in mask if t in out.core_id]
        if split is None and len(threads) > 1:
            other = next(t for t in threads if t != c)
            split = out.core_id[c] != out.core_id[other] and amd_with_compute_units(root)
        return CPUSet([c]) if split else mask

    for i, group in enumerate(_partition(online, members, out.core)):
        for c in group:
            out.core[c] = i
    missing = [c for c in online if out.core_id[c] is None]
    if missing:
        out.notes.append(f"CPUs {CPUSet(missing)} have no topology/core_id; each is shown as its own core")


def _packages(files: _Files, online: list[int], out: CpusRead) -> None:
    """Packages from the package masks, with `physical_package_id` read once per package.

    The kernel builds the mask from the package id, so the CPUs of one mask share it (-1 on the
    POWER and s390 kernels that leave it unknown, where only the masks tell packages apart).
    Without mask files: CPUs of one valid id, then `cluster_cpus`, then one package.
    """
    if files.package_masks:
        groups = _partition(online, files.package_mask, {})
        for group in groups:
            pid = files.id(min(group), "physical_package_id")
            for c in group:
                out.package_id[c] = pid
    else:
        for c in online:
            out.package_id[c] = files.id(c, "physical_package_id")
        by_id: dict[int, list[int]] = {}
        unknown: list[int] = []
        for c in online:
            pid = out.package_id[c]
            if pid is not None and pid >= 0:
                by_id.setdefault(pid, []).append(c)
            else:
                unknown.append(c)

        def members(c: int) -> CPUSet:
            mask = files.mask(c, "cluster_cpus") if files.cluster else None
            return mask if mask is not None else CPUSet(unknown)

        groups = [frozenset(v) for v in by_id.values()]
        groups += _partition(unknown, members, {})
    valid = {pid for pid in out.package_id.values() if pid is not None and pid >= 0}
    fresh = max(valid, default=-1) + 1
    used: set[int] = set()
    for group in sorted(groups, key=min):
        pid = out.package_id[min(group)]
        if pid is None or pid < 0 or pid in used:
            pid, fresh = fresh, fresh + 1
        used.add(pid)
        for c in group:
            out.package[c] = pid


def _dies_and_clusters(files: _Files, online: list[int], out: CpusRead) -> None:
    if files.die:
        for c in online:
            if c in out.die:
                continue
            d = files.id(c, "die_id")
            out.die[c] = d if d is not None and d >= 0 else 0
            # The kubelet ignores dies, so one read per die (die_cpus) is enough.
            for m in files.mask(c, "die_cpus") or ():
                if m in out.core_id:
                    out.die.setdefault(m, out.die[c])
    if files.cluster:
        assign: dict[int, int] = {}
        groups = _partition(online, lambda c: files.mask(c, "cluster_cpus"), assign)
        multi = [g for g in groups if len(g) > 1]
        for i, group in enumerate(multi):
            for c in group:
                out.cluster[c] = i


def read_cpus(root: str, cpu_root: str, online: list[int]) -> CpusRead:
    out = CpusRead()
    if not online:
        return out
    files = _Files(cpu_root, online[0])
    core_id = out.core_id
    for c in online:
        t = f"{cpu_root}/cpu{c}/topology"
        core_id[c] = read_int(f"{t}/core_id")
        if files.book:
            out.book[c] = read_int(f"{t}/book_id")
        if files.drawer:
            out.drawer[c] = read_int(f"{t}/drawer_id")
    _cores(root, files, online, out)
    _packages(files, online, out)
    _dies_and_clusters(files, online, out)
    return out
