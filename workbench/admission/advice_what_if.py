"""What every what-if of the advice shares: how it decides, and how a result is described."""

from __future__ import annotations

from collections.abc import Callable

from workbench.admission.decision import Decision
from workbench.kube.model import NodeConfig, NodeState, PodSpec
from workbench.topology.cpuset import CPUSet

# The kubelet's decision for a changed configuration, state or pod (within the advice's budget).
Decide = Callable[[NodeConfig, NodeState, PodSpec], Decision]


def placed(d: Decision) -> str:
    """Where an admitted what-if landed, in a few words."""
    nodes = CPUSet()
    for c in d.containers:
        if c.isolation != "host":
            nodes = nodes.union(CPUSet(c.mems))
    if d.hint is not None and d.hint.mask is not None:
        return f"NUMA {CPUSet(d.hint.mask)}"
    return f"NUMA {nodes}" if nodes else "the node shared pool"
