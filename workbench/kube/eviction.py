"""The kubelet's hard eviction thresholds: defaults and the `memory.available` threshold in bytes.

Source: kubernetes `pkg/kubelet/apis/config/v1beta1/defaults_linux.go` (`DefaultEvictionHard`),
`pkg/kubelet/eviction/api` and `eviction/helpers.go` (`parseThresholdStatement`,
`parsePercentage`, `GetThresholdQuantity`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from types import MappingProxyType

from workbench.quantity import parse_quantity
from workbench.topology.model import Topology

MEMORY_AVAILABLE = "memory.available"

# `evictionHard` defaults, used when the file does not set evictionHard at all.
DEFAULT_EVICTION_HARD: Mapping[str, str] = MappingProxyType(
    {
        MEMORY_AVAILABLE: "100Mi",
        "nodefs.available": "10%",
        "nodefs.inodesFree": "5%",
        "imagefs.available": "15%",
        "imagefs.inodesFree": "5%",
    }
)


def _float32(x: float) -> float:
    import struct  # only a percentage threshold needs it, and the demo's is in bytes

    return float(struct.unpack("f", struct.pack("f", x))[0])


def eviction_memory(threshold: str | None, topology: Topology | None) -> int | None:
    """Bytes of the hard `memory.available` threshold (percentages need the node's memory:
    None without a topology). ValueError when the threshold cannot be read."""
    if threshold is None:
        return 0
    text = threshold.strip()
    if text.endswith("%"):
        percent = float(text[:-1])
        if not 0 <= percent <= 100:
            raise ValueError("a percentage must be between 0% and 100%")
        if topology is None:
            return None
        total = sum(n.memory_bytes for n in topology.numa_nodes)
        # `ThresholdValue.Percentage` is a float32 (`parsePercentage`), and `GetThresholdQuantity`
        # truncates capacity x percentage: 5% of 10Gi is 536870920 bytes, not 536870912.
        return math.trunc(float(total) * _float32(_float32(percent) / 100))
    return parse_quantity(text).value()
