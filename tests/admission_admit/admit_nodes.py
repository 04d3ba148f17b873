"""Nodes, kubelet configurations and pods shared by the admission end-to-end tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from workbench.kube.model import NodeConfig, NodeState, PodSpec, ReservedMemory
from workbench.kube.pod import pod_from_mapping
from workbench.topology import load_spec
from workbench.topology.model import Topology

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "topologies"
GI = 1 << 30
MI = 1 << 20


def topology(name: str) -> Topology:
    return load_spec(FIXTURES / f"{name}.yaml")


def config(
    policy: str = "restricted",
    scope: str = "pod",
    *,
    memory: bool = True,
    pod_level: bool = True,
    options: Mapping[str, str] | None = None,
    cpu_options: Mapping[str, str] | None = None,
) -> NodeConfig:
    """Static CPU manager with 1 reserved CPU; Static memory manager reserving 1Gi+100Mi on node 0."""
    cfg = NodeConfig(
        cpu_manager_policy="static",
        cpu_manager_policy_options=MappingProxyType(dict(cpu_options or {})),
        kube_reserved=MappingProxyType({"cpu": 1000, "memory": GI}),
        topology_manager_policy=policy,  # type: ignore[arg-type]
        topology_manager_scope=scope,  # type: ignore[arg-type]
        topology_manager_policy_options=MappingProxyType(dict(options or {})),
        feature_gates=MappingProxyType({"PodLevelResources": True, "PodLevelResourceManagers": pod_level}),
        eviction_hard=MappingProxyType({"memory.available": "100Mi"}),
        source="test-config",
    )
    if memory:
        cfg = replace(
            cfg,
            memory_manager_policy="Static",
            reserved_memory=(ReservedMemory(0, MappingProxyType({"memory": GI + 100 * MI})),),
        )
    return cfg


def pod(text: str) -> PodSpec:
    doc: Any = yaml.safe_load(text)
    return pod_from_mapping(doc, "test")


POSTGRES = """
apiVersion: v1
kind: Pod
metadata: {name: postgres, namespace: db, uid: pg-0001}
spec:
  resources:
    requests: {cpu: "8", memory: 16Gi}
    limits: {cpu: "8", memory: 16Gi}
  initContainers:
  - name: pg-backup
    image: backup
    restartPolicy: Always
  containers:
  - name: postgres
    image: postgres:17
    resources:
      requests: {cpu: "6", memory: 12Gi}
      limits: {cpu: "6", memory: 12Gi}
"""

# Exclusive containers use the whole budget: nothing left for pg-backup.
POSTGRES_NO_SHARED_ROOM = POSTGRES.replace('cpu: "6"', 'cpu: "8"')

TOO_BIG = """
apiVersion: v1
kind: Pod
metadata: {name: solver, namespace: hpc, uid: big-0001}
spec:
  resources:
    requests: {cpu: "20", memory: 120Gi}
    limits: {cpu: "20", memory: 120Gi}
  containers:
  - name: solver
    image: solver
    resources:
      requests: {cpu: "20", memory: 120Gi}
      limits: {cpu: "20", memory: 120Gi}
"""

ML_TRAINER = """
apiVersion: v1
kind: Pod
metadata: {name: trainer, namespace: ml, uid: ml-0001}
spec:
  initContainers:
  - name: istio-proxy
    image: proxy
    restartPolicy: Always
    resources:
      requests: {cpu: 500m, memory: 256Mi}
      limits: {cpu: 500m, memory: 256Mi}
  containers:
  - name: trainer
    image: trainer
    resources:
      requests: {cpu: "8", memory: 32Gi, nvidia.com/gpu: "1"}
      limits: {cpu: "8", memory: 32Gi, nvidia.com/gpu: "1"}
"""


def simple_pod(name: str, cpus: int, *, shared: bool = False, memory_gi: int = 1) -> PodSpec:
    """A pod-level pod: one exclusive container of `cpus`, plus a shared one when `shared`."""
    budget = cpus + (1 if shared else 0)
    doc: dict[str, Any] = {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "prop", "uid": f"uid-{name}"},
        "spec": {
            "resources": {
                "requests": {"cpu": str(budget), "memory": f"{memory_gi * 2}Gi"},
                "limits": {"cpu": str(budget), "memory": f"{memory_gi * 2}Gi"},
            },
            "containers": [
                {
                    "name": "main",
                    "resources": {
                        "requests": {"cpu": str(cpus), "memory": f"{memory_gi}Gi"},
                        "limits": {"cpu": str(cpus), "memory": f"{memory_gi}Gi"},
                    },
                }
            ]
            + ([{"name": "helper"}] if shared else []),
        },
    }
    return pod_from_mapping(doc, "test")


def classic_pod(name: str, cpus: int, memory_gi: int = 1) -> PodSpec:
    """A Guaranteed pod with container-level resources only."""
    doc = {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "prop", "uid": f"uid-{name}"},
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "resources": {
                        "requests": {"cpu": str(cpus), "memory": f"{memory_gi}Gi"},
                        "limits": {"cpu": str(cpus), "memory": f"{memory_gi}Gi"},
                    },
                }
            ]
        },
    }
    return pod_from_mapping(doc, "test")


def comparable(state: NodeState) -> dict[str, Any]:
    """The allocation content of a state, independent of how the mappings are wrapped."""
    return {
        "default": str(state.default_cpuset),
        "cpu": {u: {c: str(s) for c, s in per.items()} for u, per in state.cpu_assignments.items() if per},
        "pod_cpus": {u: str(s) for u, s in state.pod_cpusets.items()},
        "memory": None
        if state.memory is None
        else {
            n: (m.number_of_assignments, tuple(m.cells), dict(m.memory_map)) for n, m in state.memory.items()
        },
        "mem_assign": {u: dict(per) for u, per in state.memory_assignments.items() if per},
        "pod_mem": dict(state.pod_memory),
        "devices": sorted((d.pod_uid, d.container, d.resource, sorted(d.device_ids)) for d in state.devices),
    }
