"""Pure simulation of the kubelet's admission: CPU, memory, device and topology managers, resource fit."""

from workbench.admission.admit import admit, release
from workbench.admission.cpu_assignment import take_by_topology
from workbench.admission.decision import ContainerPlacement, Decision, Hint, PodPlacement
from workbench.admission.errors import AdmissionError, AllocationError
from workbench.admission.merge import merge_hints

__all__ = [
    "AdmissionError",
    "AllocationError",
    "admit",
    "release",
    "take_by_topology",
    "ContainerPlacement",
    "Decision",
    "Hint",
    "PodPlacement",
    "merge_hints",
]
