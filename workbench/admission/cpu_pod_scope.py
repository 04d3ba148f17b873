"""The pod-level path of the CPU manager's static policy (KEP-5526, `policy_static.go`).

`validatePodScopeResources` checks that the pod budget leaves CPUs for every container that
shares the pod pool; `AllocatePod` takes the pod bubble on the hinted NUMA nodes and partitions
it: exclusive CPUs for init containers (sidecars keep theirs), then for app containers, and the
rest is the pod shared pool every other container runs on.
"""

from __future__ import annotations

from workbench.admission.cpu_state import CPUState
from workbench.admission.decision import Hint
from workbench.admission.errors import EMPTY_POD_SHARED_POOL_ERROR, AdmissionError
from workbench.kube.model import Container, PodSpec
from workbench.topology.cpuset import CPUSet

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Protocol
else:
    Protocol = object  # the protocol is for mypy; at run time a plain base


class PodScopePolicy(Protocol):
    """What the pod-level path uses of `StaticPolicy`."""

    state: CPUState

    def guaranteed_cpus(self, pod: PodSpec, container: Container) -> int: ...

    def pod_guaranteed_cpus(self, pod: PodSpec) -> int: ...

    def enforce_smt_alignment(self, n: int) -> None: ...

    def allocate_cpus(self, n: int, numa: frozenset[int] | None, reusable: CPUSet) -> CPUSet: ...

    def take(self, available: CPUSet, count: int) -> CPUSet: ...


def validate_pod_scope_resources(policy: PodScopePolicy, pod: PodSpec) -> str | None:
    """`validatePodScopeResources`: the kubelet's message when the pod shared pool would be empty."""
    total = policy.pod_guaranteed_cpus(pod)
    has_shared = False
    long_running = 0
    for c in pod.init_containers:
        n = policy.guaranteed_cpus(pod, c)
        if not c.restartable:
            if n > 0:
                pool = total - long_running
                if n > pool:
                    return (
                        f"pod rejected, largest exclusive init container requests {n} cpus, "
                        f"but only {pool} available"
                    )
            elif long_running >= total:
                return "pod rejected, pod has shared init containers but no cpus available for them"
            continue
        if n == 0:
            has_shared = True
            continue
        long_running += n
    for c in pod.containers:
        n = policy.guaranteed_cpus(pod, c)
        if n == 0:
            has_shared = True
            continue
        long_running += n
    if has_shared and long_running >= total:
        return (
            "pod rejected, sum of exclusive container cpu requests equals pod budget, "
            "leaving no cpus for shared containers"
        )
    return None

def allocate_pod(policy: PodScopePolicy, pod: PodSpec, hint: Hint | None) -> None:
    """`AllocatePod`: the pod bubble, partitioned into exclusive CPUs and the pod shared pool."""
    total = policy.pod_guaranteed_cpus(pod)
    if total == 0:
        return
    problem = validate_pod_scope_resources(policy, pod)
    if problem is not None:
        raise AdmissionError(EMPTY_POD_SHARED_POOL_ERROR, problem)
    policy.enforce_smt_alignment(total)
    numa = hint.mask if hint is not None else None
    bubble = policy.allocate_cpus(total, numa, CPUSet())
    policy.state.pod_cpusets[pod.key] = bubble
    own: dict[str, CPUSet] = {}
    sidecars = CPUSet()
    for c in pod.init_containers:
        n = policy.guaranteed_cpus(pod, c)
        if n > 0:
            cset = policy.take(bubble - sidecars, n)
            own[c.name] = cset
            if c.restartable:
                sidecars = sidecars | cset
        elif not c.restartable:
            own[c.name] = bubble - sidecars
    shared = bubble - sidecars
    for c in pod.containers:
        n = policy.guaranteed_cpus(pod, c)
        if n > 0:
            cset = policy.take(shared, n)
            own[c.name] = cset
            shared = shared - cset
    for c in pod.all_containers:
        policy.state.set(pod.key, c.name, own.get(c.name, shared))
