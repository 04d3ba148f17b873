"""Each checkpoint version's `VerifyChecksum`, as the kubelet computes it.

Sources (kubernetes): `pkg/kubelet/cm/cpumanager/state/checkpoint.go` (V1, V2, V3; 1.37 adds V4
with `data`/`dataChecksum`), `pkg/kubelet/cm/memorymanager/state/checkpoint.go` (V1, V2; 1.37
adds V3 with `data`/`dataChecksum`), `pkg/kubelet/cm/devicemanager/checkpoint/checkpoint.go`
and `checkpointv1.go`, `pkg/kubelet/checkpointmanager/checksum/checksum.go`. The legacy
`checksum` is `checksum.New` of the Go struct with `checksum` zeroed (`kube.go_spew`); the type
name in the dump is the one the writing kubelet had, which is why a version accepts a few names:

| file | struct hashed | type names accepted | checksum 0 |
|---|---|---|---|
| cpu V1 (flat `entries`) | V1 | `CPUManagerCheckpoint` (V1 verify renames) | accepted |
| cpu V2 | V2 | `CPUManagerCheckpoint` (<= 1.35, renamed later), `CPUManagerCheckpointV2` (1.36) | accepted |
| cpu V3 (`podEntries`) | V3 | `CPUManagerCheckpoint` (1.36), `CPUManagerCheckpointV3` (1.37) | refused |
| cpu V4 / memory V3 | the `data` string | - (`dataChecksum`; legacy `checksum` ignored) | - |
| memory V1 | V1 | `MemoryManagerCheckpoint` | accepted |
| memory V2 (`podEntries`) | V2 | `MemoryManagerCheckpoint` (renamed), `MemoryManagerCheckpointV2` | refused |
| devices | `checkpointData` | `checkpointData`/`PodDevicesEntry` (V1 renamed) | refused |

A field of the wrong JSON type makes Go's decoder fail before any checksum is looked at: such a
file is `unverified` here and its structural problem is reported by the parser instead.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workbench.kube.checkpoint_json import go_field
from workbench.kube.go_spew import (
    GoInt,
    GoMap,
    GoPtr,
    GoSlice,
    GoStr,
    GoStruct,
    GoValue,
    checksum_new,
)
from workbench.topology.cpuset import CPUSet, CPUSetError


class _Undecodable(Exception):
    """Go's decoder would refuse the document: no checksum is computed."""


@dataclass(frozen=True)
class ChecksumCheck:
    version: str
    stored: int | None
    computed: int | None  # the first candidate (for the report)
    ok: bool
    dual: bool = False  # `data`/`dataChecksum` format
    unverified: bool = False


def _s(value: Any) -> GoStr:
    if value is None:
        return GoStr("string", "")
    if not isinstance(value, str):
        raise _Undecodable
    return GoStr("string", value)


def _u(value: Any, type_: str = "uint64") -> GoInt:
    if value is None:
        return GoInt(type_, 0)
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Undecodable
    return GoInt(type_, value)


def _obj(value: Any) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _Undecodable
    return value


def _list(value: Any) -> list[Any] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise _Undecodable
    return value


def _int_key(key: str) -> GoInt:
    try:
        return GoInt("int", int(key))
    except ValueError:
        raise _Undecodable from None


def _ints(value: Any) -> GoSlice:
    items = _list(value)
    return GoSlice("[]int", None if items is None else [_u(i, "int") for i in items])


def _checksum_field() -> tuple[str, GoValue]:
    return ("Checksum", GoInt("checksum.Checksum", 0))


def _stored(doc: Mapping[str, Any], name: str = "checksum") -> int | None:
    """The stored checksum; absent is 0 as Go decodes it, a non-number None (undecodable)."""
    value = go_field(doc, name, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _check(version: str, stored: int | None, values: list[GoValue], *, zero_ok: bool) -> ChecksumCheck:
    if stored is None:
        raise _Undecodable
    computed = [checksum_new(v) for v in values]
    ok = stored is not None and (stored in computed or (zero_ok and stored == 0))
    return ChecksumCheck(version, stored, computed[0] if computed else None, ok)


def _data_check(doc: Mapping[str, Any], version: str) -> ChecksumCheck:
    data = go_field(doc, "data")
    stored = _stored(doc, "dataChecksum")
    if not isinstance(data, str) or stored is None:
        return ChecksumCheck(version, stored, None, False, dual=True, unverified=True)
    computed = checksum_new(GoStr("string", data))
    return ChecksumCheck(version, stored, computed, stored == computed, dual=True)


# ---- cpu_manager_state ---------------------------------------------------------------------
def _cpu_struct(name: str, doc: Mapping[str, Any], version: str) -> GoPtr:
    entries = _obj(go_field(doc, "entries"))
    fields: list[tuple[str, GoValue]] = [
        ("PolicyName", _s(go_field(doc, "policyName"))),
        ("DefaultCPUSet", _s(go_field(doc, "defaultCpuSet"))),
    ]
    if version == "V1":
        fields.append(
            ("Entries", GoMap("map[string]string", [(GoStr("string", k), _s(v)) for k, v in entries.items()]))
        )
    else:
        nested = [
            (
                GoStr("string", pod),
                GoMap("map[string]string", [(GoStr("string", c), _s(cs)) for c, cs in _obj(per).items()]),
            )
            for pod, per in entries.items()
        ]
        fields.append(("Entries", GoMap("map[string]map[string]string", nested)))
    if version == "V3":
        fields.append(
            ("PodEntries", GoMap("state.PodCPUAssignments", _cpu_pod_entries(go_field(doc, "podEntries"))))
        )
    fields.append(_checksum_field())
    return GoPtr(f"state.{name}", GoStruct(f"state.{name}", fields))


def _cpu_pod_entries(raw: Any) -> list[tuple[GoStr | GoInt, GoValue]]:
    out: list[tuple[GoStr | GoInt, GoValue]] = []
    for uid, entry in _obj(raw).items():
        text = go_field(_obj(entry), "cpuSet", "")
        if not isinstance(text, str):
            raise _Undecodable
        try:
            cpus = CPUSet.parse(text)
        except CPUSetError:
            raise _Undecodable from None
        elems = GoMap("map[int]struct {}", [(GoInt("int", c), GoStruct("struct {}", [])) for c in cpus])
        cpuset = GoStruct("cpuset.CPUSet", [("elems", elems)])
        out.append((GoStr("string", uid), GoStruct("state.PodEntry", [("CPUSet", cpuset)])))
    return out


# version -> (the type names kubelet releases hashed it under, whether checksum 0 passes)
_CPU_VERSIONS = {
    "V1": (("CPUManagerCheckpoint",), True),
    "V2": (("CPUManagerCheckpoint", "CPUManagerCheckpointV2"), True),
    "V3": (("CPUManagerCheckpoint", "CPUManagerCheckpointV3"), False),
}


def _cpu_check(doc: Mapping[str, Any], stored: int | None, version: str) -> ChecksumCheck:
    names, zero_ok = _CPU_VERSIONS[version]
    return _check(version, stored, [_cpu_struct(n, doc, version) for n in names], zero_ok=zero_ok)


def cpu_checksum(doc: Mapping[str, Any]) -> ChecksumCheck:
    """Which version the kubelet reads the file as, and whether its checksum holds (read order
    V4, V3, V2, then V1 for the kubelets that still had it)."""
    if go_field(doc, "data") is not None or go_field(doc, "dataChecksum") is not None:
        return _data_check(doc, "V4")
    entries = go_field(doc, "entries")
    flat = isinstance(entries, Mapping) and any(isinstance(v, str) for v in entries.values())
    pods = go_field(doc, "podEntries") is not None
    stored = _stored(doc)
    try:
        if flat:
            return _cpu_check(doc, stored, "V1")
        # Without entries a V1 file looks like V2; the kubelets that wrote V1 fell back to it.
        order = ["V3", "V2"] if entries or pods else ["V3", "V2", "V1"]
        checks = [_cpu_check(doc, stored, v) for v in order]
        passed = [c for c in checks if c.ok]
        return passed[0] if passed else checks[0 if pods else 1]
    except _Undecodable:
        return ChecksumCheck("V1" if flat else "V2", stored, None, False, unverified=True)


# ---- memory_manager_state ------------------------------------------------------------------
def _blocks(raw: Any) -> GoSlice:
    items = _list(raw)
    if items is None:
        return GoSlice("[]state.Block", None)
    blocks: list[GoValue] = []
    for b in items:
        block = _obj(b)
        blocks.append(
            GoStruct(
                "state.Block",
                [
                    ("NUMAAffinity", _ints(go_field(block, "numaAffinity"))),
                    ("Type", GoStr("v1.ResourceName", _s(go_field(block, "type")).value)),
                    ("Size", _u(go_field(block, "size"))),
                ],
            )
        )
    return GoSlice("[]state.Block", blocks)


# `MemoryTable` fields in declaration order, with their JSON tags.
_TABLE = (
    ("TotalMemSize", "total"),
    ("SystemReserved", "systemReserved"),
    ("Allocatable", "allocatable"),
    ("Reserved", "reserved"),
    ("Free", "free"),
)


def _memory_table(raw: Any) -> GoPtr:
    if raw is None:
        return GoPtr("state.MemoryTable", None)
    t = _obj(raw)
    return GoPtr(
        "state.MemoryTable", GoStruct("state.MemoryTable", [(f, _u(go_field(t, j))) for f, j in _TABLE])
    )


def _numa_node(raw: Any) -> GoPtr:
    if raw is None:
        return GoPtr("state.NUMANodeState", None)
    node = _obj(raw)
    memory_map = GoMap(
        "map[v1.ResourceName]*state.MemoryTable",
        [
            (GoStr("v1.ResourceName", k), _memory_table(v))
            for k, v in _obj(go_field(node, "memoryMap")).items()
        ],
    )
    fields: list[tuple[str, GoValue]] = [
        ("NumberOfAssignments", _u(go_field(node, "numberOfAssignments"), "int")),
        ("MemoryMap", memory_map),
        ("Cells", _ints(go_field(node, "cells"))),
    ]
    return GoPtr("state.NUMANodeState", GoStruct("state.NUMANodeState", fields))


def _memory_struct(name: str, doc: Mapping[str, Any], with_pods: bool) -> GoPtr:
    machine = GoMap(
        "state.NUMANodeMap",
        [(_int_key(k), _numa_node(v)) for k, v in _obj(go_field(doc, "machineState")).items()],
    )
    entries = GoMap(
        "state.ContainerMemoryAssignments",
        [
            (
                GoStr("string", uid),
                GoMap(
                    "map[string][]state.Block",
                    [(GoStr("string", c), _blocks(b)) for c, b in _obj(per).items()],
                ),
            )
            for uid, per in _obj(go_field(doc, "entries")).items()
        ],
    )
    fields: list[tuple[str, GoValue]] = [
        ("PolicyName", _s(go_field(doc, "policyName"))),
        ("MachineState", machine),
        ("Entries", entries),
    ]
    if with_pods:
        pods = [
            (
                GoStr("string", uid),
                GoStruct("state.PodEntry", [("MemoryBlocks", _blocks(go_field(_obj(e), "memoryBlocks")))]),
            )
            for uid, e in _obj(go_field(doc, "podEntries")).items()
        ]
        fields.append(("PodEntries", GoMap("state.PodMemoryAssignments", pods)))
    fields.append(_checksum_field())
    return GoPtr(f"state.{name}", GoStruct(f"state.{name}", fields))


def memory_checksum(doc: Mapping[str, Any]) -> ChecksumCheck:
    """Read order V3, V2, V1 (`loadAndMigrateCheckpoint`)."""
    if go_field(doc, "data") is not None or go_field(doc, "dataChecksum") is not None:
        return _data_check(doc, "V3")
    stored = _stored(doc)
    try:
        names = ("MemoryManagerCheckpoint", "MemoryManagerCheckpointV2")
        v2 = _check("V2", stored, [_memory_struct(n, doc, True) for n in names], zero_ok=False)
        v1 = _check("V1", stored, [_memory_struct("MemoryManagerCheckpoint", doc, False)], zero_ok=True)
        passed = [c for c in (v2, v1) if c.ok]
        return passed[0] if passed else (v1 if go_field(doc, "podEntries") is None else v2)
    except _Undecodable:
        return ChecksumCheck("V1", stored, None, False, unverified=True)


# ---- device-plugins/kubelet_internal_checkpoint --------------------------------------------
def _alloc_resp(raw: Any) -> GoSlice:
    if raw is None:
        return GoSlice("[]uint8", None)
    if not isinstance(raw, str):
        raise _Undecodable
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise _Undecodable from None
    return GoSlice("[]uint8", [GoInt("uint8", b) for b in data])


def _strings(raw: Any) -> GoSlice:
    items = _list(raw)
    return GoSlice("[]string", None if items is None else [_s(i) for i in items])


def _device_entry(raw: Any) -> GoStruct:
    e = _obj(raw)
    ids = go_field(e, "DeviceIDs")
    if isinstance(ids, list):
        device_ids: GoValue = _strings(ids)
    else:
        device_ids = GoMap(
            "checkpoint.DevicesPerNUMA", [(_int_key(k), _strings(v)) for k, v in _obj(ids).items()]
        )
    fields: list[tuple[str, GoValue]] = [
        ("PodUID", _s(go_field(e, "PodUID"))),
        ("ContainerName", _s(go_field(e, "ContainerName"))),
        ("ResourceName", _s(go_field(e, "ResourceName"))),
        ("DeviceIDs", device_ids),
        ("AllocResp", _alloc_resp(go_field(e, "AllocResp"))),
    ]
    return GoStruct("checkpoint.PodDevicesEntry", fields)


def device_checksum(doc: Mapping[str, Any]) -> ChecksumCheck:
    """`Data.VerifyChecksum` (and `DataV1`'s, which hashes under the V2 type names)."""
    stored = _stored(doc, "Checksum")
    data = go_field(doc, "Data")
    try:
        d = _obj(data)
        entries = _list(go_field(d, "PodDeviceEntries"))
        v1 = any(isinstance(go_field(_obj(e), "DeviceIDs"), list) for e in entries or [])
        registered = GoMap(
            "map[string][]string",
            [(GoStr("string", k), _strings(v)) for k, v in _obj(go_field(d, "RegisteredDevices")).items()],
        )
        value = GoStruct(
            "checkpoint.checkpointData",
            [
                (
                    "PodDeviceEntries",
                    GoSlice(
                        "[]checkpoint.PodDevicesEntry",
                        None if entries is None else [_device_entry(e) for e in entries],
                    ),
                ),
                ("RegisteredDevices", registered),
            ],
        )
    except _Undecodable:
        return ChecksumCheck("?", stored, None, False, unverified=True)
    return _check("V1" if v1 else "V2", stored, [value], zero_ok=False)


# ---- what a kubelet wrote ------------------------------------------------------------------
def written_checksum(file: str, version: str, doc: Mapping[str, Any]) -> int:
    """The checksum the kubelet that writes `version` of `file` stores for `doc` (for fixtures
    and tests): the legacy struct hash under the type name of its time, or for the dual formats
    the `dataChecksum` of `doc["data"]`."""
    if (file, version) in (("cpu", "V4"), ("memory", "V3")):
        return checksum_new(GoStr("string", str(doc["data"])))
    if file == "cpu":
        return checksum_new(_cpu_struct("CPUManagerCheckpoint", doc, version))
    if file == "memory":
        return checksum_new(_memory_struct("MemoryManagerCheckpoint", doc, version == "V2"))
    check = device_checksum({"Data": doc.get("Data"), "Checksum": 0})
    assert check.computed is not None
    return check.computed
