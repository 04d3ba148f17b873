"""Pure simulation of the kubelet's CPU, memory, device and topology managers."""

from workbench.admission.decision import ContainerPlacement, Decision, Hint, PodPlacement
from workbench.admission.merge import merge_hints

__all__ = ["ContainerPlacement", "Decision", "Hint", "PodPlacement", "merge_hints"]
