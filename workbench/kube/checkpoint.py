"""A captured node's kubelet directory -> its configuration and `NodeState`. Read-only.

The checkpoint formats live beside this module (`checkpoint_cpu`, `checkpoint_memory`,
`checkpoint_device`, their checksums in `checkpoint_checksums`). A checkpoint whose checksum
fails makes the CPU or memory manager refuse to start (`NewCheckpointState`: "could not restore
state from checkpoint: checkpoint is corrupted, please drain this node and delete the ...
checkpoint file ... before restarting Kubelet"): that is an `InputError`. Anything else found in
a checkpoint goes to `NodeState.problems`, beside what the managers' `validateState` finds
(`admission.startup_state`): a captured node with a damaged state is what an operator needs to
look at.

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

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

from workbench.errors import InputError
from workbench.kube.checkpoint_checksums import ChecksumCheck
from workbench.kube.checkpoint_cpu import CPU_STATE, parse_cpu_checkpoint
from workbench.kube.checkpoint_device import DEVICE_STATE, parse_device_checkpoint
from workbench.kube.checkpoint_json import Findings, read_json
from workbench.kube.checkpoint_memory import MEMORY_STATE, parse_memory_checkpoint
from workbench.kube.config import load_kubelet_config
from workbench.kube.model import NodeConfig, NodeState, PodInfo
from workbench.kube.pod import parse_resource_list
from workbench.kube.yamlio import decode, load_one
from workbench.topology.model import Topology

CONFIG = "config.yaml"
PODS = "pods.yaml"


def corrupted(path: Path, manager: str, check: ChecksumCheck | None) -> InputError | None:
    """The kubelet's refusal of a checkpoint whose checksum does not hold, or None."""
    if check is None or check.ok or check.unverified:
        return None
    cause = "checkpoint is corrupted"
    if check.dual:
        cause = f"could not load {check.version.lower()} checkpoint: {cause}"
    stored = "dataChecksum" if check.dual else "checksum"
    return InputError(
        f"could not restore state from checkpoint: {cause}, please drain this node and delete the "
        f'{manager} checkpoint file "{path}" before restarting Kubelet',
        source=str(path),
        fix=f"the kubelet refuses to start: {stored} {check.stored} in the file, {check.computed} "
        f"computed for a {check.version} checkpoint",
    )


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


@dataclass(frozen=True)
class KubeletDir:
    """What was read from a captured node, with the checkpoint versions found."""

    config: NodeConfig
    state: NodeState
    cpu_version: str = ""
    memory_version: str = ""
    files: tuple[str, ...] = ()


def _load_json(path: Path, label: str, problems: list[str]) -> Any:
    out = Findings(label)
    doc = read_json(path, out)
    problems.extend(out.items)
    return doc


class _Checkpoint(Protocol):
    @property
    def problems(self) -> tuple[str, ...]: ...
    @property
    def checksum(self) -> ChecksumCheck | None: ...


_C = TypeVar("_C", bound=_Checkpoint)


def _read_checkpoint(path: Path, manager: str, parse: Callable[[Any], _C], problems: list[str]) -> _C | None:
    """A manager's checkpoint, or None when it is no JSON; raises the kubelet's refusal when the
    checksum does not hold."""
    doc = _load_json(path, path.name, problems)
    if doc is None:
        return None
    cp = parse(doc)
    error = corrupted(path, manager, cp.checksum)
    if error is not None:
        raise error
    problems.extend(cp.problems)
    return cp


def _read_cpu(path: Path, problems: list[str], kwargs: dict[str, Any]) -> str:
    cp = _read_checkpoint(path, "CPU manager", parse_cpu_checkpoint, problems)
    if cp is None:
        return ""
    assigned = bool(cp.assignments or cp.pod_cpusets)
    kwargs.update(
        cpu_policy=cp.policy,
        default_cpuset=cp.default_cpuset if (cp.default_cpuset or assigned) else None,
        cpu_assignments=cp.assignments,
        pod_cpusets=cp.pod_cpusets,
    )
    return cp.version


def _read_memory(path: Path, problems: list[str], kwargs: dict[str, Any]) -> str:
    mc = _read_checkpoint(path, "memory manager", parse_memory_checkpoint, problems)
    if mc is None:
        return ""
    kwargs.update(
        memory_policy=mc.policy,
        memory=mc.machine,
        memory_assignments=mc.assignments,
        pod_memory=mc.pod_blocks,
    )
    return mc.version


def _read_pods(path: Path) -> dict[str, PodInfo]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=str(path)) from None
    return parse_pod_names(load_one(decode(raw, str(path)), str(path)), str(path))


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
    if (directory / CPU_STATE).is_file():
        files.append(CPU_STATE)
        cpu_version = _read_cpu(directory / CPU_STATE, problems, kwargs)
    if (directory / MEMORY_STATE).is_file():
        files.append(MEMORY_STATE)
        memory_version = _read_memory(directory / MEMORY_STATE, problems, kwargs)
    if (directory / DEVICE_STATE).is_file():
        files.append(DEVICE_STATE)
        doc = _load_json(directory / DEVICE_STATE, DEVICE_STATE, problems)
        if doc is not None:
            dc = parse_device_checkpoint(doc)
            problems.extend(dc.problems)
            kwargs.update(devices=dc.allocations, registered_devices=dc.registered)
    pods: dict[str, PodInfo] = {}
    if (directory / PODS).is_file():
        files.append(PODS)
        pods = _read_pods(directory / PODS)
    if cpu_version == "V1" and "default_cpuset" in kwargs:
        for cid in kwargs.get("cpu_assignments", {}):
            pods.setdefault(cid, PodInfo(cid, f"container {cid[:12]}", ""))
    state = NodeState(**kwargs, pods=MappingProxyType(pods), problems=tuple(problems), source=str(directory))
    return KubeletDir(config, state, cpu_version, memory_version, tuple(files))


def load_kubelet_dir(directory: Path, topology: Topology | None = None) -> tuple[NodeConfig, NodeState]:
    """Config and live allocations of a captured node (`--kubelet-dir`)."""
    kd = read_kubelet_dir(Path(directory), topology)
    return kd.config, kd.state
