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
from workbench.inputs import MAX_INPUT_BYTES, load_json, read_bytes, scrub
from workbench.kube.config import load_kubelet_config
from workbench.kube.model import (
    MEMORY,
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
from workbench.quantity import parse_bytes
from workbench.topology.cpuset import NR_CPUS, CPUSet, CPUSetError
from workbench.topology.model import NumaNode, Topology

CPU_STATE = "cpu_manager_state"
MEMORY_STATE = "memory_manager_state"
DEVICE_STATE = "device-plugins/kubelet_internal_checkpoint"
CONFIG = "config.yaml"
PODS = "pods.yaml"
MAX_CHECKPOINT_BYTES = MAX_INPUT_BYTES

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
        raw, label = read_bytes(path, limit=MAX_CHECKPOINT_BYTES, what="checkpoint file")
    except InputError as exc:
        out.add(exc.problem if exc.problem.startswith("cannot") else f"checkpoint is {exc.problem}; not read")
        return None
    try:
        return load_json(decode(raw, label), label)
    except InputError as exc:
        out.add(f"checkpoint is corrupted (not JSON: {exc.problem})")
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
        payload = scrub(json.loads(data))
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


def check_cpu_state(cp: CPUCheckpoint, config: NodeConfig, topology: Topology | None) -> list[str]:
    """The static policy's `validateState` (and the policy-name check done on restore)."""
    out = _Problems(CPU_STATE)
    if cp.policy and cp.policy != config.cpu_manager_policy:
        out.add(
            f"configured policy {config.cpu_manager_policy!r} differs from state checkpoint policy "
            f"{cp.policy!r} (the kubelet refuses to start: drain the node and delete the file)"
        )
        return out.items
    if config.cpu_manager_policy != "static":
        return out.items
    # Labels as the kubelet's messages name them ("pod: <uid>, container: <name>").
    sets = [
        (f"pod: {uid}, container: {name}", cs)
        for uid, per in cp.assignments.items()
        for name, cs in per.items()
    ]
    sets += [(f"pod: {uid} (pod-level set)", cs) for uid, cs in cp.pod_cpusets.items()]
    default = cp.default_cpuset
    if not default:
        if sets:
            out.add("default cpuset cannot be empty (while CPUs are assigned)")
        return out.items
    strict = config.option("strict-cpu-reservation")
    reserved = config.reserved_system_cpus
    if reserved:
        out.items.extend(check_reserved(default, reserved, strict=strict))
    for what, cs in sets:
        overlap = default.intersection(cs)
        if overlap:
            out.add(f'{what} cpuset: "{cs}" overlaps with default cpuset "{default}" (CPUs {overlap})')
    if topology is not None:
        all_cpus = topology.all_cpus
        if strict and reserved:
            all_cpus = all_cpus.difference(reserved)
        known = default.union(*(cs for _, cs in sets))
        if known != all_cpus:
            missing = all_cpus.difference(known)
            extra = known.difference(all_cpus)
            detail = "; ".join(
                p
                for p in (
                    f"missing from both: {missing}" if missing else "",
                    f"not on this machine: {extra}" if extra else "",
                )
                if p
            )
            out.add(
                f'current set of available CPUs "{all_cpus}" doesn\'t match with CPUs in state '
                f'"{known}" ({detail})'
            )
    return out.items


def check_reserved(default: CPUSet, reserved: CPUSet, *, strict: bool) -> list[str]:
    """validateState step 1: reserved CPUs in the default set (none of them, if strict).

    Callers that know the reserved set the kubelet would pick (no `reservedSystemCPUs`: the
    static policy's own picker, in the admission layer) can run this check themselves.
    """
    out = _Problems(CPU_STATE)
    if not default or not reserved:
        return out.items
    if strict and reserved.intersection(default):
        out.add(
            f'some of strictly reserved cpus: "{reserved.intersection(default)}" are present in '
            f'defaultCpuSet: "{default}"'
        )
    elif not strict and reserved.intersection(default) != reserved:
        out.add(f'not all reserved cpus: "{reserved}" are present in defaultCpuSet: "{default}"')
    return out.items


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
        numa = int(key) if isinstance(key, str) and key.isascii() and key.isdigit() and len(key) < 5 else -1
        if not 0 <= numa < NR_CPUS:
            out.add(f"machineState: NUMA id {key!r} is not a node id")
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


def check_memory_state(mc: MemoryCheckpoint, config: NodeConfig, topology: Topology | None) -> list[str]:
    """Consistency checks in the spirit of the Static policy's `validateState`."""
    out = _Problems(MEMORY_STATE)
    if mc.policy and mc.policy != config.memory_manager_policy:
        out.add(
            f"[memorymanager] configured policy {config.memory_manager_policy!r} differs from state "
            f"checkpoint policy {mc.policy!r}"
        )
        return out.items
    if config.memory_manager_policy != "Static" or mc.machine is None:
        return out.items
    reserved_cfg = {r.numa_node: r.limits for r in config.reserved_memory}
    if topology is not None and set(mc.machine) != set(topology.numa_ids):
        out.add(
            f"[memorymanager] the expected machine state is different from the real one: NUMA nodes "
            f"{sorted(mc.machine)} in the checkpoint, {list(topology.numa_ids)} on this machine"
        )
    charged: dict[str, int] = {}
    for numa, node in sorted(mc.machine.items()):
        hugepages = sum(t.total for res, t in node.memory_map.items() if res.startswith("hugepages-"))
        topo_node = topology.node_by_id.get(numa) if topology is not None else None
        for res, t in node.memory_map.items():
            where = f"NUMA node {numa} {res}"
            # Regular memory's allocatable also excludes the node's hugepages (getDefaultMachineState).
            others = hugepages if res == MEMORY else 0
            if t.allocatable != t.total - t.system_reserved - others:
                out.add(
                    f"{where}: allocatable {t.allocatable} != total {t.total} - systemReserved "
                    f"{t.system_reserved}" + (f" - hugepages {others}" if others else "")
                )
            if t.free != t.allocatable - t.reserved:
                out.add(f"{where}: free {t.free} != allocatable {t.allocatable} - reserved {t.reserved}")
            want_sys = reserved_cfg.get(numa, {}).get(res, 0)
            if t.system_reserved != want_sys:
                out.add(
                    f"{where}: systemReserved {t.system_reserved} differs from reservedMemory in the "
                    f"kubelet config ({want_sys}); the kubelet would refuse to start"
                )
            if topo_node is not None:
                real = _real_total(topo_node, res)
                if real is not None and real != t.total:
                    out.add(
                        f"[memorymanager] the expected machine state is different from the real one: "
                        f"{where} total {t.total} in the checkpoint, {real} on this machine"
                    )
            charged[res] = charged.get(res, 0) + t.reserved
    assigned: dict[str, int] = {}
    for uid, per in mc.assignments.items():
        if uid in mc.pod_blocks:
            continue  # a pod-level pod is charged by its pod blocks
        for blocks in per.values():
            for b in blocks:
                assigned[b.type] = assigned.get(b.type, 0) + b.size
    for blocks in mc.pod_blocks.values():
        for b in blocks:
            assigned[b.type] = assigned.get(b.type, 0) + b.size
    for res in sorted(set(charged) | set(assigned)):
        if charged.get(res, 0) != assigned.get(res, 0):
            out.add(
                f"{res}: {charged.get(res, 0)} bytes reserved in the machine state but "
                f"{assigned.get(res, 0)} bytes in assigned blocks"
            )
    return out.items


def _real_total(node: NumaNode, res: str) -> int | None:
    """Bytes of `res` on a NUMA node according to the topology (None: the topology does not say)."""
    if res == MEMORY:
        return node.memory_bytes or None
    if res.startswith("hugepages-"):
        try:
            size = parse_bytes(res[len("hugepages-") :])
        except ValueError:
            return None
        return node.hugepages.get(size, 0) * size
    return None


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
            problems.extend(check_cpu_state(cp, config, topology))
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
            problems.extend(check_memory_state(mc, config, topology))
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
        raw, _ = read_bytes(pods_path)
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
