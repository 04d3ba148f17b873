"""`memory_manager_state` -> the memory manager's per-NUMA tables and memory blocks.

Formats (kubernetes `pkg/kubelet/cm/memorymanager/state/checkpoint.go`, `state.go`): V1
`policyName`, `machineState`, `entries`; V2 (1.36, PodLevelResourceManagers) V1 + `podEntries`
pod UID -> {memoryBlocks}; V3 (1.37) the V1 fields inline plus `data` and `dataChecksum`.
Which version a file is, and whether its checksum holds, is
`checkpoint_checksums.memory_checksum`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from workbench.kube.checkpoint_json import Findings, checkpoint_body, go_field, mapping, uint
from workbench.kube.model import MemoryBlock, MemoryTable, NumaMemoryState
from workbench.record import Record, setfield
from workbench.topology.cpuset import NR_CPUS

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)

if TYPE_CHECKING:
    from typing import Any

    from workbench.kube.checkpoint_checksums import ChecksumCheck

MEMORY_STATE = "memory_manager_state"
_TABLE_FIELDS = ("total", "systemReserved", "allocatable", "reserved", "free")


class MemoryCheckpoint(Record):
    version: str
    policy: str
    machine: Mapping[int, NumaMemoryState] | None
    assignments: Mapping[str, Mapping[str, tuple[MemoryBlock, ...]]]
    pod_blocks: Mapping[str, tuple[MemoryBlock, ...]]
    problems: tuple[str, ...]
    checksum: ChecksumCheck | None

    __slots__ = _fields = (
        "version",
        "policy",
        "machine",
        "assignments",
        "pod_blocks",
        "problems",
        "checksum",
    )
    _uncompared = frozenset({"checksum"})

    def __init__(
        self,
        version: str,
        policy: str,
        machine: Mapping[int, NumaMemoryState] | None,
        assignments: Mapping[str, Mapping[str, tuple[MemoryBlock, ...]]],
        pod_blocks: Mapping[str, tuple[MemoryBlock, ...]],
        problems: tuple[str, ...] = (),
        checksum: ChecksumCheck | None = None,
    ) -> None:
        setfield(self, "version", version)
        setfield(self, "policy", policy)
        setfield(self, "machine", machine)
        setfield(self, "assignments", assignments)
        setfield(self, "pod_blocks", pod_blocks)
        setfield(self, "problems", problems)
        setfield(self, "checksum", checksum)


def _blocks(raw: Any, what: str, out: Findings) -> tuple[MemoryBlock, ...]:
    if not isinstance(raw, list):
        out.add(f"{what}: expected a list of memory blocks")
        return ()
    blocks: list[MemoryBlock] = []
    for i, b in enumerate(raw):
        if not isinstance(b, Mapping):
            out.add(f"{what}[{i}]: expected an object")
            continue
        affinity = go_field(b, "numaAffinity")
        size = uint(go_field(b, "size"))
        kind = go_field(b, "type")
        if (
            not isinstance(affinity, list)
            or not all(uint(n) is not None for n in affinity)
            or size is None
            or not isinstance(kind, str)
        ):
            out.add(f"{what}[{i}]: expected numaAffinity (ids), type and size")
            continue
        blocks.append(MemoryBlock(tuple(affinity), kind, size))
    return tuple(blocks)


def _tables(node_map: Mapping[str, Any], key: str, out: Findings) -> dict[str, MemoryTable]:
    tables: dict[str, MemoryTable] = {}
    where = f"machineState[{key}].memoryMap"
    for res, table in mapping(go_field(node_map, "memoryMap"), where, out).items():
        t = mapping(table, f"{where}[{res}]", out)
        values = [uint(go_field(t, f)) for f in _TABLE_FIELDS]
        if any(v is None for v in values):
            out.add(f"{where}[{res}]: expected total, systemReserved, allocatable, reserved and free (bytes)")
            continue
        tables[str(res)] = MemoryTable(*(v for v in values if v is not None))
    return tables


def _machine_state(raw: Any, out: Findings) -> dict[int, NumaMemoryState]:
    machine: dict[int, NumaMemoryState] = {}
    for key, node in mapping(raw, "machineState", out).items():
        numa = int(key) if isinstance(key, str) and key.isascii() and key.isdigit() and len(key) < 5 else -1
        if not 0 <= numa < NR_CPUS:
            # "-1" would reach the hints as a negative shift; no kernel numbers a node that high.
            out.add(f"machineState: NUMA id {key!r} is not a node id")
            continue
        node_map = mapping(node, f"machineState[{key}]", out)
        cells_raw = go_field(node_map, "cells", [numa])
        cells = tuple(c for c in cells_raw if uint(c) is not None) if isinstance(cells_raw, list) else (numa,)
        count = uint(go_field(node_map, "numberOfAssignments", 0)) or 0
        machine[numa] = NumaMemoryState(count, MappingProxyType(_tables(node_map, key, out)), cells)
    return machine


def _pod_blocks(body: Mapping[str, Any], version: str, out: Findings) -> dict[str, tuple[MemoryBlock, ...]]:
    raw = go_field(body, "podEntries")
    if raw is not None and version == "V1":
        out.add(
            "podEntries ignored: the file passes only as V1, and the kubelet then restores"
            " container entries only"
        )
        return {}
    pods: dict[str, tuple[MemoryBlock, ...]] = {}
    for uid, entry in mapping(raw, "podEntries", out).items():
        entry_map = mapping(entry, f"podEntries[{uid}]", out)
        pods[str(uid)] = _blocks(
            go_field(entry_map, "memoryBlocks", []), f"podEntries[{uid}].memoryBlocks", out
        )
    return pods


def parse_memory_checkpoint(doc: Any, label: str = MEMORY_STATE) -> MemoryCheckpoint:
    out = Findings(label)
    if not isinstance(doc, Mapping):
        out.add("checkpoint is corrupted: not a JSON object")
        return MemoryCheckpoint("?", "", None, {}, {}, tuple(out.items))
    # Checksums (Go value printing, FNV) load only when a checkpoint is read.
    from workbench.kube.checkpoint_checksums import memory_checksum

    check = memory_checksum(doc)
    body, policy = checkpoint_body(doc, check.dual, out)
    machine = _machine_state(go_field(body, "machineState"), out)
    assignments: dict[str, Mapping[str, tuple[MemoryBlock, ...]]] = {}
    for uid, containers in mapping(go_field(body, "entries"), "entries", out).items():
        per = {
            str(name): _blocks(raw, f"entries[{uid}][{name}]", out)
            for name, raw in mapping(containers, f"entries[{uid}]", out).items()
        }
        assignments[str(uid)] = MappingProxyType(per)
    pods = _pod_blocks(body, check.version, out)
    return MemoryCheckpoint(
        check.version,
        policy,
        MappingProxyType(machine) if machine else None,
        MappingProxyType(assignments),
        MappingProxyType(pods),
        tuple(out.items),
        check,
    )
