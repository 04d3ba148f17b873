"""The kubelet's pod admission, handler by handler, as one `Decision` (no advice).

`kubelet.go` registers the admit handlers in this order and `canAdmitPod` stops at the first
that rejects: the resource managers' handler (`GetAllocateResourcesPodAdmitHandler`: topology,
CPU, memory and device managers, `topology_admit`), then the predicate handler whose resource
fit (`resource_fit`) rejects `OutOf<resource>`. So a pod the topology manager refuses is
reported as such even when it would not fit either, and the fit is decided only for pods the
managers admit; the preview still shows the fit arithmetic in every case.
"""

from __future__ import annotations

from workbench.admission.decision import Decision
from workbench.admission.errors import AdmissionError
from workbench.admission.gates import POD_LEVEL_RESOURCES, gate
from workbench.admission.kep_deviations import memory_manager_shared_container
from workbench.admission.node_allocatable import node_allocatable
from workbench.admission.placement import node_shared_pool, placements, record_pod
from workbench.admission.pod_requests import pod_requests
from workbench.admission.resource_fit import ResourceFit, resource_fit
from workbench.admission.startup_state import manager_problems
from workbench.admission.topology_admit import (
    REJECTED_PREFIX,
    Managers,
    Rejected,
    Trace,
    build_managers,
    check_numa_limit,
    explained,
    kubelet_message,
    run_admit_handler,
)
from workbench.kube.model import NodeConfig, NodeState, PodSpec
from workbench.kube.qos import pod_qos
from workbench.record import replace
from workbench.topology.model import Topology


def _fit(
    topology: Topology, config: NodeConfig, state: NodeState, managers: Managers, pod: PodSpec
) -> ResourceFit:
    devices = managers.devices.plugin_capacity()
    node = node_allocatable(topology, config, devices)
    return resource_fit(_requests(config, pod), state, node, pod.key)


def _requests(config: NodeConfig, pod: PodSpec) -> dict[str, int]:
    return pod_requests(pod, pod_level_resources=gate(config, POD_LEVEL_RESOURCES))


def _state_problems(state: NodeState, managers: Managers) -> tuple[str, ...]:
    """Checkpoint problems the kubelet would refuse to start with (the preview carries on)."""
    seen: list[str] = []
    for problem in (*state.problems, *manager_problems(managers)):
        if problem not in seen:
            seen.append(problem)
    return tuple(f"checkpoint problem: {p}" for p in seen)


def decide(topology: Topology, config: NodeConfig, state: NodeState, pod: PodSpec) -> Decision:
    """What the kubelet would decide for `pod` on this node, and where everything would land."""
    check_numa_limit(topology, config)
    managers = build_managers(topology, config, state)
    trace = Trace()
    qos = pod_qos(pod, pod_level_resources_gate=gate(config, POD_LEVEL_RESOURCES))
    shared_before = node_shared_pool(topology, config, managers)
    fit = _fit(topology, config, state, managers, pod)
    base = Decision(
        admitted=False,
        reason="",
        message="",
        policy=config.topology_manager_policy,
        scope=config.topology_manager_scope,
        pod_key=pod.key,
        hint=None,
        default_cpuset=shared_before,
        qos_class=qos,
        state_after=state,
        advice=_state_problems(state, managers),
        fit=fit,
    )
    try:
        run_admit_handler(topology, config, managers, pod, trace)
    except (Rejected, AdmissionError) as err:
        if isinstance(err, AdmissionError):
            reason, message = kubelet_message(err)
        else:
            reason, message = err.reason, err.message
        providers, hint = explained(trace, failed=True)
        return replace(
            base,
            reason=reason,
            message=REJECTED_PREFIX + message,
            hint=hint,
            providers=providers,
            failed_container=trace.current,
            deviation=memory_manager_shared_container(config, pod, trace.current, message),
        )
    providers, hint = explained(trace)
    if not fit.fits:
        first = fit.insufficient[0]
        return replace(
            base, reason=first.reason, message=REJECTED_PREFIX + first.message, hint=hint, providers=providers
        )
    containers, placement = placements(topology, config, managers, pod, trace, qos)
    return replace(
        base,
        admitted=True,
        hint=hint,
        providers=providers,
        pod=placement,
        containers=containers,
        default_cpuset=node_shared_pool(topology, config, managers),
        state_after=record_pod(managers.export(state), pod, _requests(config, pod)),
    )
