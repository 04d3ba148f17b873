"""`device-plugins/kubelet_internal_checkpoint` -> device allocations and registered devices.

Formats (kubernetes `pkg/kubelet/cm/devicemanager/checkpoint/checkpoint.go`, `checkpointv1.go`):
`Data.PodDeviceEntries` (Go field names, no JSON tags) with `DeviceIDs` NUMA id -> device ids,
or before topology awareness (<= 1.19) a flat list, which `GetDataInLatestFormat` puts on NUMA
node 0; `Data.RegisteredDevices` resource -> healthy device ids; `Checksum`.

Unlike the CPU and memory managers, the device manager starts without a checkpoint it cannot
read (`ManagerImpl.Start`: "Continue after failing to read checkpoint file. Device allocation
info may NOT be up-to-date"), so a bad checksum is a problem here, and the allocations are
dropped as the kubelet drops them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from workbench.kube.checkpoint_checksums import device_checksum
from workbench.kube.checkpoint_json import Findings, go_field, mapping
from workbench.kube.model import DeviceAllocation

DEVICE_STATE = "device-plugins/kubelet_internal_checkpoint"
# `GetDataInLatestFormat`: "no NUMA cell affinity was recorded. The only possible choice is to
# set all the devices affine to node 0."
V1_NUMA_NODE = 0


@dataclass(frozen=True)
class DeviceCheckpoint:
    allocations: tuple[DeviceAllocation, ...]
    registered: Mapping[str, tuple[str, ...]]
    problems: tuple[str, ...] = field(default_factory=tuple)
    version: str = ""


def _device_ids(ids: Any, where: str, out: Findings) -> dict[int, tuple[str, ...]]:
    per_numa: dict[int, tuple[str, ...]] = {}
    if isinstance(ids, list):
        per_numa[V1_NUMA_NODE] = tuple(str(d) for d in ids)
    elif isinstance(ids, Mapping):
        for key, devs in ids.items():
            try:
                numa = int(key)
            except ValueError:
                out.add(f"{where}.DeviceIDs: NUMA id {key!r} is not a number")
                continue
            if isinstance(devs, list):
                per_numa[numa] = tuple(str(d) for d in devs)
    else:
        out.add(f"{where}.DeviceIDs: expected NUMA id -> device ids")
    return per_numa


def _allocations(data: Mapping[str, Any], out: Findings) -> list[DeviceAllocation]:
    entries = go_field(data, "PodDeviceEntries") or []
    if not isinstance(entries, list):
        out.add("Data.PodDeviceEntries: expected a list")
        return []
    allocations: list[DeviceAllocation] = []
    for i, e in enumerate(entries):
        where = f"PodDeviceEntries[{i}]"
        if not isinstance(e, Mapping):
            out.add(f"{where}: expected an object")
            continue
        uid, name, res = (go_field(e, k) for k in ("PodUID", "ContainerName", "ResourceName"))
        if not (isinstance(uid, str) and isinstance(name, str) and isinstance(res, str)):
            out.add(f"{where}: expected PodUID, ContainerName and ResourceName")
            continue
        per_numa = _device_ids(go_field(e, "DeviceIDs"), where, out)
        allocations.append(DeviceAllocation(uid, name, res, MappingProxyType(per_numa)))
    return allocations


def parse_device_checkpoint(doc: Any, label: str = DEVICE_STATE) -> DeviceCheckpoint:
    out = Findings(label)
    if not isinstance(doc, Mapping):
        out.add("checkpoint is corrupted: not a JSON object")
        return DeviceCheckpoint((), {}, tuple(out.items))
    data = mapping(go_field(doc, "Data"), "Data", out)
    allocations = _allocations(data, out)
    registered: dict[str, tuple[str, ...]] = {}
    for res, devs in mapping(go_field(data, "RegisteredDevices"), "Data.RegisteredDevices", out).items():
        if isinstance(devs, list):
            registered[str(res)] = tuple(sorted(str(d) for d in devs))
    check = device_checksum(doc)
    if not check.ok and not check.unverified:
        out.add(
            f"checkpoint is corrupted (Checksum {check.stored} in the file, {check.computed} computed): "
            "the device manager continues without it (Device allocation info may NOT be up-to-date), "
            "so these allocations are not shown"
        )
        allocations = []
    return DeviceCheckpoint(tuple(allocations), MappingProxyType(registered), tuple(out.items), check.version)
