"""Kubernetes inputs: pods, quantities, kubelet configuration and checkpoint files.

Submodules (imported on use, so `import workbench.kube` stays cheap): `pod` (manifests ->
`PodSpec`), `validate` (API-server checks with field paths), `writer` (edited drafts back to
YAML), `config` (KubeletConfiguration -> `NodeConfig`), `checkpoint` (kubelet state files ->
`NodeState`), `qos`, `yamlio`.
"""

from workbench.kube.model import (
    Container,
    DeviceAllocation,
    MemoryBlock,
    MemoryTable,
    NodeConfig,
    NodeState,
    NumaMemoryState,
    PodInfo,
    PodSpec,
    ReservedMemory,
    Resources,
)

__all__ = [
    "Container",
    "DeviceAllocation",
    "MemoryBlock",
    "MemoryTable",
    "NodeConfig",
    "NodeState",
    "NumaMemoryState",
    "PodInfo",
    "PodSpec",
    "ReservedMemory",
    "Resources",
]
