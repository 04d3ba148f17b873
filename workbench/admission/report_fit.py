"""The resource-fit part of an admission report: the node allocatable arithmetic, as JSON and text.

allocatable = capacity - (kubeReserved + systemReserved + hard eviction), memory also minus the
hugepages; free = allocatable - what the other pods request; the pod fits where its request is
no more than free (see `resource_fit`).
"""

from __future__ import annotations

from workbench.admission.node_allocatable import PODS
from workbench.admission.resource_fit import ResourceFit
from workbench.kube.model import CPU, HUGEPAGES_PREFIX, MEMORY

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any

WIDTH = 80


def _shown(fit: ResourceFit) -> list[str]:
    """cpu, memory and pods always; other resources the node has or the pod asks for."""
    node = fit.allocatable
    extra = sorted(
        n for n in set(node.capacity) | set(fit.requested)
        if n not in (CPU, MEMORY, PODS) and (node.capacity.get(n, 0) or fit.requested.get(n, 0))
    )
    return [CPU, MEMORY, *extra, PODS]


def _row(fit: ResourceFit, name: str) -> dict[str, int]:
    node = fit.allocatable
    used = fit.usage.pods if name == PODS else fit.usage.requested.get(name, 0)
    asked = 1 if name == PODS else fit.requested.get(name, 0)
    allocatable = node.allocatable.get(name, 0)
    row = {
        "capacity": node.capacity.get(name, 0),
        "kube_reserved": node.kube_reserved.get(name, 0),
        "system_reserved": node.system_reserved.get(name, 0),
        "eviction": node.eviction.get(name, 0),
        "allocatable": allocatable,
        "used": used,
        "requested": asked,
        "free": allocatable - used,
    }
    if name == MEMORY:
        row["hugepages"] = node.hugepages
    return row


def fit_to_json(fit: ResourceFit | None) -> dict[str, Any] | None:
    """`admit -o json` "resource_fit": per resource the arithmetic (cpu in millicores, bytes)."""
    if fit is None:
        return None
    return {
        "fits": fit.fits,
        "resources": {name: _row(fit, name) for name in _shown(fit)},
        "unchecked": list(fit.allocatable.unknown),
        "ignored_requests": list(fit.ignored),
        "pods_with_unknown_requests": list(fit.usage.unknown),
        "insufficient": [
            {
                "resource": i.resource,
                "requested": i.requested,
                "used": i.used,
                "capacity": i.capacity,
                "reason": i.reason,
                "message": i.message,
            }
            for i in fit.insufficient
        ],
    }


def amount_text(name: str, value: int) -> str:
    """A canonical amount as an operator writes it: cpu in CPUs, bytes with a binary suffix."""
    if name == CPU:
        return f"{value / 1000:g}"
    if name == MEMORY or name.startswith(HUGEPAGES_PREFIX) or name == "ephemeral-storage":
        for suffix, size in (("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
            if abs(value) >= size:
                text = f"{value / size:.1f}".rstrip("0").rstrip(".")
                return text + suffix
    return str(value)


def fit_to_text(fit: ResourceFit) -> list[str]:
    """The allocatable table (reserved = kube + system reserved + hard eviction, and hugepages
    for memory) and what the fit could not know."""
    lines = ["Resource fit (allocatable = capacity - reserved; free = allocatable - used)"]
    head = ("RESOURCE", "CAPACITY", "RESERVED", "ALLOCATABLE", "USED", "POD", "FREE")
    widths = (16, 9, 9, 12, 9, 9, 9)
    lines.append("  " + "".join(h.ljust(w) for h, w in zip(head, widths, strict=True)).rstrip())
    for name in _shown(fit):
        r = _row(fit, name)
        reserved = r["kube_reserved"] + r["system_reserved"] + r["eviction"] + r.get("hugepages", 0)
        cells = [name if len(name) < 16 else name[:14] + "~"]
        cells += [amount_text(name, r[k]) for k in ("capacity",)] + [amount_text(name, reserved)]
        cells += [amount_text(name, r[k]) for k in ("allocatable", "used", "requested", "free")]
        lines.append("  " + "".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    notes = []
    node = fit.allocatable
    if node.hugepages:
        notes.append(f"memory's reserved includes {amount_text(MEMORY, node.hugepages)} of hugepages")
    for name in node.unknown:
        notes.append(f"{name} not checked: the node's disk size is not known to this tool")
    if fit.ignored:
        notes.append(
            "requests of " + ", ".join(fit.ignored) + " ignored: the node has no such resource "
            "(removeMissingExtendedResources)"
        )
    if fit.usage.unknown:
        notes.append(
            f"requests of {len(fit.usage.unknown)} pod(s) unknown (the checkpoints do not record "
            "them; only their exclusive CPUs, pinned memory and devices are counted): "
            + ", ".join(fit.usage.unknown)
        )
    if notes:
        import textwrap  # notes are rare: not worth ~3 ms of every admit's start

    for note in notes:
        lines.extend(textwrap.wrap(note, WIDTH - 4, initial_indent="  - ", subsequent_indent="    "))
    return lines


def fit_rule(fit: ResourceFit) -> str:
    """Why resource fit rejected the pod, in words (the kubelet reports the first shortage)."""
    first = fit.insufficient[0]
    if first.resource == PODS:
        return (
            f"resource fit (predicateAdmitHandler): the node already runs {first.used} pods and "
            f"allows {first.capacity} (maxPods); the topology manager had admitted the pod"
        )
    free = first.capacity - first.used
    name = first.resource
    return (
        f"resource fit (predicateAdmitHandler): the pod requests {amount_text(name, first.requested)} "
        f"{name}, the node's allocatable is {amount_text(name, first.capacity)} and the other pods "
        f"request {amount_text(name, first.used)}, leaving {amount_text(name, free)}; the topology "
        "manager had admitted the pod"
    )
