"""NUMA nodes from `sys/devices/system/node/node*/`: CPUs, memory, hugepages and distances."""

from __future__ import annotations

from types import MappingProxyType

from workbench.errors import InputError
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import NumaNode
from workbench.topology.sysfs_files import (
    entries,
    is_dir,
    numbered,
    read_int,
    read_list,
    read_list_or_mask,
    read_text,
)


class NodesRead:
    def __init__(self, nodes: tuple[NumaNode, ...], numa_of: dict[int, int], directory: bool) -> None:
        self.nodes = nodes
        self.numa_of = numa_of  # online CPU -> its node; CPUs in no node are absent
        self.directory = directory  # sysfs has node directories (else cadvisor's getCPUTopology)
        self.notes: list[str] = []


def meminfo_total(path: str) -> int:
    text = read_text(path)
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
    names = entries(base)
    if names is None:
        return {}
    out: dict[int, int] = {}
    for name in names:
        if not (name.startswith("hugepages-") and name.endswith("kB")):
            continue
        try:
            size_kb = int(name[len("hugepages-") : -2])
        except ValueError:
            continue
        count = read_int(f"{base}/{name}/nr_hugepages")
        out[size_kb * 1024] = count or 0
    return dict(sorted(out.items()))


def _distance_columns(node_root: str, node_ids: list[int], width: int) -> list[int] | None:
    """Node ids the entries of a `distance` row refer to (the kernel prints one per online node)."""
    for name in ("online", "possible"):
        listed = read_list(f"{node_root}/{name}")
        if listed is not None and len(listed) == width:
            return list(listed.sorted())
    if len(node_ids) == width:
        return node_ids
    return None


def _distance_row(node_dir: str) -> list[int] | None:
    text = read_text(f"{node_dir}/distance")
    if not text:
        return None
    try:
        return [int(x) for x in text.split()]
    except ValueError:
        raise InputError(f"bad distance row {text!r}", source=f"{node_dir}/distance") from None


def read_nodes(root: str, online: list[int]) -> NodesRead:
    """The machine's NUMA nodes, as hwloc reads them: online CPUs only, the first node listing wins."""
    node_root = f"{root}/sys/devices/system/node"
    node_ids = numbered(node_root, "node") if is_dir(node_root) else []
    if not node_ids:
        # hwloc then makes one node, 0, with every CPU and the machine's memory.
        node = NumaNode(id=0, cpus=CPUSet(online), memory_bytes=meminfo_total(f"{root}/proc/meminfo"))
        return NodesRead((node,), {c: 0 for c in online}, directory=False)
    online_set = frozenset(online)
    numa_of: dict[int, int] = {}
    stray: list[int] = []
    raw: list[tuple[int, list[int], int, dict[int, int], list[int] | None]] = []
    for n in node_ids:
        nd = f"{node_root}/node{n}"
        mine = []
        for c in read_list_or_mask(nd, "cpulist", "cpumap") or ():
            if c in online_set:
                if c in numa_of:
                    stray.append(c)
                    continue
                numa_of[c] = n
                mine.append(c)
        raw.append((n, mine, meminfo_total(f"{nd}/meminfo"), _hugepages(nd), _distance_row(nd)))
    out = NodesRead((), numa_of, directory=True)
    if stray:
        out.notes.append(f"CPUs {CPUSet(stray)} are listed by more than one NUMA node; the first one is used")
    known = set(node_ids)
    nodes: list[NumaNode] = []
    dropped = []
    columns: dict[int, list[int] | None] = {}
    for n, mine, mem, huge, row in raw:
        dist: dict[int, int] = {}
        if row is not None:
            if len(row) not in columns:
                columns[len(row)] = _distance_columns(node_root, node_ids, len(row))
            cols = columns[len(row)]
            if cols is None:
                dropped.append(n)
            else:
                dist = {col: v for col, v in zip(cols, row, strict=True) if col in known}
        nodes.append(NumaNode(n, CPUSet(mine), mem, MappingProxyType(huge), MappingProxyType(dist)))
    if dropped:
        out.notes.append(f"distance rows of nodes {CPUSet(dropped)} do not match the node list; ignored")
    nodeless = [c for c in online if c not in numa_of]
    if nodeless:
        out.notes.append(f"online CPUs {CPUSet(nodeless)} belong to no NUMA node in sysfs")
    out.nodes = tuple(nodes)
    return out
