"""Pure simulation of the kubelet's admission: CPU, memory, device and topology managers, resource fit.

The names below load on first use: a face that imports one light module of the package (the TUI's
first screen reads `admission.ownership`) does not pay for the whole simulation at start.
"""

from __future__ import annotations

from importlib import import_module

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)

if TYPE_CHECKING:
    from workbench.admission.admit import admit, release
    from workbench.admission.cpu_assignment import take_by_topology
    from workbench.admission.decision import ContainerPlacement, Decision, Hint, PodPlacement
    from workbench.admission.errors import AdmissionError, AllocationError
    from workbench.admission.merge import merge_hints

_WHERE = {
    "AdmissionError": "errors",
    "AllocationError": "errors",
    "admit": "admit",
    "release": "admit",
    "take_by_topology": "cpu_assignment",
    "ContainerPlacement": "decision",
    "Decision": "decision",
    "Hint": "decision",
    "PodPlacement": "decision",
    "merge_hints": "merge",
}

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


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"workbench.admission.{module}"), name)
    globals()[name] = value
    return value
