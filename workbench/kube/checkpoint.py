"""The kubelet's checkpoint files -> `NodeState` (the node's live allocations). Read-only.

Formats (see the project notes, kubelet-addenda §1-§3):
- `cpu_manager_state`: V1 (`entries` container ID -> cpuset), V2 (`entries` pod UID -> container
  -> cpuset), V3 (V2 + `podEntries` pod UID -> {cpuSet}), V4 (V3 inline + `data`, the JSON text
  of the state, and `dataChecksum` = FNV-1a-32 of `"(string)" + data`).
- `memory_manager_state`: V1 (`machineState`, `entries`), V2 (+ `podEntries` pod UID ->
  {memoryBlocks}), V3 (+ `data`/`dataChecksum` as CPU V4).
- `device-plugins/kubelet_internal_checkpoint`: `Data.PodDeviceEntries` and
  `Data.RegisteredDevices` (Go field names).

The legacy `checksum` fields hash a Go `spew` dump and are not verified; `dataChecksum` is.
The state is checked the way the kubelet checks it at start (`validateState`) and every finding
goes to `NodeState.problems` instead of raising: a captured node with a damaged checkpoint is
exactly what an operator needs to look at.

A captured-node directory (`--kubelet-dir DIR`) holds:
  config.yaml                                    the KubeletConfiguration (required)
  cpu_manager_state, memory_manager_state        the checkpoints (optional: absent = fresh node)
  device-plugins/kubelet_internal_checkpoint     optional
  topology.yaml                                  optional topology spec of the machine (used by
                                                 `workbench node` when no topology is given)
  pods.yaml                                      optional names for the pod UIDs, either
                                                 `<uid>: <namespace>/<name>` or
                                                 `<uid>: {name: ..., namespace: ...,
                                                 requests: {cpu: "2", memory: 4Gi}}` (the
                                                 pod's requests, for the resource-fit check;
                                                 the checkpoints do not record them)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from workbench.errors import InputError
from workbench.kube.config import load_kubelet_config
from workbench.kube.model import (
    DeviceAllocation,
    MemoryBlock,
    MemoryTable,
    NodeConfig,
    NodeState,
    NumaMemoryState,
    PodInfo,
)
from workbench.kube.pod import parse_resource_list
from workbench.kube.yamlio import decode, load_one
from workbench.topology.cpuset import CPUSet, CPUSetError
from workbench.topology.model import Topology

CPU_STATE = "cpu_manager_state"
MEMORY_STATE = "memory_manager_state"
DEVICE_STATE = "device-plugins/kubelet_internal_checkpoint"
CONFIG = "config.yaml"
PODS = "pods.yaml"
MAX_CHECKPOINT_BYTES = 64 * 1024 * 1024

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193


def fnv1a32(data: bytes) -> int:
    h = _FNV_OFFSET
    for b in data:
        h ^= b
        h = (h * _FNV_PRIME) & 0xFFFFFFFF
    return h


def data_checksum(data: str) -> int:
    """`dataChecksum` of a V4 (CPU) / V3 (memory) checkpoint: go-spew prints a string as `(string)` + text."""
    return fnv1a32(("(string)" + data).encode("utf-8"))


class _Problems:
    def __init__(self, label: str) -> None:
        self.label = label
        self.items: list[str] = []

    def add(self, message: str) -> None:
        self.items.append(f"{self.label}: {message}")


def _read_json(path: Path, out: _Problems) -> Any:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_CHECKPOINT_BYTES + 1)
    except OSError as exc:
        out.add(f"cannot read: {exc.strerror or exc}")
        return None
    if len(raw) > MAX_CHECKPOINT_BYTES:
        out.add("checkpoint is larger than 64 MiB; not read")
        return None
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        out.add(f"checkpoint is corrupted (not JSON: {exc})")
        return None


def _cpuset(text: Any, what: str, out: _Problems) -> CPUSet | None:
    if not isinstance(text, str):
        out.add(f"{what}: expected a CPU list string, got {text!r}")
        return None
    try:
        return CPUSet.parse(text)
    except CPUSetError as exc:
        out.add(f"{what}: {exc}")
        return None


def _mapping(value: Any, what: str, out: _Problems) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        out.add(f"{what}: expected an object, got {type(value).__name__}")
        return {}
    return value


def _uint(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _open_data(doc: Mapping[str, Any], out: _Problems) -> Mapping[str, Any] | None:
    """The `data` payload of a dual-checksum checkpoint, checksum verified."""
    data = doc.get("data")
    want = doc.get("dataChecksum")
    if not isinstance(data, str):
        out.add("checkpoint is corrupted: `data` is not a string")
        return None
    got = data_checksum(data)
    if _uint(want) != got:
        out.add(
            f"checkpoint is corrupted: dataChecksum {want!r} does not match the data ({got}); "
            "the kubelet would refuse to start (drain the node and delete the file)"
        )
    try:
        payload = json.loads(data)
    except (ValueError, RecursionError) as exc:
        out.add(f"checkpoint is corrupted: `data` is not JSON ({exc})")
        return None
    if not isinstance(payload, Mapping):
        out.add("checkpoint is corrupted: `data` is not an object")
        return None
    return payload


# ---- CPU manager -----------------------------------------------------------------------
@dataclass(frozen=True)
class CPUCheckpoint:
    version: str
    policy: str
    default_cpuset: CPUSet
    assignments: Mapping[str, Mapping[str, CPUSet]]
    pod_cpusets: Mapping[str, CPUSet]
    # V1 entries are keyed by container ID: no pod UID is known for them.
    container_ids: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


def parse_cpu_checkpoint(doc: Any, label: str = CPU_STATE) -> CPUCheckpoint:
    out = _Problems(label)
    if not isinstance(doc, Mapping):
        out.add("checkpoint is corrupted: not a JSON object")
        return CPUCheckpoint("?", "", CPUSet(), {}, {}, problems=tuple(out.items))
    body: Mapping[str, Any] = doc
    if "data" in doc or "dataChecksum" in doc:
        version = "V4"
        payload = _open_data(doc, out)
        body = payload if payload is not None else doc
    elif "podEntries" in doc:
        version = "V3"
    else:
        entries = doc.get("entries")
        flat = isinstance(entries, Mapping) and any(isinstance(v, str) for v in entries.values())
        version = "V1" if flat else "V2"
    policy = body.get("policyName")
    if not isinstance(policy, str):
        out.add("checkpoint is corrupted: policyName missing")
        policy = ""
    default = _cpuset(body.get("defaultCpuSet", ""), "defaultCpuSet", out) or CPUSet()
    assignments: dict[str, dict[str, CPUSet]] = {}
    container_ids: list[str] = []
    for key, value in _mapping(body.get("entries"), "entries", out).items():
        if version == "V1" and isinstance(value, str):
            cs = _cpuset(value, f"entries[{key}]", out)
            if cs is not None:
                assignments[str(key)] = {str(key): cs}
                container_ids.append(str(key))
            continue
        containers = _mapping(value, f"entries[{key}]", out)
        per: dict[str, CPUSet] = {}
        for name, text in containers.items():
            cs = _cpuset(text, f"entries[{key}][{name}]", out)
            if cs is not None:
                per[str(name)] = cs
        assignments[str(key)] = per
    pods: dict[str, CPUSet] = {}
    for uid, entry in _mapping(body.get("podEntries"), "podEntries", out).items():
        entry_map = _mapping(entry, f"podEntries[{uid}]", out)
        cs = _cpuset(entry_map.get("cpuSet", ""), f"podEntries[{uid}].cpuSet", out)
        if cs is not None:
            pods[str(uid)] = cs
    return CPUCheckpoint(
        version,
        policy,
        default,
        MappingProxyType({k: MappingProxyType(v) for k, v in assignments.items()}),
        MappingProxyType(pods),
        tuple(container_ids),
        tuple(out.items),
    )


# ---- memory manager --------------------------------------------------------------------
@dataclass(frozen=True)
class MemoryCheckpoint:
    version: str
    policy: str
    machine: Mapping[int, NumaMemoryState] | None
    assignments: Mapping[str, Mapping[str, tuple[MemoryBlock, ...]]]
    pod_blocks: Mapping[str, tuple[MemoryBlock, ...]]
    problems: tuple[str, ...] = ()


def _blocks(raw: Any, what: str, out: _Problems) -> tuple[MemoryBlock, ...]:
    if not isinstance(raw, list):
        out.add(f"{what}: expected a list of memory blocks")
        return ()
    blocks: list[MemoryBlock] = []
    for i, b in enumerate(raw):
        if not isinstance(b, Mapping):
            out.add(f"{what}[{i}]: expected an object")
            continue
        affinity = b.get("numaAffinity")
        size = _uint(b.get("size"))
        kind = b.get("type")
        if (
            not isinstance(affinity, list)
            or not all(_uint(n) is not None for n in affinity)
            or size is None
            or not isinstance(kind, str)
        ):
            out.add(f"{what}[{i}]: expected numaAffinity (ids), type and size")
            continue
        blocks.append(MemoryBlock(tuple(affinity), kind, size))
    return tuple(blocks)


def _machine_state(raw: Any, out: _Problems) -> dict[int, NumaMemoryState]:
    machine: dict[int, NumaMemoryState] = {}
    for key, node in _mapping(raw, "machineState", out).items():
        try:
            numa = int(key)
        except ValueError:
            out.add(f"machineState: NUMA id {key!r} is not a number")
            continue
        node_map = _mapping(node, f"machineState[{key}]", out)
        tables: dict[str, MemoryTable] = {}
        for res, table in _mapping(node_map.get("memoryMap"), f"machineState[{key}].memoryMap", out).items():
            t = _mapping(table, f"machineState[{key}].memoryMap[{res}]", out)
            values = [_uint(t.get(f)) for f in ("total", "systemReserved", "allocatable", "reserved", "free")]
            if any(v is None for v in values):
                out.add(
                    f"machineState[{key}].memoryMap[{res}]: expected total, systemReserved, "
                    "allocatable, reserved and free (bytes)"
                )
                continue
            tables[str(res)] = MemoryTable(*(v for v in values if v is not None))
        cells_raw = node_map.get("cells", [numa])
        cells = (
            tuple(c for c in cells_raw if _uint(c) is not None) if isinstance(cells_raw, list) else (numa,)
        )
        count = _uint(node_map.get("numberOfAssignments", 0)) or 0
        machine[numa] = NumaMemoryState(count, MappingProxyType(tables), cells)
    return machine


def parse_memory_checkpoint(doc: Any, label: str = MEMORY_STATE) -> MemoryCheckpoint:
    out = _Problems(label)
    if not isinstance(doc, Mapping):
        out.add("checkpoint is corrupted: not a JSON object")
        return MemoryCheckpoint("?", "", None, {}, {}, tuple(out.items))
    body: Mapping[str, Any] = doc
    if "data" in doc or "dataChecksum" in doc:
        version = "V3"
        payload = _open_data(doc, out)
        body = payload if payload is not None else doc
    elif "podEntries" in doc:
        version = "V2"
    else:
        version = "V1"
    policy = body.get("policyName")
    if not isinstance(policy, str):
        out.add("checkpoint is corrupted: policyName missing")
        policy = ""
    machine = _machine_state(body.get("machineState"), out)
    assignments: dict[str, Mapping[str, tuple[MemoryBlock, ...]]] = {}
    for uid, containers in _mapping(body.get("entries"), "entries", out).items():
        per = {
            str(name): _blocks(raw, f"entries[{uid}][{name}]", out)
            for name, raw in _mapping(containers, f"entries[{uid}]", out).items()
        }
        assignments[str(uid)] = MappingProxyType(per)
    pods: dict[str, tuple[MemoryBlock, ...]] = {}
    for uid, entry in _mapping(body.get("podEntries"), "podEntries", out).items():
        entry_map = _mapping(entry, f"podEntries[{uid}]", out)
        pods[str(uid)] = _blocks(entry_map.get("memoryBlocks", []), f"podEntries[{uid}].memoryBlocks", out)
    return MemoryCheckpoint(
        version,
        policy,
        MappingProxyType(machine) if machine else None,
        MappingProxyType(assignments),
        MappingProxyType(pods),
        tuple(out.items),
    )


# ---- device manager --------------------------------------------------------------------
@dataclass(frozen=True)
class DeviceCheckpoint:
    allocations: tuple[DeviceAllocation, ...]
    registered: Mapping[str, tuple[str, ...]]
    problems: tuple[str, ...] = field(default_factory=tuple)


def parse_device_checkpoint(doc: Any, label: str = DEVICE_STATE) -> DeviceCheckpoint:
    out = _Problems(label)
    if not isinstance(doc, Mapping):
        out.add("checkpoint is corrupted: not a JSON object")
        return DeviceCheckpoint((), {}, tuple(out.items))
    data = _mapping(doc.get("Data"), "Data", out)
    entries = data.get("PodDeviceEntries") or []
    if not isinstance(entries, list):
        out.add("Data.PodDeviceEntries: expected a list")
        entries = []
    allocations: list[DeviceAllocation] = []
    for i, e in enumerate(entries):
        if not isinstance(e, Mapping):
            out.add(f"PodDeviceEntries[{i}]: expected an object")
            continue
        uid, name, res = e.get("PodUID"), e.get("ContainerName"), e.get("ResourceName")
        if not all(isinstance(v, str) for v in (uid, name, res)):
            out.add(f"PodDeviceEntries[{i}]: expected PodUID, ContainerName and ResourceName")
            continue
        ids = e.get("DeviceIDs")
        per_numa: dict[int, tuple[str, ...]] = {}
        if isinstance(ids, list):  # pre-topology checkpoints: a flat list
            per_numa[-1] = tuple(str(d) for d in ids)
        elif isinstance(ids, Mapping):
            for key, devs in ids.items():
                try:
                    numa = int(key)
                except ValueError:
                    out.add(f"PodDeviceEntries[{i}].DeviceIDs: NUMA id {key!r} is not a number")
                    continue
                if isinstance(devs, list):
                    per_numa[numa] = tuple(str(d) for d in devs)
        else:
            out.add(f"PodDeviceEntries[{i}].DeviceIDs: expected NUMA id -> device ids")
        allocations.append(DeviceAllocation(str(uid), str(name), str(res), MappingProxyType(per_numa)))
    registered: dict[str, tuple[str, ...]] = {}
    for res, devs in _mapping(data.get("RegisteredDevices"), "Data.RegisteredDevices", out).items():
        if isinstance(devs, list):
            registered[str(res)] = tuple(sorted(str(d) for d in devs))
    return DeviceCheckpoint(tuple(allocations), MappingProxyType(registered), tuple(out.items))


# ---- pod names -------------------------------------------------------------------------
def parse_pod_names(doc: Any, label: str = PODS) -> dict[str, PodInfo]:
    if doc is None:
        return {}
    if not isinstance(doc, Mapping):
        raise InputError("expected a mapping of pod UID to namespace/name", source=label)
    out: dict[str, PodInfo] = {}
    for uid, value in doc.items():
        if isinstance(value, str):
            ns, _, name = value.rpartition("/")
            out[str(uid)] = PodInfo(str(uid), name, ns)
        elif isinstance(value, Mapping):
            name, ns = value.get("name", ""), value.get("namespace", "")
            requests = None
            if value.get("requests") is not None:
                requests = MappingProxyType(
                    parse_resource_list(value["requests"], source=label, field=f"{uid}.requests")
                )
            out[str(uid)] = PodInfo(str(uid), str(name), str(ns), requests)
        else:
            raise InputError("expected namespace/name or {name, namespace}", source=label, field=str(uid))
    return out


# ---- the whole node --------------------------------------------------------------------
@dataclass(frozen=True)
class KubeletDir:
    """What was read from a captured node, with the checkpoint versions found."""

    config: NodeConfig
    state: NodeState
    cpu_version: str = ""
    memory_version: str = ""
    files: tuple[str, ...] = ()


def _load_json(path: Path, label: str, problems: list[str]) -> Any:
    out = _Problems(label)
    doc = _read_json(path, out)
    problems.extend(out.items)
    return doc


def read_kubelet_dir(directory: Path, topology: Topology | None = None) -> KubeletDir:
    if not directory.is_dir():
        raise InputError("not a directory", source=str(directory), fix="give a captured /var/lib/kubelet")
    config_path = directory / CONFIG
    if not config_path.is_file():
        raise InputError(
            f"no {CONFIG} here", source=str(directory), fix="copy /var/lib/kubelet/config.yaml into it"
        )
    config = load_kubelet_config(config_path, topology)
    problems: list[str] = []
    files = [CONFIG]
    kwargs: dict[str, Any] = {}
    cpu_version = memory_version = ""

    cpu_path = directory / CPU_STATE
    if cpu_path.is_file():
        files.append(CPU_STATE)
        doc = _load_json(cpu_path, CPU_STATE, problems)
        if doc is not None:
            cp = parse_cpu_checkpoint(doc)
            cpu_version = cp.version
            problems.extend(cp.problems)
            assigned = bool(cp.assignments or cp.pod_cpusets)
            kwargs.update(
                cpu_policy=cp.policy,
                default_cpuset=cp.default_cpuset if (cp.default_cpuset or assigned) else None,
                cpu_assignments=cp.assignments,
                pod_cpusets=cp.pod_cpusets,
            )
    mem_path = directory / MEMORY_STATE
    if mem_path.is_file():
        files.append(MEMORY_STATE)
        doc = _load_json(mem_path, MEMORY_STATE, problems)
        if doc is not None:
            mc = parse_memory_checkpoint(doc)
            memory_version = mc.version
            problems.extend(mc.problems)
            kwargs.update(
                memory_policy=mc.policy,
                memory=mc.machine,
                memory_assignments=mc.assignments,
                pod_memory=mc.pod_blocks,
            )
    dev_path = directory / DEVICE_STATE
    if dev_path.is_file():
        files.append(DEVICE_STATE)
        doc = _load_json(dev_path, DEVICE_STATE, problems)
        if doc is not None:
            dc = parse_device_checkpoint(doc)
            problems.extend(dc.problems)
            kwargs.update(devices=dc.allocations, registered_devices=dc.registered)
    pods_path = directory / PODS
    pods: dict[str, PodInfo] = {}
    if pods_path.is_file():
        files.append(PODS)
        try:
            raw = pods_path.read_bytes()
        except OSError as exc:
            raise InputError(f"cannot read: {exc.strerror or exc}", source=str(pods_path)) from None
        pods = parse_pod_names(load_one(decode(raw, str(pods_path)), str(pods_path)), str(pods_path))
    for cid in kwargs.get("cpu_assignments", {}):
        if cid not in pods and "default_cpuset" in kwargs and cpu_version == "V1":
            pods[cid] = PodInfo(cid, f"container {cid[:12]}", "")
    state = NodeState(
        **kwargs,
        pods=MappingProxyType(pods),
        problems=tuple(problems),
        source=str(directory),
    )
    return KubeletDir(config, state, cpu_version, memory_version, tuple(files))


def load_kubelet_dir(directory: Path, topology: Topology | None = None) -> tuple[NodeConfig, NodeState]:
    """Config and live allocations of a captured node (`--kubelet-dir`)."""
    kd = read_kubelet_dir(Path(directory), topology)
    return kd.config, kd.state
