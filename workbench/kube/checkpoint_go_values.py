"""The Go values the kubelet decodes each checkpoint file into, for `kube.go_spew` to print.

Struct, field and type names as in kubernetes `pkg/kubelet/cm/cpumanager/state/checkpoint.go`
and `state.go` (`PodEntry`, `cpuset.CPUSet{elems}`), `pkg/kubelet/cm/memorymanager/state/state.go`
(`NUMANodeMap`, `NUMANodeState`, `MemoryTable`, `Block`, `PodEntry`) and
`pkg/kubelet/cm/devicemanager/checkpoint/checkpoint.go` (`checkpointData`, `PodDevicesEntry`,
`DevicesPerNUMA`), in declaration order. JSON keys are matched as Go's decoder matches them
(`go_field`); a value of the wrong JSON type raises `Undecodable`, as Go's decoder would fail.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

from workbench.kube.checkpoint_json import go_field
from workbench.kube.go_spew import GoInt, GoMap, GoPtr, GoSlice, GoStr, GoStruct, GoValue
from workbench.topology.cpuset import CPUSet, CPUSetError


class Undecodable(Exception):
    """Go's decoder would refuse the document: no checksum is computed."""


def _s(value: Any) -> GoStr:
    if value is None:
        return GoStr("string", "")
    if not isinstance(value, str):
        raise Undecodable
    return GoStr("string", value)


def _u(value: Any, type_: str = "uint64") -> GoInt:
    if value is None:
        return GoInt(type_, 0)
    if not isinstance(value, int) or isinstance(value, bool):
        raise Undecodable
    return GoInt(type_, value)


def _obj(value: Any) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise Undecodable
    return value


def _list(value: Any) -> list[Any] | None:
    if value is None:
        return None
    if not isinstance(value, list):
        raise Undecodable
    return value


def _int_key(key: str) -> GoInt:
    try:
        return GoInt("int", int(key))
    except ValueError:
        raise Undecodable from None


def _ints(value: Any) -> GoSlice:
    items = _list(value)
    return GoSlice("[]int", None if items is None else [_u(i, "int") for i in items])


def _checksum_field() -> tuple[str, GoValue]:
    return ("Checksum", GoInt("checksum.Checksum", 0))


# ---- cpu_manager_state ---------------------------------------------------------------------
def cpu_fields(doc: Mapping[str, Any], version: str) -> list[tuple[str, GoValue]]:
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
    return fields


def _cpu_pod_entries(raw: Any) -> list[tuple[GoStr | GoInt, GoValue]]:
    out: list[tuple[GoStr | GoInt, GoValue]] = []
    for uid, entry in _obj(raw).items():
        text = go_field(_obj(entry), "cpuSet", "")
        if not isinstance(text, str):
            raise Undecodable
        try:
            cpus = CPUSet.parse(text)
        except CPUSetError:
            raise Undecodable from None
        elems = GoMap("map[int]struct {}", [(GoInt("int", c), GoStruct("struct {}", [])) for c in cpus])
        cpuset = GoStruct("cpuset.CPUSet", [("elems", elems)])
        out.append((GoStr("string", uid), GoStruct("state.PodEntry", [("CPUSet", cpuset)])))
    return out


# version -> (the type names kubelet releases hashed it under, whether checksum 0 passes)
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


def memory_fields(doc: Mapping[str, Any], with_pods: bool) -> list[tuple[str, GoValue]]:
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
    return fields


# ---- device-plugins/kubelet_internal_checkpoint --------------------------------------------
def _alloc_resp(raw: Any) -> GoSlice:
    if raw is None:
        return GoSlice("[]uint8", None)
    if not isinstance(raw, str):
        raise Undecodable
    try:
        data = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise Undecodable from None
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


def device_data(doc: Mapping[str, Any]) -> tuple[GoStruct, bool]:
    """`Data.Data` as a `checkpointData` value, and whether it is the pre-topology V1 layout
    (`DataV1`'s checksum renames its types to the V2 names, so one value serves both)."""
    d = _obj(go_field(doc, "Data"))
    entries = _list(go_field(d, "PodDeviceEntries"))
    v1 = any(isinstance(go_field(_obj(e), "DeviceIDs"), list) for e in entries or [])
    registered = GoMap(
        "map[string][]string",
        [(GoStr("string", k), _strings(v)) for k, v in _obj(go_field(d, "RegisteredDevices")).items()],
    )
    slice_ = GoSlice(
        "[]checkpoint.PodDevicesEntry", None if entries is None else [_device_entry(e) for e in entries]
    )
    value = GoStruct(
        "checkpoint.checkpointData", [("PodDeviceEntries", slice_), ("RegisteredDevices", registered)]
    )
    return value, v1
