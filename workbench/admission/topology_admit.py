"""The topology manager's admit handler: drive the hint providers in the kubelet's order.

Reproduces `topologymanager` `scope_none.go` / `scope_container.go` / `scope_pod.go` (including
the pod-level resource managers path of KEP-5526) over working copies of the CPU, memory and
device managers built from the node's checkpoint state. This is the handler the kubelet calls
`GetAllocateResourcesPodAdmitHandler`; it runs before the resource-fit handler (`resource_fit`).
Nothing here does I/O; the managers and the merge live in their own modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from workbench.admission.decision import Hint, ProviderHints
from workbench.admission.errors import (
    TOPOLOGY_AFFINITY_ERROR,
    UNEXPECTED_ADMISSION_ERROR,
    AdmissionError,
)
from workbench.admission.gates import pod_level_managers
from workbench.admission.hint_list import frozen
from workbench.admission.merge import MAX_ALLOWABLE_NUMA_NODES, merge_hints, numa_limit_error, policy_admits
from workbench.admission.provider import HintMap, HintProvider
from workbench.admission.start_cache import working_managers
from workbench.errors import InputError
from workbench.kube.model import Container, NodeConfig, NodeState, PodSpec
from workbench.record import EMPTY, MutableRecord, replace
from workbench.topology.model import Topology

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any

# `kubelet.rejectPod` prefixes every admission failure in the pod status.
REJECTED_PREFIX = "Pod was rejected: "
# `TopologyAffinityError.Error()` on the classic paths.
TOPOLOGY_AFFINITY_MESSAGE = "Resources cannot be allocated with Topology locality"
# The pod-level path's error (scope pod + pod-level resource managers), as the 1.37 docs show it.
POD_LEVEL_TOPOLOGY_AFFINITY_MESSAGE = (
    "Pod Scope pod with pod-level resources failed admission under pod-scope topology manager"
)


class Trace(MutableRecord):
    """What the topology manager saw, kept for the explanation."""

    providers: ProviderHints
    hint: Hint | None
    # scope container: per container name
    per_container: dict[str, tuple[ProviderHints, Hint]]
    # the container whose hints explain the verdict (scope container)
    focus: str | None
    # the container being merged or allocated when admission stopped
    current: str

    __slots__ = _fields = ("providers", "hint", "per_container", "focus", "current")

    def __init__(
        self,
        providers: ProviderHints = EMPTY,
        hint: Hint | None = None,
        per_container: dict[str, tuple[ProviderHints, Hint]] | None = None,
        focus: str | None = None,
        current: str = "",
    ) -> None:
        self.providers = providers
        self.hint = hint
        self.per_container = {} if per_container is None else per_container
        self.focus = focus
        self.current = current


class Rejected(Exception):
    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(message)


# ---- configuration -------------------------------------------------------------------


def check_numa_limit(topology: Topology, config: NodeConfig) -> None:
    """The kubelet refuses to start a topology manager on more NUMA nodes than allowed."""

    if config.topology_manager_policy == "none":
        return
    problem = numa_limit_error(topology.numa_ids, config.topology_manager_policy_options)
    if problem:
        raise InputError(
            f"{problem} (this node has {len(topology.numa_ids)}): the kubelet would not start",
            source=config.source,
            field="topologyManagerPolicyOptions",
            fix=f'set {MAX_ALLOWABLE_NUMA_NODES}: "{len(topology.numa_ids)}" or topologyManagerPolicy: none',
        )


def _distances(topology: Topology) -> dict[int, dict[int, int]]:
    return {n.id: dict(n.distances) for n in topology.numa_nodes if n.distances}


# ---- the managers ------------------------------------------------------------------------


class Managers(MutableRecord):
    """Working copies of the hint providers, in the kubelet's registration order."""

    devices: Any
    cpu: Any
    memory: Any
    # the start-up findings of the state they were started from (`start_cache`); None: not known
    problems: tuple[str, ...] | None

    __slots__ = _fields = ("devices", "cpu", "memory", "problems")

    def __init__(self, devices: Any, cpu: Any, memory: Any, problems: tuple[str, ...] | None = None) -> None:
        self.devices = devices
        self.cpu = cpu
        self.memory = memory
        self.problems = problems

    @property
    def providers(self) -> tuple[HintProvider, ...]:
        # container_manager_linux.go registers the device manager, then CPU, then memory.
        return (self.devices, self.cpu, self.memory)

    def export(self, state: NodeState) -> NodeState:
        for p in self.providers:
            state = p.export(state)
        return state


def build_managers(topology: Topology, config: NodeConfig, state: NodeState) -> Managers:
    """Working copies of the managers started from `state` (the start is kept: `start_cache`)."""
    devices, cpu, memory, problems = working_managers(topology, config, state)
    return Managers(devices=devices, cpu=cpu, memory=memory, problems=problems)


def _freeze(hints: HintMap | None) -> Mapping[str, Sequence[Hint] | None]:
    if not hints:
        return MappingProxyType({})
    return MappingProxyType({r: (None if h is None else frozen(h)) for r, h in hints.items()})


class _TopologyManager:
    def __init__(self, topology: Topology, config: NodeConfig, managers: Managers) -> None:
        self.policy = config.topology_manager_policy
        self.numa_nodes = list(topology.numa_ids)
        self.options = config.topology_manager_policy_options
        self.distances = _distances(topology)
        self.managers = managers

    def merge(self, hints: ProviderHints) -> Hint:
        merged: Hint = merge_hints(
            list(hints.values()),
            policy=self.policy,
            numa_nodes=self.numa_nodes,
            options=self.options or None,
            distances=self.distances or None,
        )
        return merged

    def admits(self, hint: Hint) -> bool:
        ok: bool = policy_admits(self.policy, hint)
        return ok

    def container_hints(self, pod: PodSpec, c: Container) -> ProviderHints:
        return MappingProxyType({p.name: _freeze(p.container_hints(pod, c)) for p in self.managers.providers})

    def pod_hints(self, pod: PodSpec) -> ProviderHints:
        return MappingProxyType({p.name: _freeze(p.pod_hints(pod)) for p in self.managers.providers})


def _allocate(
    providers: Sequence[HintProvider], pod: PodSpec, c: Container, hint: Hint | None, trace: Trace
) -> None:
    trace.current = c.name
    for p in providers:
        p.allocate(pod, c, hint)


def run_admit_handler(
    topology: Topology, config: NodeConfig, managers: Managers, pod: PodSpec, trace: Trace
) -> None:
    """Admit or raise `Rejected`/`AdmissionError`; mutates the managers."""
    providers = managers.providers
    if config.topology_manager_policy == "none":
        # scope_none.go: no hints, no pod-level path; every container through Allocate.
        for c in pod.all_containers:
            _allocate(providers, pod, c, None, trace)
        return
    tm = _TopologyManager(topology, config, managers)
    if config.topology_manager_scope == "pod":
        hints = tm.pod_hints(pod)
        best = tm.merge(hints)
        trace.providers, trace.hint = hints, best
        pod_level = pod_level_managers(config, pod)
        if not tm.admits(best):
            msg = POD_LEVEL_TOPOLOGY_AFFINITY_MESSAGE if pod_level else TOPOLOGY_AFFINITY_MESSAGE
            raise Rejected(TOPOLOGY_AFFINITY_ERROR, msg)
        if pod_level:
            for p in providers:
                p.allocate_pod(pod, best)
        else:
            for c in pod.all_containers:
                _allocate(providers, pod, c, best, trace)
        return
    # scope container: each container merged and allocated in turn, init containers first.
    for c in pod.all_containers:
        trace.current = c.name
        hints = tm.container_hints(pod, c)
        best = tm.merge(hints)
        trace.per_container[c.name] = (hints, best)
        if trace.focus is None and _has_opinion(hints):
            trace.focus = c.name
        if not tm.admits(best):
            trace.focus = c.name
            raise Rejected(TOPOLOGY_AFFINITY_ERROR, TOPOLOGY_AFFINITY_MESSAGE)
        _allocate(providers, pod, c, best, trace)


def _has_opinion(hints: ProviderHints) -> bool:
    return any(h is not None for per in hints.values() for h in per.values())


def kubelet_message(err: AdmissionError) -> tuple[str, str]:
    """`admission.GetPodAdmitResult`: errors without a kubelet type are wrapped as unexpected."""
    msg = err.message
    if err.reason == UNEXPECTED_ADMISSION_ERROR and not msg.startswith("Allocate failed due to"):
        msg = f"Allocate failed due to {msg}, which is unexpected"
    return err.reason, msg


def explained(trace: Trace, *, failed: bool = False) -> tuple[ProviderHints, Hint | None]:
    """The hints that explain the verdict: under scope container, the container whose merge or
    allocation failed (else the first that had an opinion); otherwise the one pod-wide merge."""
    if trace.per_container:
        name = trace.current if failed and trace.current in trace.per_container else None
        name = name or trace.focus or next(reversed(trace.per_container))
        return trace.per_container[name]
    return trace.providers, trace.hint


def release(topology: Topology, config: NodeConfig, state: NodeState, pod_key: str) -> NodeState:
    """The node state after every container of the pod is removed (its CPUs, memory, devices freed)."""
    managers = build_managers(topology, config, state)
    for p in managers.providers:
        p.remove_pod(pod_key)
    after = managers.export(state)
    if pod_key in after.pods:
        pods = {k: v for k, v in after.pods.items() if k != pod_key}
        after = replace(after, pods=MappingProxyType(pods))
    return after
