"""Use case "show a captured node" (`workbench node`): the kubelet's configuration, each pod's
CPU sets and memory blocks from the checkpoints, the memory manager's per-NUMA tables, devices,
and what the kubelet would object to at start.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from workbench.services.source import NodeSource

if TYPE_CHECKING:
    from workbench.kube.checkpoint import KubeletDir
    from workbench.kube.model import MemoryBlock, NodeConfig, NodeState
    from workbench.topology.model import Topology


@dataclass(frozen=True)
class NodeReport:
    kubelet: KubeletDir
    topology: Topology

    @property
    def problems(self) -> tuple[str, ...]:
        return tuple(self.kubelet.state.problems)


def read_node(source: NodeSource) -> NodeReport:
    """The kubelet directory of `source` read against its machine (explicit, else the capture's
    own topology.yaml, else this machine's sysfs), with every start-up problem found."""
    from workbench.admission.startup_state import startup_state_problems
    from workbench.errors import InputError
    from workbench.kube.checkpoint import read_kubelet_dir
    from workbench.services.source import load_topology, opened

    with opened(source) as o:
        if o.source.kubelet_dir is None:
            raise InputError(
                "no kubelet directory", fix="give --kubelet-dir DIR (a copy of /var/lib/kubelet) or --bundle"
            )
        topology = load_topology(o.source)
        kd = read_kubelet_dir(o.source.kubelet_dir, topology)
        if o.label:
            kd = replace(kd, state=replace(kd.state, source=o.label))
    extra = startup_state_problems(topology, kd.config, kd.state)
    if extra:
        kd = replace(kd, state=replace(kd.state, problems=(*extra, *kd.state.problems)))
    return NodeReport(kd, topology)


# ---- JSON ------------------------------------------------------------------------------
def config_summary(cfg: NodeConfig) -> dict[str, Any]:
    return {
        "cpu_manager_policy": cfg.cpu_manager_policy,
        "cpu_manager_policy_options": dict(cfg.cpu_manager_policy_options),
        "reserved_system_cpus": str(cfg.reserved_system_cpus)
        if cfg.reserved_system_cpus is not None
        else None,
        "kube_reserved": dict(cfg.kube_reserved),
        "system_reserved": dict(cfg.system_reserved),
        "topology_manager_policy": cfg.topology_manager_policy,
        "topology_manager_scope": cfg.topology_manager_scope,
        "topology_manager_policy_options": dict(cfg.topology_manager_policy_options),
        "memory_manager_policy": cfg.memory_manager_policy,
        "reserved_memory": [
            {"numa_node": r.numa_node, "limits": dict(r.limits)} for r in cfg.reserved_memory
        ],
        "feature_gates": dict(cfg.feature_gates),
        "cpu_cfs_quota": cfg.cpu_cfs_quota,
        "cpu_cfs_quota_period_us": cfg.cpu_cfs_quota_period_us,
        "cgroup_driver": cfg.cgroup_driver,
        "eviction_hard": dict(cfg.eviction_hard),
    }


def _block_dict(b: MemoryBlock) -> dict[str, Any]:
    return {"numa_affinity": list(b.numa_affinity), "type": b.type, "size": b.size}


def _isolation(state: NodeState, uid: str, name: str) -> str:
    from workbench.admission.checkpoint_isolation import checkpoint_isolation

    entries = state.cpu_assignments.get(uid, {})
    if name not in entries:
        return "host"
    return checkpoint_isolation(entries, state.pod_cpusets.get(uid))[name]


def _container_view(state: NodeState, topology: Topology | None, uid: str, name: str) -> dict[str, Any]:
    cs = state.cpu_assignments.get(uid, {}).get(name)
    return {
        "name": name,
        "cpuset": str(cs) if cs is not None else None,
        "numa": str(topology.numa_of(cs)) if topology is not None and cs is not None else None,
        "isolation": _isolation(state, uid, name),
        "memory": [_block_dict(b) for b in state.memory_assignments.get(uid, {}).get(name, ())],
        "devices": [
            {"resource": d.resource, "ids": sorted(d.device_ids)}
            for d in state.devices
            if d.pod_uid == uid and d.container == name
        ],
    }


def pods_view(state: NodeState, topology: Topology | None) -> list[dict[str, Any]]:
    """One entry per pod UID: its bubble, containers (CPU sets, memory blocks) and devices."""
    out: list[dict[str, Any]] = []
    for uid in state.pod_uids():
        info = state.pods.get(uid)
        cpus = state.cpu_assignments.get(uid, {})
        mems = state.memory_assignments.get(uid, {})
        bubble = state.pod_cpusets.get(uid)
        devices = (d.container for d in state.devices if d.pod_uid == uid)
        names = list(dict.fromkeys([*cpus, *mems, *devices]))
        out.append(
            {
                "uid": uid,
                "name": info.name if info else "",
                "namespace": info.namespace if info else "",
                "pod_cpuset": str(bubble) if bubble is not None else None,
                "pod_numa": str(topology.numa_of(bubble))
                if topology is not None and bubble is not None
                else None,
                "pod_memory": [_block_dict(b) for b in state.pod_memory.get(uid, ())],
                "containers": [_container_view(state, topology, uid, name) for name in names],
            }
        )
    return out


def node_json(report: NodeReport) -> dict[str, Any]:
    from workbench.services.ownership import memory_rows

    kd, topology = report.kubelet, report.topology
    state: NodeState = kd.state
    return {
        "kubelet_dir": state.source,
        "topology": topology.name if topology is not None else None,
        "config": config_summary(kd.config),
        "checkpoints": {
            "files": list(kd.files),
            "cpu_version": kd.cpu_version,
            "memory_version": kd.memory_version,
        },
        "cpu_policy": state.cpu_policy,
        "default_cpuset": str(state.default_cpuset) if state.default_cpuset is not None else None,
        "pods": pods_view(state, topology),
        "memory_policy": state.memory_policy,
        "memory": memory_rows(state),
        "registered_devices": {k: list(v) for k, v in state.registered_devices.items()},
        "problems": list(state.problems),
    }


def node_text(report: NodeReport) -> str:
    from workbench.services.node_text import node_document_text

    return node_document_text(node_json(report))
