"""Pure simulation of the kubelet's CPU, memory, device and topology managers."""

from workbench.admission.admit import admit, release
from workbench.admission.decision import ContainerPlacement, Decision, Hint, PodPlacement
from workbench.admission.merge import merge_hints

__all__ = ["admit", "release", "ContainerPlacement", "Decision", "Hint", "PodPlacement", "merge_hints"]
