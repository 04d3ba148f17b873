"""Kubernetes inputs: pods, quantities, kubelet configuration and checkpoint files."""

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
