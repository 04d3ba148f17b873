"""The kubelet's resource-fit admission: does the pod fit what the node has left?

`predicateAdmitHandler.Admit` (`pkg/kubelet/lifecycle/predicate.go`) -> `generalFilter` ->
`scheduler.AdmissionCheck` -> `noderesources.Fits` (`fitsRequest`): one more pod than the node's
pods allocatable is `OutOfpods`; a cpu, memory, ephemeral-storage or scalar (hugepages,
extended) request larger than allocatable minus what the other pods request is `OutOf<name>`,
with the message "Node didn't have enough resource: <name>, requested: R, used: U, capacity: C"
(cpu in millicores). Extended resources the node does not have at all are dropped from the
requests first (`removeMissingExtendedResources`). Only the first failure is reported; the
kubelet checks pods, cpu, memory, ephemeral-storage, then scalar resources in Go map order
(random), which this module replaces by name order.

The other pods' requests come from what the node state knows: pods admitted by this tool carry
theirs, a captured node's `pods.yaml` may list them; for any other pod only what the checkpoints
show (its exclusive CPUs, pinned memory, devices) is counted, and the result says so.
DRA-backed extended resources are not modelled.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from workbench.admission.node_allocatable import EPHEMERAL_STORAGE, PODS, NodeAllocatable
from workbench.kube.model import CPU, HUGEPAGES_PREFIX, MEMORY, NodeState
from workbench.record import EMPTY, Record, setfield

OUT_OF_PREFIX = "OutOf"
_NATIVE_PREFIX = "kubernetes.io/"


def is_extended_resource(name: str) -> bool:
    """`IsExtendedResourceName`: a name with a domain outside kubernetes.io."""
    return "/" in name and _NATIVE_PREFIX not in name and not name.startswith("requests.")


def is_scalar_resource(name: str) -> bool:
    """`IsScalarResourceName`: extended, hugepages, prefixed native or attachable volumes."""
    return (
        is_extended_resource(name)
        or name.startswith(HUGEPAGES_PREFIX)
        or _NATIVE_PREFIX in name
        or name.startswith("attachable-volumes-")
    )


class Insufficient(Record):
    """`InsufficientResourceError`: what ran out, with the kubelet's reason and message."""

    resource: str
    requested: int
    used: int
    capacity: int

    __slots__ = _fields = ("resource", "requested", "used", "capacity")

    def __init__(self, resource: str, requested: int, used: int, capacity: int) -> None:
        setfield(self, "resource", resource)
        setfield(self, "requested", requested)
        setfield(self, "used", used)
        setfield(self, "capacity", capacity)

    @property
    def reason(self) -> str:
        return OUT_OF_PREFIX + self.resource

    @property
    def message(self) -> str:
        return (
            f"Node didn't have enough resource: {self.resource}, requested: {self.requested}, "
            f"used: {self.used}, capacity: {self.capacity}"
        )


class NodeUsage(Record):
    """The other pods on the node: how many, and the sum of their requests."""

    pods: int
    requested: Mapping[str, int]
    # pods whose requests are unknown: only their checkpoint allocations are counted
    unknown: tuple[str, ...]

    __slots__ = _fields = ("pods", "requested", "unknown")

    def __init__(
        self,
        pods: int = 0,
        requested: Mapping[str, int] = EMPTY,
        unknown: tuple[str, ...] = (),
    ) -> None:
        setfield(self, "pods", pods)
        setfield(self, "requested", requested)
        setfield(self, "unknown", unknown)


class ResourceFit(Record):
    allocatable: NodeAllocatable
    requested: Mapping[str, int]  # the pod's requests, as fit counts them
    usage: NodeUsage
    ignored: tuple[str, ...]  # extended resources the node does not have
    insufficient: tuple[Insufficient, ...]

    __slots__ = _fields = ("allocatable", "requested", "usage", "ignored", "insufficient")

    def __init__(
        self,
        allocatable: NodeAllocatable,
        requested: Mapping[str, int],
        usage: NodeUsage,
        ignored: tuple[str, ...] = (),
        insufficient: tuple[Insufficient, ...] = (),
    ) -> None:
        setfield(self, "allocatable", allocatable)
        setfield(self, "requested", requested)
        setfield(self, "usage", usage)
        setfield(self, "ignored", ignored)
        setfield(self, "insufficient", insufficient)

    @property
    def fits(self) -> bool:
        return not self.insufficient


def _checkpoint_requests(state: NodeState, uid: str) -> dict[str, int]:
    """What a pod requests at least, from its allocations in the checkpoints."""
    out: dict[str, int] = {}
    cpus: set[int] = set(state.pod_cpusets.get(uid, ()))
    for cset in state.cpu_assignments.get(uid, {}).values():
        cpus.update(cset)
    if cpus:
        out[CPU] = len(cpus) * 1000
    blocks = state.pod_memory.get(uid) or tuple(
        b for bs in state.memory_assignments.get(uid, {}).values() for b in bs
    )
    for b in blocks:
        out[b.type] = out.get(b.type, 0) + b.size
    devices: dict[str, set[str]] = {}
    for d in state.devices:
        if d.pod_uid == uid:
            devices.setdefault(d.resource, set()).update(d.device_ids)
    for resource, ids in devices.items():
        out[resource] = len(ids)
    return out


def pod_requests_on_node(state: NodeState, uid: str) -> tuple[dict[str, int], bool]:
    """A pod's requests as the node state knows them, and whether they are its real requests
    (False: only what its checkpoint allocations show)."""
    info = state.pods.get(uid)
    if info is not None and info.requests is not None:
        return dict(info.requests), True
    return _checkpoint_requests(state, uid), False


def node_usage(state: NodeState, *, exclude: str = "") -> NodeUsage:
    """The pods the node state knows of (other than `exclude`) and what they request."""
    uids = (set(state.pods) | set(state.pod_uids())) - {exclude}
    total: dict[str, int] = {}
    unknown: list[str] = []
    pods = state.pods
    for uid in sorted(uids):
        info = pods.get(uid)
        if info is not None and info.requests is not None:
            reqs: Mapping[str, int] = info.requests  # read only: no copy (pod_requests_on_node)
        else:
            reqs, _ = pod_requests_on_node(state, uid)
            unknown.append(state.pod_label(uid))
        for name, value in reqs.items():
            total[name] = total.get(name, 0) + value
    return NodeUsage(len(uids), MappingProxyType(total), tuple(unknown))


def fits_request(
    requested: Mapping[str, int], usage: NodeUsage, node: NodeAllocatable
) -> tuple[Insufficient, ...]:
    """`fitsRequest`, every insufficient resource in the kubelet's order."""
    alloc, used = node.allocatable, usage.requested
    out: list[Insufficient] = []
    if usage.pods + 1 > alloc.get(PODS, 0):
        out.append(Insufficient(PODS, 1, usage.pods, alloc.get(PODS, 0)))
    scalars = sorted(n for n in requested if is_scalar_resource(n))
    if not any(requested.get(n, 0) for n in (CPU, MEMORY, EPHEMERAL_STORAGE)) and not scalars:
        return tuple(out)
    for name in (CPU, MEMORY, EPHEMERAL_STORAGE, *scalars):
        want = requested.get(name, 0)
        if want <= 0 or name in node.unknown:
            continue
        if want > alloc.get(name, 0) - used.get(name, 0):
            out.append(Insufficient(name, want, used.get(name, 0), alloc.get(name, 0)))
    return tuple(out)


def resource_fit(
    requested: Mapping[str, int], state: NodeState, node: NodeAllocatable, pod_key: str
) -> ResourceFit:
    """Resource fit of a pod with these requests on this node (the pod itself not yet counted)."""
    ignored = tuple(sorted(n for n in requested if is_extended_resource(n) and n not in node.allocatable))
    kept = MappingProxyType({n: v for n, v in requested.items() if n not in ignored})
    usage = node_usage(state, exclude=pod_key)
    return ResourceFit(node, kept, usage, ignored, fits_request(kept, usage, node))
