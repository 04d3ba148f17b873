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

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from workbench.kube.checkpoint_go_values import Undecodable, cpu_fields, device_data, memory_fields
from workbench.kube.checkpoint_json import go_field
from workbench.kube.go_spew import GoPtr, GoStr, GoStruct, GoValue, checksum_new
from workbench.record import Record, setfield


class ChecksumCheck(Record):
    version: str
    stored: int | None
    computed: int | None  # the first candidate (for the report)
    ok: bool
    dual: bool  # `data`/`dataChecksum` format
    unverified: bool

    __slots__ = _fields = ("version", "stored", "computed", "ok", "dual", "unverified")

    def __init__(
        self,
        version: str,
        stored: int | None,
        computed: int | None,
        ok: bool,
        dual: bool = False,
        unverified: bool = False,
    ) -> None:
        setfield(self, "version", version)
        setfield(self, "stored", stored)
        setfield(self, "computed", computed)
        setfield(self, "ok", ok)
        setfield(self, "dual", dual)
        setfield(self, "unverified", unverified)


def _stored(doc: Mapping[str, Any], name: str = "checksum") -> int | None:
    """The stored checksum; absent is 0 as Go decodes it, a non-number None (undecodable)."""
    value = go_field(doc, name, 0)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _check(version: str, stored: int | None, values: Iterable[GoValue], *, zero_ok: bool) -> ChecksumCheck:
    """Whether `stored` is the checksum of one of `values` (computed lazily: FNV over a dump in
    Python is the slow part of reading a node)."""
    if stored is None:
        raise Undecodable
    if zero_ok and stored == 0:
        return ChecksumCheck(version, stored, None, True)
    first: int | None = None
    for value in values:
        computed = checksum_new(value)
        if computed == stored:
            return ChecksumCheck(version, stored, computed, True)
        first = computed if first is None else first
    return ChecksumCheck(version, stored, first, False)


def _named(names: Iterable[str], fields: list[tuple[str, GoValue]]) -> Iterator[GoValue]:
    """The same struct under each type name a kubelet release gave it."""
    for name in names:
        yield GoPtr(f"state.{name}", GoStruct(f"state.{name}", fields))


def _data_check(doc: Mapping[str, Any], version: str) -> ChecksumCheck:
    data = go_field(doc, "data")
    stored = _stored(doc, "dataChecksum")
    if not isinstance(data, str) or stored is None:
        return ChecksumCheck(version, stored, None, False, dual=True, unverified=True)
    computed = checksum_new(GoStr("string", data))
    return ChecksumCheck(version, stored, computed, stored == computed, dual=True)


# ---- cpu_manager_state ---------------------------------------------------------------------
# ---- cpu_manager_state ---------------------------------------------------------------------
_CPU_VERSIONS = {
    "V1": (("CPUManagerCheckpoint",), True),
    "V2": (("CPUManagerCheckpoint", "CPUManagerCheckpointV2"), True),
    "V3": (("CPUManagerCheckpoint", "CPUManagerCheckpointV3"), False),
}


def _cpu_check(doc: Mapping[str, Any], stored: int | None, version: str) -> ChecksumCheck:
    names, zero_ok = _CPU_VERSIONS[version]
    return _check(version, stored, _named(names, cpu_fields(doc, version)), zero_ok=zero_ok)


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
        checks: list[ChecksumCheck] = []
        for version in order:
            checks.append(_cpu_check(doc, stored, version))
            if checks[-1].ok:
                return checks[-1]
        return checks[0 if pods else 1]
    except Undecodable:
        return ChecksumCheck("V1" if flat else "V2", stored, None, False, unverified=True)


# ---- memory_manager_state ------------------------------------------------------------------
def memory_checksum(doc: Mapping[str, Any]) -> ChecksumCheck:
    """Read order V3, V2, V1 (`loadAndMigrateCheckpoint`)."""
    if go_field(doc, "data") is not None or go_field(doc, "dataChecksum") is not None:
        return _data_check(doc, "V3")
    stored = _stored(doc)
    try:
        names = ("MemoryManagerCheckpoint", "MemoryManagerCheckpointV2")
        v2 = _check("V2", stored, _named(names, memory_fields(doc, True)), zero_ok=False)
        if v2.ok:
            return v2
        v1 = _check(
            "V1", stored, _named(["MemoryManagerCheckpoint"], memory_fields(doc, False)), zero_ok=True
        )
        return v1 if v1.ok or go_field(doc, "podEntries") is None else v2
    except Undecodable:
        return ChecksumCheck("V1", stored, None, False, unverified=True)


# ---- device-plugins/kubelet_internal_checkpoint --------------------------------------------
def device_checksum(doc: Mapping[str, Any]) -> ChecksumCheck:
    """`Data.VerifyChecksum` (and `DataV1`'s, which hashes under the V2 type names)."""
    stored = _stored(doc, "Checksum")
    try:
        value, v1 = device_data(doc)
    except Undecodable:
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
        return checksum_new(next(_named(["CPUManagerCheckpoint"], cpu_fields(doc, version))))
    if file == "memory":
        return checksum_new(next(_named(["MemoryManagerCheckpoint"], memory_fields(doc, version == "V2"))))
    check = device_checksum({"Data": doc.get("Data"), "Checksum": 0})
    assert check.computed is not None
    return check.computed
