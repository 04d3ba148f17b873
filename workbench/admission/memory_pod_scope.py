"""The pod-level path of the memory manager's Static policy (KEP-5526, `policy_static.go`).

`validatePodScopeResources` per memory type, and `AllocatePod`: one block per resource for the
whole pod budget on the hinted NUMA nodes (charged once), exclusive blocks for containers with
their own requests, and the pod shared pool (budget minus exclusive memory) for the others.
"""

from __future__ import annotations

from collections.abc import Mapping

from workbench.admission.decision import Hint
from workbench.admission.errors import EMPTY_POD_SHARED_POOL_ERROR, AdmissionError
from workbench.admission.gates import pod_level_managers
from workbench.admission.memory_state import U64, MachineState, charge, resource_order
from workbench.kube.model import Container, MemoryBlock, NodeConfig, PodSpec

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Protocol
else:
    Protocol = object  # the protocol is for mypy; at run time a plain base

Requests = dict[str, int]


class PodScopeManager(Protocol):
    """What the pod-level path uses of `MemoryManager`."""

    static: bool
    config: NodeConfig
    machine: MachineState
    assignments: dict[str, dict[str, list[MemoryBlock]]]
    pod_memory: dict[str, list[MemoryBlock]]

    def guaranteed(self, pod: PodSpec) -> bool: ...

    def entries(self, pod_key: str) -> dict[str, list[MemoryBlock]]: ...

    def pod_requests(self, pod: PodSpec) -> Requests: ...

    def container_requests(self, pod: PodSpec, container: Container) -> Requests: ...

    def resolve_hint(self, pod: PodSpec, hint: Hint | None, reqs: Requests) -> list[int]: ...


def validate_pod_scope(mgr: PodScopeManager, pod: PodSpec) -> str | None:
    """`validatePodScopeResources` for memory: the empty-shared-pool message, or None."""
    total = mgr.pod_requests(pod)
    names = resource_order(total)
    shared_long_running = False
    exclusive: Requests = {}
    for c in pod.init_containers:
        reqs = mgr.container_requests(pod, c)
        if not c.restartable:
            if reqs:
                for name in names:
                    pool = (total[name] - exclusive.get(name, 0)) % U64
                    if reqs.get(name, 0) > pool:
                        return (
                            f"pod rejected, largest exclusive init container requests "
                            f"{reqs.get(name, 0)} of {name}, but only {pool} available"
                        )
            else:
                for name in names:
                    if exclusive.get(name, 0) >= total[name]:
                        return (
                            f"pod rejected, pod has shared init containers but no {name} "
                            "available for them"
                        )
            continue
        if not reqs:
            shared_long_running = True
            continue
        for name, qty in reqs.items():
            exclusive[name] = exclusive.get(name, 0) + qty
    for c in pod.containers:
        reqs = mgr.container_requests(pod, c)
        if not reqs:
            shared_long_running = True
            continue
        for name, qty in reqs.items():
            exclusive[name] = exclusive.get(name, 0) + qty
    if shared_long_running:
        for name in names:
            if exclusive.get(name, 0) >= total[name]:
                return (
                    f"pod rejected, sum of exclusive container {name} requests equals pod "
                    "budget, leaving no memory for shared containers"
                )
    return None

def allocate_pod(mgr: PodScopeManager, pod: PodSpec, hint: Hint | None) -> None:
    """`AllocatePod`: one pod bubble of memory, partitioned among the containers."""
    if not mgr.static or not pod_level_managers(mgr.config, pod) or not mgr.guaranteed(pod):
        return
    total = mgr.pod_requests(pod)
    problem = validate_pod_scope(mgr, pod)
    if problem is not None:
        raise AdmissionError(EMPTY_POD_SHARED_POOL_ERROR, problem)
    nodes = mgr.resolve_hint(pod, hint, total)
    affinity = tuple(nodes)

    def blocks_of(amounts: Mapping[str, int]) -> list[MemoryBlock]:
        return [MemoryBlock(affinity, n, s) for n, s in amounts.items() if s > 0]

    exclusive: dict[str, list[MemoryBlock]] = {}
    sidecars: Requests = {}
    for c in pod.init_containers:
        reqs = mgr.container_requests(pod, c)
        if not reqs:
            if c.restartable:
                continue
            pool = {n: (t - sidecars.get(n, 0)) % U64 for n, t in total.items()}
            exclusive[c.name] = blocks_of(pool)
            continue
        exclusive[c.name] = blocks_of(reqs)
        if c.restartable:
            for n, q in reqs.items():
                sidecars[n] = sidecars.get(n, 0) + q
    shared = {n: (t - sidecars.get(n, 0)) % U64 for n, t in total.items()}
    for c in pod.containers:
        reqs = mgr.container_requests(pod, c)
        if not reqs:
            continue
        for n, q in reqs.items():
            if q > 0:
                shared[n] = (shared.get(n, 0) - q) % U64
        exclusive[c.name] = blocks_of(reqs)
    shared_blocks = blocks_of(shared)
    mgr.pod_memory[pod.key] = [MemoryBlock(affinity, n, s) for n, s in total.items()]
    for n, s in total.items():
        charge(mgr.machine, nodes, n, s)
    entries = mgr.entries(pod.key)
    for c in pod.all_containers:
        entries[c.name] = exclusive.get(c.name, shared_blocks)
