"""`admit`: the kubelet's decision for a pod (`decide`) with this tool's advice beside it.

The decision itself is `decide.decide` (the topology manager's handler, then resource fit);
the advice (`advice`) re-runs that decision with one thing changed. Both are re-exported here
with `release`, the public entry points of the admission package.
"""

from __future__ import annotations

from workbench.admission.decide import decide
from workbench.admission.decision import Decision
from workbench.admission.topology_admit import release
from workbench.kube.model import NodeConfig, NodeState, PodSpec
from workbench.record import replace
from workbench.topology.model import Topology

__all__ = ["admit", "decide", "release"]


def admit(
    topology: Topology, config: NodeConfig, state: NodeState, pod: PodSpec, *, advise: bool = True
) -> Decision:
    """What the kubelet would decide for `pod` on this node, and where everything would land.

    `advise=False` skips the what-if search behind `Decision.advice` (the TUI's fast path).
    """
    decision = decide(topology, config, state, pod)
    if not advise:
        return decision
    # Imported on the first advice: the what-if search and its modules (eviction, resize,
    # what-if) are not needed to decide, so `workbench demo` admits its seed pods without them
    # (~0.1 MiB of the RSS when its pods are drawn).
    from workbench.admission.advice import advise as make_advice
    from workbench.admission.advice import notes

    if decision.admitted:
        return replace(decision, advice=decision.advice + notes(config, pod, decision))
    return replace(decision, advice=make_advice(topology, config, state, pod, decision))
