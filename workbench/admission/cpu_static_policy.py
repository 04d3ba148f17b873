"""The CPU manager `static` policy, rule for rule as kubernetes `cpumanager/policy_static.go`.

Kept close to the Go structure (`NewStaticPolicy`, `Start`/`validateState`, `Allocate`,
`AllocatePod`, `RemoveContainer`, `GetTopologyHints`, `GetPodTopologyHints`) so each rule can
be re-checked against upstream; `CPUManager` wraps it for the rest of the workbench.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from workbench.admission.cpu_assignment import take_by_topology
from workbench.admission.cpu_index import CPUIndex, cpu_index
from workbench.admission.cpu_options import (
    CPUPolicyError,
    parse_static_policy_options,
    validate_static_policy_options,
)
from workbench.admission.cpu_pod_scope import allocate_pod, validate_pod_scope_resources
from workbench.admission.cpu_state import CPUState as CPUState
from workbench.admission.cpu_topology_hints import generate_cpu_topology_hints
from workbench.admission.cpu_validate_state import validate_state
from workbench.admission.decision import Hint
from workbench.admission.errors import (
    SMT_ALIGNMENT_ERROR,
    AdmissionError,
)
from workbench.admission.gates import (
    CPU_MANAGER_POLICY_ALPHA_OPTIONS,
    CPU_MANAGER_POLICY_BETA_OPTIONS,
    DEFAULTS,
    POD_LEVEL_RESOURCE_MANAGERS,
    POD_LEVEL_RESOURCES,
)
from workbench.kube.model import CPU, Container, PodSpec
from workbench.kube.qos import container_guaranteed_equivalent, pod_qos
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology

CPUHints = dict[str, Sequence[Hint]]


def smt_alignment_error(
    requested: int, per_core: int, available: int = 0, *, physical: bool = False
) -> AdmissionError:
    """`SMTAlignmentError` with the kubelet's text."""
    if physical:
        msg = (
            "SMT Alignment Error: not enough free physical CPUs: available physical CPUs = "
            f"{available}, requested CPUs = {requested}, CPUs per core = {per_core}"
        )
    else:
        msg = f"SMT Alignment Error: requested {requested} cpus not multiple cpus per core = {per_core}"
    return AdmissionError(SMT_ALIGNMENT_ERROR, msg)


def _is_integral(millis: int) -> bool:
    return millis % 1000 == 0


def _reserved_picks(topology: Topology) -> dict[tuple[int, tuple[str, ...]], CPUSet | None]:
    """(count, options) -> the reserved CPUs the picker takes out of an idle machine (None: it
    cannot): a function of the topology alone, and every admission builds a policy."""
    return {}


class StaticPolicy:
    """`staticPolicy` with its state (the kubelet keeps the state apart; one object is simpler here)."""

    def __init__(
        self,
        topology: Topology,
        num_reserved: int,
        reserved_cpus: CPUSet | None = None,
        options: Mapping[str, str] | None = None,
        *,
        topology_policy: str = "none",
        gates: Mapping[str, bool] | None = None,
    ) -> None:
        self.topology = topology
        self.ix: CPUIndex = cpu_index(topology)
        g = dict(DEFAULTS)
        g.update(gates or {})
        self.gates = g
        self.opts = parse_static_policy_options(
            options or {},
            alpha_gate=g.get(CPU_MANAGER_POLICY_ALPHA_OPTIONS, False),
            beta_gate=g.get(CPU_MANAGER_POLICY_BETA_OPTIONS, False),
        )
        validate_static_policy_options(self.opts, self.ix, topology_policy)
        self.option_names = self.opts.enabled()
        self.group_size = self.ix.cpus_per_core
        self.all_cpus = CPUSet(self.ix.cpus)
        if reserved_cpus:
            reserved = reserved_cpus
        else:
            # lowest-numbered whole cores first, picked by the policy's own picker
            picks = topology.derived(_reserved_picks)
            key = (num_reserved, self.option_names)
            if key not in picks:
                try:
                    picks[key] = self.take(self.all_cpus, num_reserved)
                except AdmissionError:
                    picks[key] = None
            reserved = picks[key] or CPUSet()
        if len(reserved) != num_reserved:
            raise CPUPolicyError(
                "[cpumanager] unable to reserve the required amount of CPUs "
                f"(size of {reserved} did not equal {num_reserved})"
            )
        physical: set[int] = set()
        for c in reserved:
            core = self.ix.core_of.get(c)
            if core is None:
                raise CPUPolicyError(
                    "[cpumanager] unable to build the reserved physical CPUs from the reserved set: "
                    f"unknown CPU ID: {c}"
                )
            physical.update(self.ix.cpus_in_core[core])
        self.reserved = reserved
        self.reserved_physical = CPUSet(physical)
        self.state = CPUState()
        self.cpus_to_reuse: dict[str, CPUSet] = {}
        # guaranteed_cpus per (pod, container) object: asked for every container by the hints,
        # the pod-scope check and the allocation; the objects are kept so their ids stay theirs.
        self._guaranteed: dict[tuple[int, int], tuple[PodSpec, Container, int]] = {}

    def working_copy(self) -> StaticPolicy:
        """This started policy for one more admission: the configuration-derived fields shared
        (never changed after `__init__`), the state shared until changed (`CPUState.share`);
        this policy must not be changed afterwards."""
        new = object.__new__(StaticPolicy)
        new.__dict__.update(self.__dict__)
        new.state = self.state.share()
        new.cpus_to_reuse = dict(self.cpus_to_reuse)
        new._guaranteed = {}
        return new

    # ---- helpers -----------------------------------------------------------------------
    def gate(self, name: str) -> bool:
        return self.gates.get(name, False)

    def take(self, available: Iterable[int], count: int) -> CPUSet:
        return take_by_topology(self.topology, available, count, options=self.option_names)

    def _gated_out(self, pod: PodSpec) -> bool:
        """Pod-level resources with either gate off: the managers skip the pod entirely."""
        both = self.gate(POD_LEVEL_RESOURCE_MANAGERS) and self.gate(POD_LEVEL_RESOURCES)
        return not both and pod.has_pod_level_resources

    def _pod_level(self, pod: PodSpec) -> bool:
        return self.gate(POD_LEVEL_RESOURCE_MANAGERS) and pod.has_pod_level_resources

    # ---- Start -------------------------------------------------------------------------
    def start(self, state: CPUState) -> None:
        """`Start`: adopt `state`, or raise CPUPolicyError as the kubelet would
        (`cpu_validate_state`); an empty state starts with every CPU shared."""
        problem = validate_state(
            state,
            all_cpus=self.all_cpus,
            reserved=self.reserved,
            strict=self.opts.strict_cpu_reservation,
            pod_level_gate=self.gate(POD_LEVEL_RESOURCE_MANAGERS),
        )
        if problem:
            raise CPUPolicyError(problem)
        if not state.default:
            strict = self.opts.strict_cpu_reservation
            state.default = self.all_cpus - self.reserved if strict else self.all_cpus
        self.state = state

    # ---- pools ---------------------------------------------------------------------------
    def available_cpus(self) -> CPUSet:
        """`GetAvailableCPUs`: shared pool minus reserved."""
        return self.state.default - self.reserved

    def available_physical_cpus(self) -> CPUSet:
        return self.state.default - self.reserved_physical

    def allocatable_cpus(self) -> CPUSet:
        return self.all_cpus - self.reserved

    # ---- sizes -----------------------------------------------------------------------
    def guaranteed_cpus(self, pod: PodSpec, container: Container) -> int:
        """`guaranteedCPUs`: integral exclusive CPUs this container gets, else 0."""
        key = (id(pod), id(container))
        hit = self._guaranteed.get(key)
        if hit is not None:
            return hit[2]
        n = self._guaranteed_cpus(pod, container)
        self._guaranteed[key] = (pod, container, n)
        return n

    def _guaranteed_cpus(self, pod: PodSpec, container: Container) -> int:
        if pod_qos(pod, pod_level_resources_gate=self.gate(POD_LEVEL_RESOURCES)) != "Guaranteed":
            return 0
        millis = container.resources.requests.get(CPU, 0)
        if self._pod_level(pod) and not container_guaranteed_equivalent(container):
            return 0
        if not _is_integral(millis):
            return 0
        return millis // 1000

    def pod_guaranteed_cpus(self, pod: PodSpec) -> int:
        """`podGuaranteedCPUs`: the pod budget, or max(init + sidecars, apps + sidecars)."""
        if self._pod_level(pod):
            if pod_qos(pod, pod_level_resources_gate=self.gate(POD_LEVEL_RESOURCES)) != "Guaranteed":
                return 0
            millis = pod.resources.requests.get(CPU)
            if millis is not None and _is_integral(millis):
                return millis // 1000
            return 0
        by_init = 0
        by_sidecars = 0
        for c in pod.init_containers:
            if CPU not in c.resources.requests:
                continue
            n = self.guaranteed_cpus(pod, c)
            if c.restartable:
                by_sidecars += n
            elif by_sidecars + n > by_init:
                by_init = by_sidecars + n
        by_apps = sum(self.guaranteed_cpus(pod, c) for c in pod.containers if CPU in c.resources.requests)
        long_running = by_apps + by_sidecars
        return by_init if by_init > long_running else long_running

    # ---- SMT -------------------------------------------------------------------------
    def enforce_smt_alignment(self, n: int) -> None:
        if not self.opts.full_pcpus_only:
            return
        if n % self.group_size != 0:
            raise smt_alignment_error(n, self.group_size)
        physical = len(self.available_physical_cpus())
        if n > physical:
            raise smt_alignment_error(n, self.group_size, physical, physical=True)

    # ---- allocation ----------------------------------------------------------------------
    def aligned_cpus(self, numa: Iterable[int], allocatable: CPUSet) -> CPUSet:
        """`getAlignedCPUs`: allocatable CPUs of the hinted NUMA nodes (or of their sockets)."""
        numa_ids = set(numa)
        if self.opts.align_by_socket:
            sockets = {self.ix.socket_of[c] for c in self.ix.cpus if self.ix.numa_of[c] in numa_ids}
            return CPUSet(c for c in allocatable if self.ix.socket_of.get(c) in sockets)
        return CPUSet(c for c in allocatable if self.ix.numa_of.get(c) in numa_ids)

    def allocate_cpus(self, n: int, numa: frozenset[int] | None, reusable: CPUSet) -> CPUSet:
        """`allocateCPUs`: hinted NUMA nodes first, the rest from anywhere; shrinks the shared pool."""
        allocatable = self.available_cpus() | reusable
        result = CPUSet()
        if numa is not None:
            aligned = self.aligned_cpus(numa, allocatable)
            result = self.take(aligned, min(n, len(aligned)))
        result = result | self.take(allocatable - result, n - len(result))
        self.state.default = self.state.default - result
        return result

    def update_cpus_to_reuse(self, pod: PodSpec, container: Container, cset: CPUSet) -> None:
        for uid in [u for u in self.cpus_to_reuse if u != pod.key]:
            del self.cpus_to_reuse[uid]
        reuse = self.cpus_to_reuse.get(pod.key, CPUSet())
        for init in pod.init_containers:
            if init.name == container.name:
                if init.restartable:
                    break
                self.cpus_to_reuse[pod.key] = reuse | cset
                return
        self.cpus_to_reuse[pod.key] = reuse - cset

    def allocate(self, pod: PodSpec, container: Container, hint: Hint | None) -> None:
        """`Allocate` for one container."""
        n = self.guaranteed_cpus(pod, container)
        if n == 0:
            return
        if self._gated_out(pod):
            return
        self.enforce_smt_alignment(n)
        existing = self.state.get(pod.key, container.name)
        if existing is not None:
            self.update_cpus_to_reuse(pod, container, existing)
            return
        numa = hint.mask if hint is not None else None
        cpus = self.allocate_cpus(n, numa, self.cpus_to_reuse.get(pod.key, CPUSet()))
        self.state.set(pod.key, container.name, cpus)
        self.update_cpus_to_reuse(pod, container, cpus)

    def validate_pod_scope_resources(self, pod: PodSpec) -> str | None:
        """`validatePodScopeResources` (in `cpu_pod_scope`)."""
        return validate_pod_scope_resources(self, pod)

    def allocate_pod(self, pod: PodSpec, hint: Hint | None) -> None:
        """`AllocatePod` (in `cpu_pod_scope`)."""
        allocate_pod(self, pod, hint)

    def remove_container(self, pod_key: str, container: str) -> None:
        """`RemoveContainer`: CPUs go back unless a sibling still uses them, or the bubble is kept."""
        released = self.state.get(pod_key, container)
        if released is None:
            return
        self.state.delete(pod_key, container)
        if self.gate(POD_LEVEL_RESOURCE_MANAGERS) and pod_key in self.state.pod_cpusets:
            if not self.state.assignments.get(pod_key):
                self.state.default = self.state.default | self.state.pod_cpusets.pop(pod_key)
            return
        in_use: set[int] = set()
        for name, cpus in self.state.assignments.get(pod_key, {}).items():
            if name != container:
                in_use.update(cpus)
        self.state.default = self.state.default | (released - in_use)

    # ---- hints -------------------------------------------------------------------------
    def generate_hints(self, available: CPUSet, reusable: CPUSet, request: int) -> Sequence[Hint]:
        """`generateCPUTopologyHints` (in `cpu_topology_hints`)."""
        return generate_cpu_topology_hints(
            self.ix, available, reusable, request, align_by_socket=self.opts.align_by_socket
        )

    def container_hints(self, pod: PodSpec, container: Container) -> CPUHints | None:
        """`GetTopologyHints`."""
        requested = self.guaranteed_cpus(pod, container)
        if requested == 0:
            return None
        if self._gated_out(pod):
            return None
        allocated = self.state.get(pod.key, container.name)
        if allocated is not None:
            if len(allocated) != requested:
                return {"cpu": []}
            return {"cpu": self.generate_hints(allocated, CPUSet(), requested)}
        reusable = self.cpus_to_reuse.get(pod.key, CPUSet())
        return {"cpu": self.generate_hints(self.available_cpus(), reusable, requested)}

    def pod_hints(self, pod: PodSpec) -> CPUHints | None:
        """`GetPodTopologyHints`."""
        requested = self.pod_guaranteed_cpus(pod)
        if requested == 0:
            return None
        if self._gated_out(pod):
            return None
        if self._pod_level(pod) and self.validate_pod_scope_resources(pod) is not None:
            return {"cpu": []}
        assigned = CPUSet()
        for c in pod.all_containers:
            by_container = self.guaranteed_cpus(pod, c)
            allocated = self.state.get(pod.key, c.name)
            if allocated is not None:
                if len(allocated) != by_container:
                    return {"cpu": []}
                assigned = assigned | allocated
        if len(assigned) == requested:
            return {"cpu": self.generate_hints(assigned, CPUSet(), requested)}
        reusable = self.cpus_to_reuse.get(pod.key, CPUSet()) | assigned
        return {"cpu": self.generate_hints(self.available_cpus(), reusable, requested)}
