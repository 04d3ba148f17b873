"""Kubernetes inputs: pods, quantities, kubelet configuration and checkpoint files.

Submodules (imported on use, so `import workbench.kube` stays cheap): `pod` (manifests ->
`PodSpec`), `validate` (API-server checks with field paths), `writer` (edited drafts back to
YAML), `config` (KubeletConfiguration -> `NodeConfig`; its start-up refusals in
`config_startup`, with `cpu_policy_options`, `feature_gates`, `duration`, `eviction`,
`reservation`), `checkpoint` (a kubelet directory -> `NodeState`; the formats in
`checkpoint_cpu`, `checkpoint_memory`, `checkpoint_device`, their checksums in
`checkpoint_checksums` over `go_spew`), `qos`, `yamlio`.
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
