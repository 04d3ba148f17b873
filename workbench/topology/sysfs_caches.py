"""L3 cache groups from `cpuN/cache/index*/`, and whether cadvisor can read the caches at all."""

from __future__ import annotations

from workbench.topology.sysfs_files import (
    listing,
    numbered,
    read_int,
    read_list_or_mask,
    read_mask,
    read_text,
)

# What cadvisor's `GetCacheInfo` (lib/utils/sysfs/sysfs.go) reads from every cache index; a
# missing file is an error, and `addCacheInfo` then gives no core any cache. It skips `id` on s390x.
CADVISOR_CACHE_FILES = ("id", "size", "level", "type", "shared_cpu_map")


class CacheFinder:
    """Finds each CPU's L3 group, reading one CPU per group (siblings share the answer)."""

    def __init__(self, cpu_root: str, online: frozenset[int]) -> None:
        self.cpu_root = cpu_root
        self.online = online
        self.of_cpu: dict[int, int] = {}  # cpu -> group index
        self.groups: list[tuple[int | None, frozenset[int]]] = []
        self.files: set[str] | None = None  # what an L3 directory holds, probed on the first one

    def _l3_dir(self, cpu: int) -> str | None:
        base = f"{self.cpu_root}/cpu{cpu}/cache"
        # index3 is the L3 on nearly every machine; check its level before listing the directory.
        if read_text(f"{base}/index3/level") == "3":
            return f"{base}/index3"
        for idx in numbered(base, "index"):
            if idx != 3 and read_text(f"{base}/index{idx}/level") == "3":
                return f"{base}/index{idx}"
        return None

    def visit(self, cpu: int) -> None:
        if cpu in self.of_cpu:
            return
        d = self._l3_dir(cpu)
        if d is None:
            return
        if self.files is None:
            self.files = listing(d)
        if "shared_cpu_list" in self.files:
            shared = read_list_or_mask(d, "shared_cpu_list", "shared_cpu_map")
        else:
            shared = read_mask(f"{d}/shared_cpu_map")
        members = set(shared.as_frozenset() if shared is not None else ()) & self.online
        members.add(cpu)
        members -= self.of_cpu.keys()
        cache_id = read_int(f"{d}/id") if "id" in self.files else None
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


def cadvisor_reads_caches(cpu_root: str, cpu: int, *, s390: bool) -> bool:
    """Whether `GetCacheInfo` succeeds for every cache index of `cpu` (the first with an L3).

    A kernel either has the files for all CPUs or for none, so one CPU answers for the machine.
    With no cache directory there is nothing cadvisor fails to read.
    """
    base = f"{cpu_root}/cpu{cpu}/cache"
    needed = [f for f in CADVISOR_CACHE_FILES if not (s390 and f == "id")]
    for idx in numbered(base, "index"):
        present = listing(f"{base}/index{idx}")
        if not all(f in present for f in needed):
            return False
    return True
