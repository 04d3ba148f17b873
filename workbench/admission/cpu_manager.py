"""The kubelet's CPU manager as a hint provider: policy `none` or `static`, from a node's state.

Built from a topology, the kubelet configuration and the CPU checkpoint (`NodeState`), it answers
what the topology manager and the cgroup plan ask: NUMA hints, exclusive CPUs per container, the
pod bubble, the shared pool, and each container's isolation level (which decides whether its CFS
quota is disabled). `export` writes the result back into a `NodeState`.
"""

from __future__ import annotations

from types import MappingProxyType

from workbench.admission.cpu_options import CPUPolicyError
from workbench.admission.cpu_static_policy import CPUState, StaticPolicy
from workbench.admission.cpu_validate_state import policy_mismatch
from workbench.admission.decision import Hint, Isolation
from workbench.admission.gates import (
    CPU_MANAGER_POLICY_ALPHA_OPTIONS,
    CPU_MANAGER_POLICY_BETA_OPTIONS,
    POD_LEVEL_RESOURCE_MANAGERS,
    POD_LEVEL_RESOURCES,
    gate,
)
from workbench.admission.provider import HintMap
from workbench.errors import InputError
from workbench.kube.model import CPU, Container, NodeConfig, NodeState, PodSpec
from workbench.kube.qos import container_guaranteed_equivalent
from workbench.kube.reservation import reserved_cpu_count
from workbench.record import replace
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Literal

_GATES = (
    POD_LEVEL_RESOURCES,
    POD_LEVEL_RESOURCE_MANAGERS,
    CPU_MANAGER_POLICY_ALPHA_OPTIONS,
    CPU_MANAGER_POLICY_BETA_OPTIONS,
)


def qualifies_for_exclusive_cpus(container: Container) -> bool:
    """`resourcesQualifyForExclusiveCPUs`: Guaranteed-equivalent with an integral CPU limit."""
    if not container_guaranteed_equivalent(container):
        return False
    return container.resources.limits.get(CPU, 0) % 1000 == 0


class CPUManager:
    """`HintProvider` "cpu": a mutable working copy of the CPU manager for one admission."""

    name = "cpu"

    def __init__(self, topology: Topology, config: NodeConfig, state: NodeState) -> None:
        self.topology = topology
        self.config = config
        self.policy_name: Literal["none", "static"] = config.cpu_manager_policy
        self.gates = {g: gate(config, g) for g in _GATES}
        # Reasons the kubelet would refuse to start with this state (the preview goes on anyway).
        self.problems: list[str] = []
        self._static: StaticPolicy | None = None
        # the state this manager started from: its entries stand for the pods a working copy
        # has not changed (`CPUState.shared`)
        self._origin = state
        if self.policy_name == "static":
            self._static = self._new_static_policy()
            self._load(state)
        else:
            mismatch = policy_mismatch(self.policy_name, state.cpu_policy)
            self.problems.extend([mismatch] if mismatch else [])

    def working_copy(self) -> CPUManager:
        """A manager for one more admission from this started one, which must not change after
        (how `start_cache` hands out one start to many admissions)."""
        new = object.__new__(CPUManager)
        new.__dict__.update(self.__dict__)
        new.problems = list(self.problems)
        new._static = None if self._static is None else self._static.working_copy()
        return new

    # ---- construction --------------------------------------------------------------------
    def _new_static_policy(self) -> StaticPolicy:
        config = self.config
        count = reserved_cpu_count(config)
        if count == 0:
            raise InputError(
                "the static policy requires systemreserved.cpu + kubereserved.cpu to be greater than zero",
                source=config.source,
                field="cpuManagerPolicy",
                fix="reserve CPUs with systemReserved/kubeReserved cpu or reservedSystemCPUs",
            )
        try:
            return StaticPolicy(
                self.topology,
                count,
                config.reserved_system_cpus or CPUSet(),
                config.cpu_manager_policy_options,
                topology_policy=config.topology_manager_policy,
                gates=self.gates,
            )
        except CPUPolicyError as err:
            raise InputError(
                err.message,
                source=config.source,
                field="cpuManagerPolicyOptions",
                fix="the kubelet would refuse to start with this CPU manager configuration",
            ) from None

    def _load(self, state: NodeState) -> None:
        policy = self._static
        assert policy is not None
        mismatch = policy_mismatch(self.policy_name, state.cpu_policy)
        if mismatch:
            self.problems.append(mismatch)
            policy.start(CPUState())
            return
        loaded = CPUState(
            state.default_cpuset or CPUSet(),
            {pod: dict(entries) for pod, entries in state.cpu_assignments.items()},
            dict(state.pod_cpusets),
        )
        try:
            # start() raises before it changes the state it is given, so `loaded` is still the
            # checkpoint on the refusal path below: no second copy of every assignment
            policy.start(loaded)
        except CPUPolicyError as err:
            # The kubelet would not start; keep what the node runs so the preview still accounts for it.
            self.problems.append(err.message)
            if not loaded.default:
                used: set[int] = set()
                for entries in loaded.assignments.values():
                    for cpus in entries.values():
                        used.update(cpus)
                for cpus in loaded.pod_cpusets.values():
                    used.update(cpus)
                base = policy.all_cpus
                if policy.opts.strict_cpu_reservation:
                    base = base - policy.reserved
                loaded.default = base - used
            policy.state = loaded

    # ---- queries -------------------------------------------------------------------------
    @property
    def static(self) -> StaticPolicy | None:
        return self._static

    @property
    def reserved(self) -> CPUSet:
        return self._static.reserved if self._static else CPUSet()

    @property
    def default_cpuset(self) -> CPUSet:
        """The node shared pool now (every CPU under policy `none`)."""
        if self._static is None:
            return self.topology.all_cpus
        return self._static.state.default

    def container_cpus(self, pod: PodSpec, container: Container) -> CPUSet | None:
        """The container's own cpuset entry; None means it runs in the node shared pool."""
        if self._static is None:
            return None
        return self._static.state.get(pod.key, container.name)

    def pod_cpus(self, pod: PodSpec) -> CPUSet | None:
        """The pod bubble (pod scope with pod-level resource managers), if any."""
        if self._static is None:
            return None
        return self._static.state.pod_cpusets.get(pod.key)

    def isolation(self, pod: PodSpec, container: Container) -> Isolation:
        """`GetResourceIsolationLevel`: host (node pool), pod (pod shared pool) or container."""
        if self.container_cpus(pod, container) is None:
            return "host"
        if (
            self.gates[POD_LEVEL_RESOURCE_MANAGERS]
            and pod.has_pod_level_resources
            and not qualifies_for_exclusive_cpus(container)
        ):
            return "pod"
        return "container"

    def guaranteed_cpus(self, pod: PodSpec, container: Container) -> int:
        return self._static.guaranteed_cpus(pod, container) if self._static else 0

    def pod_guaranteed_cpus(self, pod: PodSpec) -> int:
        return self._static.pod_guaranteed_cpus(pod) if self._static else 0

    # ---- HintProvider ----------------------------------------------------------------------
    def container_hints(self, pod: PodSpec, container: Container) -> HintMap | None:
        return self._static.container_hints(pod, container) if self._static else None

    def pod_hints(self, pod: PodSpec) -> HintMap | None:
        return self._static.pod_hints(pod) if self._static else None

    def allocate(self, pod: PodSpec, container: Container, hint: Hint | None) -> None:
        if self._static:
            self._static.allocate(pod, container, hint)

    def allocate_pod(self, pod: PodSpec, hint: Hint | None) -> None:
        if self._static:
            self._static.allocate_pod(pod, hint)

    def remove_container(self, pod_key: str, container: str) -> None:
        if self._static:
            self._static.remove_container(pod_key, container)

    def remove_pod(self, pod_key: str) -> None:
        """Remove every container of the pod, in entry order, as the kubelet does one by one."""
        policy = self._static
        if policy is None:
            return
        for name in list(policy.state.assignments.get(pod_key, {})):
            policy.remove_container(pod_key, name)
        bubble = policy.state.pod_cpusets.pop(pod_key, None)
        if bubble is not None:
            policy.state.default = policy.state.default | bubble
        policy.cpus_to_reuse.pop(pod_key, None)

    def export(self, state: NodeState) -> NodeState:
        if self._static is None:
            # policy none keeps no assignments and writes an empty defaultCpuSet
            return replace(
                state,
                cpu_policy="none",
                default_cpuset=CPUSet(),
                cpu_assignments=MappingProxyType({}),
                pod_cpusets=MappingProxyType({}),
            )
        s = self._static.state
        origin = self._origin.cpu_assignments
        return replace(
            state,
            cpu_policy="static",
            default_cpuset=s.default,
            cpu_assignments=MappingProxyType(
                {
                    pod: origin[pod] if s.shared(pod) else MappingProxyType(dict(entries))
                    for pod, entries in s.assignments.items()
                }
            ),
            pod_cpusets=MappingProxyType(dict(s.pod_cpusets)),
        )
