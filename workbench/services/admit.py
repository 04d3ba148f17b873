"""Use case "admit a pod": what the kubelet would decide (verdict, hints, placement), with the
workbench's advice for a rejection; placing a pod into a node state and releasing it again.

`decide`/`advice_for`/`release_pod` are what the TUI calls on every edit; `admit_file` is the
whole `workbench admit` command. The decision types are re-exported for the faces.
"""

from __future__ import annotations

from workbench.admission.decision import ContainerPlacement, Decision, Hint, PodPlacement, ProviderHints
from workbench.record import Record, replace, setfield
from workbench.services.choices import Policy, Scope

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)

if TYPE_CHECKING:
    from typing import Any

    from workbench.kube.model import NodeConfig, NodeState, PodSpec
    from workbench.services.source import Node, NodeSource
    from workbench.topology.model import Topology

__all__ = [
    "Admitted",
    "ContainerPlacement",
    "Decision",
    "Hint",
    "PodPlacement",
    "ProviderHints",
    "admit_file",
    "admit_json",
    "admit_text",
    "advice_for",
    "decide",
    "release_pod",
]


def decide(
    topology: Topology, config: NodeConfig, state: NodeState, pod: PodSpec, *, advise: bool = True
) -> Decision:
    """The kubelet's decision for `pod`; `advise=False` skips the what-if search (fast path)."""
    from workbench.admission.admit import admit

    return admit(topology, config, state, pod, advise=advise)


def advice_for(
    topology: Topology, config: NodeConfig, state: NodeState, pod: PodSpec, decision: Decision
) -> Decision:
    """`decision` with the advice for a rejection filled in (pure: may run in a worker thread)."""
    from workbench.admission.advice import advise

    return replace(decision, advice=advise(topology, config, state, pod, decision))


def release_pod(topology: Topology, config: NodeConfig, state: NodeState, pod_key: str) -> NodeState:
    """The node state without `pod_key`'s CPUs, memory and devices."""
    from workbench.admission.admit import release

    return release(topology, config, state, pod_key)


def with_overrides(
    config: NodeConfig, policy: Policy | None = None, scope: Scope | None = None
) -> NodeConfig:
    """What-if: another topology manager policy or scope than the kubelet's configuration."""
    if policy:
        config = replace(config, topology_manager_policy=policy)
    if scope:
        config = replace(config, topology_manager_scope=scope)
    return config


class Admitted(Record):
    node: Node
    decision: Decision

    __slots__ = _fields = ("node", "decision")

    def __init__(self, node: Node, decision: Decision) -> None:
        setfield(self, "node", node)
        setfield(self, "decision", decision)


def admit_file(
    pod_file: str,
    source: NodeSource,
    *,
    pod_name: str | None = None,
    policy: Policy | None = None,
    scope: Scope | None = None,
) -> Admitted:
    """`workbench admit`: the pod of `pod_file` ("-" is stdin) decided on the node of `source`."""
    from workbench.services.pods import load_pod_file
    from workbench.services.source import load_node

    pod = load_pod_file(pod_file, pod_name)
    node = load_node(source)
    config = with_overrides(node.config, policy, scope)
    return Admitted(node, decide(node.topology, config, node.state, pod))


def admit_json(result: Admitted) -> dict[str, Any]:
    from workbench.admission.report import decision_to_json

    return decision_to_json(result.decision)


def admit_text(result: Admitted) -> str:
    from workbench.admission.report import decision_to_text

    return decision_to_text(result.decision, result.node.topology)
