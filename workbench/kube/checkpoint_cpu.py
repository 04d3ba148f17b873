"""`cpu_manager_state` -> the CPU manager's shared pool, container and pod entries.

Formats (kubernetes `pkg/kubelet/cm/cpumanager/state/checkpoint.go`, `state.go`): V1 `entries`
container ID -> cpuset; V2 `entries` pod UID -> container -> cpuset; V3 (1.36,
PodLevelResourceManagers) V2 + `podEntries` pod UID -> {cpuSet}; V4 (1.37) the V3 fields inline
plus `data` (the JSON of the state) and `dataChecksum`. Which version a file is, and whether its
checksum holds, is `checkpoint_checksums.cpu_checksum`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from workbench.kube.checkpoint_json import Findings, checkpoint_body, cpuset, go_field, mapping
from workbench.record import Record, setfield
from workbench.topology.cpuset import CPUSet

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)

if TYPE_CHECKING:
    from typing import Any

    from workbench.kube.checkpoint_checksums import ChecksumCheck

CPU_STATE = "cpu_manager_state"


class CPUCheckpoint(Record):
    version: str
    policy: str
    default_cpuset: CPUSet
    assignments: Mapping[str, Mapping[str, CPUSet]]
    pod_cpusets: Mapping[str, CPUSet]
    # V1 entries are keyed by container ID: no pod UID is known for them.
    container_ids: tuple[str, ...]
    problems: tuple[str, ...]
    checksum: ChecksumCheck | None

    __slots__ = _fields = (
        "version",
        "policy",
        "default_cpuset",
        "assignments",
        "pod_cpusets",
        "container_ids",
        "problems",
        "checksum",
    )
    _uncompared = frozenset({"checksum"})

    def __init__(
        self,
        version: str,
        policy: str,
        default_cpuset: CPUSet,
        assignments: Mapping[str, Mapping[str, CPUSet]],
        pod_cpusets: Mapping[str, CPUSet],
        container_ids: tuple[str, ...] = (),
        problems: tuple[str, ...] = (),
        checksum: ChecksumCheck | None = None,
    ) -> None:
        setfield(self, "version", version)
        setfield(self, "policy", policy)
        setfield(self, "default_cpuset", default_cpuset)
        setfield(self, "assignments", assignments)
        setfield(self, "pod_cpusets", pod_cpusets)
        setfield(self, "container_ids", container_ids)
        setfield(self, "problems", problems)
        setfield(self, "checksum", checksum)


def _entries(
    body: Mapping[str, Any], version: str, out: Findings
) -> tuple[dict[str, dict[str, CPUSet]], list[str]]:
    assignments: dict[str, dict[str, CPUSet]] = {}
    container_ids: list[str] = []
    for key, value in mapping(go_field(body, "entries"), "entries", out).items():
        if version == "V1" and isinstance(value, str):
            cs = cpuset(value, f"entries[{key}]", out)
            if cs is not None:
                assignments[str(key)] = {str(key): cs}
                container_ids.append(str(key))
            continue
        per: dict[str, CPUSet] = {}
        for name, text in mapping(value, f"entries[{key}]", out).items():
            cs = cpuset(text, f"entries[{key}][{name}]", out)
            if cs is not None:
                per[str(name)] = cs
        assignments[str(key)] = per
    return assignments, container_ids


def _pod_entries(body: Mapping[str, Any], version: str, out: Findings) -> dict[str, CPUSet]:
    raw = go_field(body, "podEntries")
    if raw is not None and version in ("V1", "V2"):
        # Accepted only through the V2 reader (checksum 0): that reader has no pod entries.
        out.add(
            "podEntries ignored: the file passes only as V2, and the kubelet then restores"
            " container entries only"
        )
        return {}
    pods: dict[str, CPUSet] = {}
    for uid, entry in mapping(raw, "podEntries", out).items():
        entry_map = mapping(entry, f"podEntries[{uid}]", out)
        cs = cpuset(go_field(entry_map, "cpuSet", ""), f"podEntries[{uid}].cpuSet", out)
        if cs is not None:
            pods[str(uid)] = cs
    return pods


def parse_cpu_checkpoint(doc: Any, label: str = CPU_STATE) -> CPUCheckpoint:
    out = Findings(label)
    if not isinstance(doc, Mapping):
        out.add("checkpoint is corrupted: not a JSON object")
        return CPUCheckpoint("?", "", CPUSet(), {}, {}, problems=tuple(out.items))
    # Checksums (Go value printing, FNV) load only when a checkpoint is read.
    from workbench.kube.checkpoint_checksums import cpu_checksum

    check = cpu_checksum(doc)
    body, policy = checkpoint_body(doc, check.dual, out)
    default = cpuset(go_field(body, "defaultCpuSet", ""), "defaultCpuSet", out) or CPUSet()
    assignments, container_ids = _entries(body, check.version, out)
    pods = _pod_entries(body, check.version, out)
    return CPUCheckpoint(
        check.version,
        policy,
        default,
        MappingProxyType({k: MappingProxyType(v) for k, v in assignments.items()}),
        MappingProxyType(pods),
        tuple(container_ids),
        tuple(out.items),
        check,
    )
