"""The topology manager's admit handler: drive the hint providers in the kubelet's order.

`admit` reproduces `topologymanager` `scope_none.go` / `scope_container.go` / `scope_pod.go`
(including the pod-level resource managers path of KEP-5526) over working copies of the CPU,
memory and device managers built from the node's checkpoint state, then reads back where every
container landed. Nothing here does I/O; the managers and the merge live in their own modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from workbench.admission import quota
from workbench.admission.decision import ContainerPlacement, Decision, Hint, PodPlacement, ProviderHints
from workbench.admission.errors import (
    TOPOLOGY_AFFINITY_ERROR,
    UNEXPECTED_ADMISSION_ERROR,
    AdmissionError,
)
from workbench.admission.gates import POD_LEVEL_RESOURCES, gate, pod_level_managers
from workbench.admission.hint_list import frozen
from workbench.admission.provider import HintMap, HintProvider
from workbench.errors import InputError
from workbench.kube.model import Container, NodeConfig, NodeState, PodInfo, PodSpec
from workbench.kube.qos import pod_qos
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology

# `kubelet.rejectPod` prefixes every admission failure in the pod status.
REJECTED_PREFIX = "Pod was rejected: "
# `TopologyAffinityError.Error()` on the classic paths.
TOPOLOGY_AFFINITY_MESSAGE = "Resources cannot be allocated with Topology locality"
# The pod-level path's error (scope pod + pod-level resource managers), as the 1.37 docs show it.
POD_LEVEL_TOPOLOGY_AFFINITY_MESSAGE = (
    "Pod Scope pod with pod-level resources failed admission under pod-scope topology manager"
)


@dataclass
class _Trace:
    """What the topology manager saw, kept for the explanation."""

    providers: ProviderHints = field(default_factory=lambda: MappingProxyType({}))
    hint: Hint | None = None
    # scope container: per container name
    per_container: dict[str, tuple[ProviderHints, Hint]] = field(default_factory=dict)
    # the container whose hints explain the verdict (scope container)
    focus: str | None = None
    # the container being merged or allocated when admission stopped
    current: str = ""


class _Rejected(Exception):
    def __init__(self, reason: str, message: str) -> None:
        self.reason = reason
        self.message = message
        super().__init__(message)


# ---- configuration -------------------------------------------------------------------


def _check_numa_limit(topology: Topology, config: NodeConfig) -> None:
    """The kubelet refuses to start a topology manager on more NUMA nodes than allowed."""
    from workbench.admission.merge import MAX_ALLOWABLE_NUMA_NODES, numa_limit_error

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


@dataclass
class Managers:
    """Working copies of the hint providers, in the kubelet's registration order."""

    devices: Any
    cpu: Any
    memory: Any

    @property
    def providers(self) -> tuple[HintProvider, ...]:
        # container_manager_linux.go registers the device manager, then CPU, then memory.
        return (self.devices, self.cpu, self.memory)

    def export(self, state: NodeState) -> NodeState:
        for p in self.providers:
            state = p.export(state)
        return state


def build_managers(topology: Topology, config: NodeConfig, state: NodeState) -> Managers:
    from workbench.admission.cpu_manager import CPUManager
    from workbench.admission.device_manager import DeviceManager
    from workbench.admission.memory_manager import MemoryManager

    return Managers(
        devices=DeviceManager(topology, state),
        cpu=CPUManager(topology, config, state),
        memory=MemoryManager(topology, config, state),
    )


def _freeze(hints: HintMap | None) -> Mapping[str, Sequence[Hint] | None]:
    if not hints:
        return MappingProxyType({})
    return MappingProxyType({r: (None if h is None else frozen(h)) for r, h in hints.items()})


class _TopologyManager:
    def __init__(self, topology: Topology, config: NodeConfig, managers: Managers) -> None:
        from workbench.admission import merge

        self._merge = merge
        self.policy = config.topology_manager_policy
        self.numa_nodes = list(topology.numa_ids)
        self.options = config.topology_manager_policy_options
        self.distances = _distances(topology)
        self.managers = managers

    def merge(self, hints: ProviderHints) -> Hint:
        merged: Hint = self._merge.merge_hints(
            list(hints.values()),
            policy=self.policy,
            numa_nodes=self.numa_nodes,
            options=self.options or None,
            distances=self.distances or None,
        )
        return merged

    def admits(self, hint: Hint) -> bool:
        ok: bool = self._merge.policy_admits(self.policy, hint)
        return ok

    def container_hints(self, pod: PodSpec, c: Container) -> ProviderHints:
        return MappingProxyType({p.name: _freeze(p.container_hints(pod, c)) for p in self.managers.providers})

    def pod_hints(self, pod: PodSpec) -> ProviderHints:
        return MappingProxyType({p.name: _freeze(p.pod_hints(pod)) for p in self.managers.providers})


def _allocate(
    providers: Sequence[HintProvider], pod: PodSpec, c: Container, hint: Hint | None, trace: _Trace
) -> None:
    trace.current = c.name
    for p in providers:
        p.allocate(pod, c, hint)


def _run(topology: Topology, config: NodeConfig, managers: Managers, pod: PodSpec, trace: _Trace) -> None:
    """Admit or raise `_Rejected`/`AdmissionError`; mutates the managers."""
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
            raise _Rejected(TOPOLOGY_AFFINITY_ERROR, msg)
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
            raise _Rejected(TOPOLOGY_AFFINITY_ERROR, TOPOLOGY_AFFINITY_MESSAGE)
        _allocate(providers, pod, c, best, trace)


def _has_opinion(hints: ProviderHints) -> bool:
    return any(h is not None for per in hints.values() for h in per.values())


def _kubelet_message(err: AdmissionError) -> tuple[str, str]:
    """`admission.GetPodAdmitResult`: errors without a kubelet type are wrapped as unexpected."""
    msg = err.message
    if err.reason == UNEXPECTED_ADMISSION_ERROR and not msg.startswith("Allocate failed due to"):
        msg = f"Allocate failed due to {msg}, which is unexpected"
    return err.reason, msg


# ---- reading the placement back ------------------------------------------------------------


def memory_nodes(topology: Topology) -> CPUSet:
    """NUMA nodes that hold memory: what cpuset.mems is when nothing pins memory."""
    with_mem = [n.id for n in topology.numa_nodes if n.memory_bytes > 0]
    return CPUSet(with_mem) if with_mem else CPUSet(topology.numa_ids)


def _node_shared_pool(topology: Topology, config: NodeConfig, managers: Managers) -> CPUSet:
    if config.cpu_manager_policy != "static":
        return topology.all_cpus
    default: CPUSet = managers.cpu.default_cpuset
    return default


def _placements(
    topology: Topology, config: NodeConfig, managers: Managers, pod: PodSpec, trace: _Trace, qos: str
) -> tuple[tuple[ContainerPlacement, ...], PodPlacement]:
    cpu, mem = managers.cpu, managers.memory
    shared = _node_shared_pool(topology, config, managers)
    all_mems = memory_nodes(topology)
    out: list[ContainerPlacement] = []
    for c in pod.all_containers:
        iso = cpu.isolation(pod, c)
        cpus = cpu.container_cpus(pod, c)
        if cpus is None:
            cpus = shared
        mems = mem.container_mems(pod, c)
        blocks = tuple(mem.container_blocks(pod, c) or ())
        hints, hint = trace.per_container.get(c.name, (MappingProxyType({}), None))
        out.append(
            ContainerPlacement(
                name=c.name,
                kind=c.kind,
                cpus=cpus,
                mems=mems if mems else all_mems,
                isolation=iso,
                cpu_max=quota.container_cpu_max(config, pod, c, iso),
                memory_max=quota.container_memory_max(config, pod, c),
                # an exclusive container's own entry is exactly its guaranteed CPUs
                exclusive_cpus=len(cpus) if iso == "container" else 0,
                memory_blocks=blocks,
                hint=hint,
                providers=hints,
            )
        )
    bubble = cpu.pod_cpus(pod)
    shared_pool = CPUSet()
    if bubble:
        exclusive = CPUSet().union(*(p.cpus for p in out if p.isolation == "container" and p.kind != "init"))
        shared_pool = bubble.difference(exclusive)
    pod_blocks = tuple(mem.pod_blocks(pod) or ())
    pod_mems = CPUSet(n for b in pod_blocks for n in b.numa_affinity) if pod_blocks else all_mems
    placement = PodPlacement(
        cpus=bubble or CPUSet(),
        shared_pool=shared_pool,
        mems=pod_mems,
        cpu_max=quota.pod_cpu_max(config, pod, (p.isolation for p in out), qos=qos),
        memory_max=quota.pod_memory_max(config, pod, qos=qos),
        memory_blocks=pod_blocks,
    )
    return tuple(out), placement


def _record_pod(state: NodeState, pod: PodSpec) -> NodeState:
    pods = dict(state.pods)
    pods[pod.key] = PodInfo(uid=pod.key, name=pod.name, namespace=pod.namespace)
    return replace(state, pods=MappingProxyType(pods))


# ---- public API ------------------------------------------------------------------------------


def admit(
    topology: Topology, config: NodeConfig, state: NodeState, pod: PodSpec, *, advise: bool = True
) -> Decision:
    """What the kubelet would decide for `pod` on this node, and where everything would land.

    `advise=False` skips the what-if search behind `Decision.advice` (the TUI's fast path).
    """
    _check_numa_limit(topology, config)
    managers = build_managers(topology, config, state)
    trace = _Trace()
    qos = pod_qos(pod, pod_level_resources_gate=gate(config, POD_LEVEL_RESOURCES))
    shared_before = _node_shared_pool(topology, config, managers)
    warnings = _state_problems(state, managers)
    try:
        _run(topology, config, managers, pod, trace)
    except (_Rejected, AdmissionError) as err:
        if isinstance(err, AdmissionError):
            reason, message = _kubelet_message(err)
        else:
            reason, message = err.reason, err.message
        providers, hint = _explained(trace)
        decision = Decision(
            admitted=False,
            reason=reason,
            message=REJECTED_PREFIX + message,
            policy=config.topology_manager_policy,
            scope=config.topology_manager_scope,
            pod_key=pod.key,
            hint=hint,
            providers=providers,
            default_cpuset=shared_before,
            qos_class=qos,
            state_after=state,
            failed_container=trace.current,
            advice=warnings,
        )
        if advise:
            from workbench.admission.advice import advise as make_advice

            decision = replace(decision, advice=make_advice(topology, config, state, pod, decision))
        return decision
    containers, placement = _placements(topology, config, managers, pod, trace, qos)
    providers, hint = _explained(trace)
    decision = Decision(
        admitted=True,
        reason="",
        message="",
        policy=config.topology_manager_policy,
        scope=config.topology_manager_scope,
        pod_key=pod.key,
        hint=hint,
        providers=providers,
        pod=placement,
        containers=containers,
        default_cpuset=_node_shared_pool(topology, config, managers),
        qos_class=qos,
        state_after=_record_pod(managers.export(state), pod),
        advice=warnings,
    )
    if advise:
        from workbench.admission.advice import notes

        decision = replace(decision, advice=warnings + notes(config, pod, decision))
    return decision


def _state_problems(state: NodeState, managers: Managers) -> tuple[str, ...]:
    """Checkpoint problems the kubelet would refuse to start with (the preview carries on)."""
    seen: list[str] = []
    for problem in (*state.problems, *getattr(managers.cpu, "problems", ())):
        if problem not in seen:
            seen.append(problem)
    return tuple(f"checkpoint problem: {p}" for p in seen)


def _explained(trace: _Trace) -> tuple[ProviderHints, Hint | None]:
    if trace.per_container:
        name = trace.focus or next(reversed(trace.per_container))
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
