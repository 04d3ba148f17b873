"""The interface every simulated resource manager (CPU, memory, devices) offers the topology manager.

Managers are mutable working copies built from a `NodeState`; `admit` drives them in the
kubelet's order and asks each to `export` the resulting state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from workbench.admission.decision import Hint
from workbench.kube.model import Container, NodeState, PodSpec

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Protocol
else:
    Protocol = object  # the protocol is for mypy; at run time a plain base

# resource name -> hints; None for the whole map or for one resource means "no preference".
HintMap = Mapping[str, Sequence[Hint] | None]


class HintProvider(Protocol):
    name: str

    def container_hints(self, pod: PodSpec, container: Container) -> HintMap | None:
        """`GetTopologyHints` (scope container)."""
        ...

    def pod_hints(self, pod: PodSpec) -> HintMap | None:
        """`GetPodTopologyHints` (scope pod; the pod-level budget when pod-level managers apply)."""
        ...

    def allocate(self, pod: PodSpec, container: Container, hint: Hint | None) -> None:
        """`Allocate` for one container; raises AdmissionError with the kubelet's reason."""
        ...

    def allocate_pod(self, pod: PodSpec, hint: Hint | None) -> None:
        """`AllocatePod` (pod scope with pod-level resource managers); raises AdmissionError."""
        ...

    def remove_pod(self, pod_key: str) -> None:
        """Release everything held for the pod, as when all its containers are removed."""
        ...

    def export(self, state: NodeState) -> NodeState:
        """`state` with this manager's fields replaced by its current working state."""
        ...
