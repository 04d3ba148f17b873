"""Pure simulation of the kubelet's CPU, memory, device and topology managers."""

from workbench.admission.decision import ContainerPlacement, Decision, Hint, PodPlacement

__all__ = ["ContainerPlacement", "Decision", "Hint", "PodPlacement"]
