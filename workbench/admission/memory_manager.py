"""The memory manager's `Static` policy (`memorymanager/policy_static.go`), pod-level path included.

Memory is not picked page by page: "allocating" charges the per-NUMA tables and records blocks
(`{numaAffinity, type, size}`); a container's cpuset.mems is the NUMA nodes of its blocks.
Policy `None` gives no hints and pins nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import MappingProxyType

from workbench.admission.bitmask import hints_of, mask_of
from workbench.admission.decision import Hint
from workbench.admission.gates import (
    POD_LEVEL_RESOURCE_MANAGERS,
    POD_LEVEL_RESOURCES,
    gate,
    pod_level_managers,
)
from workbench.admission.hint_list import LazyHints
from workbench.admission.memory_affinity import resolve_affinity
from workbench.admission.memory_hints import mask_inputs, masks_of, preferred_masks
from workbench.admission.memory_pod_scope import allocate_pod, validate_pod_scope
from workbench.admission.memory_state import (
    MachineState,
    charge,
    default_machine_state,
    export_machine_state,
    machine_state_from,
    release,
    resource_order,
)
from workbench.admission.memory_validate_state import policy_mismatch, validate_state
from workbench.admission.provider import HintMap
from workbench.errors import InputError
from workbench.kube.model import (
    MEMORY,
    Container,
    MemoryBlock,
    NodeConfig,
    NodeState,
    PodSpec,
    is_memory_resource,
)
from workbench.kube.qos import container_guaranteed_equivalent, pod_qos
from workbench.record import replace
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology

POLICY_STATIC = "Static"
POLICY_NONE = "None"

Requests = dict[str, int]


class MemoryManager:
    """A working copy of the memory manager for one admission (HintProvider "memory")."""

    name = "memory"

    def __init__(self, topology: Topology, config: NodeConfig, state: NodeState) -> None:
        self.topology = topology
        self.config = config
        self.static = config.memory_manager_policy == POLICY_STATIC
        if self.static:
            reserved = sum(r.limits.get(MEMORY, 0) for r in config.reserved_memory)
            if reserved <= 0:
                raise InputError(
                    "[memorymanager] you should specify the system reserved memory",
                    source=config.source,
                    field="reservedMemory",
                    fix="reserve memory per NUMA node (kube-reserved + system-reserved + eviction)",
                )
        self._checkpoint_empty = not state.memory
        self._checkpoint_policy = state.memory_policy
        self.machine: MachineState = (
            machine_state_from(state.memory) if state.memory else default_machine_state(topology, config)
        )
        self.assignments: dict[str, dict[str, list[MemoryBlock]]] = {
            uid: {c: list(blocks) for c, blocks in containers.items()}
            for uid, containers in state.memory_assignments.items()
        }
        # what this manager was built from, for an export that reuses what is unchanged, and
        # the pods whose entries are still those (none until `working_copy`)
        self._origin = state
        self._shared_pods: set[str] = set()
        self.pod_memory: dict[str, list[MemoryBlock]] = {
            uid: list(blocks) for uid, blocks in state.pod_memory.items()
        }
        # podUID -> mask -> resource -> bytes standard init containers left for later containers
        self.reusable: dict[str, dict[int, dict[str, int]]] = {}
        # container_requests / pod_requests per object: the hints, the pod-scope check and the
        # allocation ask for every container again; the objects are kept so their ids stay theirs
        self._container_reqs: dict[tuple[int, int], tuple[PodSpec, Container, Requests]] = {}
        self._pod_reqs: dict[int, tuple[PodSpec, Requests]] = {}

    def working_copy(self) -> MemoryManager:
        """A manager for one more admission from this one, which must not change after: the
        NUMA tables shared until charged (`MachineState.share`); block lists are never changed
        in place (an allocation stores new lists), so only the dicts holding them are copied."""
        new = object.__new__(MemoryManager)
        new.__dict__.update(self.__dict__)
        new.machine = self.machine.share()
        new.assignments = dict(self.assignments)
        new._shared_pods = set(self.assignments)
        new.pod_memory = dict(self.pod_memory)
        new.reusable = {uid: {m: dict(r) for m, r in per.items()} for uid, per in self.reusable.items()}
        new._container_reqs = {}
        new._pod_reqs = {}
        return new

    def entries(self, pod_key: str) -> dict[str, list[MemoryBlock]]:
        """The pod's container -> blocks dict, to change (copied first when shared)."""
        found = self.assignments.get(pod_key)
        if found is None:
            found = self.assignments[pod_key] = {}
        elif pod_key in self._shared_pods:
            self._shared_pods.discard(pod_key)
            found = self.assignments[pod_key] = dict(found)
        return found

    # ---- requests ------------------------------------------------------------------------
    def guaranteed(self, pod: PodSpec) -> bool:
        return pod_qos(pod, pod_level_resources_gate=gate(self.config, POD_LEVEL_RESOURCES)) == ("Guaranteed")

    def _skipped_pod_level(self, pod: PodSpec) -> bool:
        """Pod-level resources with either gate off: the manager leaves the pod alone."""
        return pod.has_pod_level_resources and not pod_level_managers(self.config, pod)

    def container_requests(self, pod: PodSpec, container: Container) -> Requests:
        """`getContainerRequestedResources`: memory and hugepages requests (bytes)."""
        key = (id(pod), id(container))
        hit = self._container_reqs.get(key)
        if hit is None:
            hit = self._container_reqs[key] = (pod, container, self._container_requests(pod, container))
        return dict(hit[2])

    def _container_requests(self, pod: PodSpec, container: Container) -> Requests:
        if pod_level_managers(self.config, pod) and not container_guaranteed_equivalent(container):
            return {}
        res = container.resources
        names = {n for n in (*res.requests, *res.limits) if is_memory_resource(n)}
        # The API server defaults a missing request to the limit.
        return {n: res.requests.get(n, res.limits.get(n, 0)) for n in resource_order(names)}

    def pod_requests(self, pod: PodSpec) -> Requests:
        """`getPodRequestedResources`: pod-level requests, or the init/app max-sum rule."""
        hit = self._pod_reqs.get(id(pod))
        if hit is None:
            hit = self._pod_reqs[id(pod)] = (pod, self._pod_requests(pod))
        return dict(hit[1])

    def _pod_requests(self, pod: PodSpec) -> Requests:
        if pod_level_managers(self.config, pod):
            reqs = pod.resources.requests
            return {n: reqs[n] for n in resource_order(reqs) if is_memory_resource(n) and reqs[n] > 0}
        by_init: Requests = {}
        by_sidecars: Requests = {}
        for c in pod.init_containers:
            for name, qty in self.container_requests(pod, c).items():
                by_init.setdefault(name, 0)
                if c.restartable:
                    by_sidecars[name] = by_sidecars.get(name, 0) + qty
                elif by_sidecars.get(name, 0) + qty > by_init[name]:
                    by_init[name] = by_sidecars.get(name, 0) + qty
        by_app: Requests = {}
        for c in pod.containers:
            for name, qty in self.container_requests(pod, c).items():
                by_app[name] = by_app.get(name, 0) + qty
        out: Requests = {}
        for name in resource_order(by_app):
            out[name] = max(by_app[name] + by_sidecars.get(name, 0), by_init.get(name, 0))
        return out

    # ---- hints ---------------------------------------------------------------------------
    def container_hints(self, pod: PodSpec, container: Container) -> HintMap | None:
        if not self.static or not self.guaranteed(pod):
            return None
        reqs = self.container_requests(pod, container)
        if self._skipped_pod_level(pod):
            return None
        blocks = self.assignments.get(pod.key, {}).get(container.name)
        if blocks is not None:
            return self._regenerate(blocks, reqs)
        return self.calculate_hints(pod, reqs)

    def pod_hints(self, pod: PodSpec) -> HintMap | None:
        if not self.static or not self.guaranteed(pod):
            return None
        reqs = self.pod_requests(pod)
        if self._skipped_pod_level(pod):
            return None
        if pod_level_managers(self.config, pod) and self.validate_pod_scope(pod) is not None:
            return {name: [] for name in reqs}
        if not reqs:
            return None
        for c in pod.all_containers:
            blocks = self.assignments.get(pod.key, {}).get(c.name)
            if blocks is not None:
                return self._regenerate(blocks, reqs)
        return self.calculate_hints(pod, reqs)

    def _regenerate(self, blocks: Sequence[MemoryBlock], reqs: Requests) -> HintMap | None:
        """`regenerateHints`: the hints of an allocation that already exists."""
        hints: dict[str, list[Hint]] = {name: [] for name in reqs}
        if len(blocks) != len(reqs):
            return None
        for b in blocks:
            if b.type not in reqs or b.size != reqs[b.type]:
                return None
            hints[b.type].append(Hint(frozenset(b.numa_affinity), True))
        return hints

    def calculate_hints(self, pod: PodSpec, reqs: Requests) -> dict[str, Sequence[Hint]]:
        """`calculateHints`: every feasible NUMA mask, preferred when it is a narrowest one.

        The list is lazy (built from a snapshot of the machine state); the kubelet returns an
        empty map, not empty lists, when no mask is feasible, so emptiness is decided here.
        """
        inp = mask_inputs(self.machine, reqs, self.reusable.get(pod.key, {}))

        def listed() -> list[Hint]:
            masks, min_affinity = masks_of(inp)
            return hints_of(masks, min_affinity)

        hints = LazyHints(listed, lambda: preferred_masks(inp))
        if not hints.has_any():
            return {}
        return {name: hints for name in reqs}

    def _table_value(self, node: int, resource: str, column: str) -> int:
        state = self.machine.get(node)
        table = None if state is None else state.memory_map.get(resource)
        return 0 if table is None else int(getattr(table, column))

    def _reusable(self, pod: PodSpec, mask: int, resource: str) -> int:
        return self.reusable.get(pod.key, {}).get(mask, {}).get(resource, 0)

    # ---- allocation ----------------------------------------------------------------------
    def resolve_hint(self, pod: PodSpec, hint: Hint | None, reqs: Requests) -> list[int]:
        """The NUMA nodes to charge (`memory_affinity.resolve_affinity`)."""
        return resolve_affinity(self.machine, hint, reqs, lambda: self.calculate_hints(pod, reqs))

    def allocate(self, pod: PodSpec, container: Container, hint: Hint | None) -> None:
        """`Allocate` (idempotent): charge the container's request on the hinted NUMA nodes."""
        if not self.static or not self.guaranteed(pod) or self._skipped_pod_level(pod):
            return
        existing = self.assignments.get(pod.key, {}).get(container.name)
        if existing is not None:
            self._update_reusable(pod, container, existing)
            return
        reqs = self.container_requests(pod, container)
        nodes = self.resolve_hint(pod, hint, reqs)
        mask = mask_of(nodes)
        blocks: list[MemoryBlock] = []
        for name, size in reqs.items():
            blocks.append(MemoryBlock(tuple(nodes), name, size))
            reusable = self._reusable(pod, mask, name)
            charged = 0 if reusable >= size else size - reusable
            charge(self.machine, nodes, name, charged)
        self._update_reusable(pod, container, blocks)
        self.entries(pod.key)[container.name] = blocks
        self._shrink_init_blocks(pod, container, blocks)

    def _update_reusable(self, pod: PodSpec, container: Container, blocks: Sequence[MemoryBlock]) -> None:
        """`updatePodReusableMemory`: standard init memory is reusable by later containers."""
        for uid in list(self.reusable):
            if uid != pod.key:
                del self.reusable[uid]
        if any(c.name == container.name and c.kind == "init" for c in pod.init_containers):
            per_mask = self.reusable.setdefault(pod.key, {})
            for b in blocks:
                entry = per_mask.setdefault(mask_of(b.numa_affinity), {})
                if b.size > entry.get(b.type, 0):
                    entry[b.type] = b.size
            return
        for b in blocks:
            m = mask_of(b.numa_affinity)
            have = self._reusable(pod, m, b.type)
            if have != 0:
                self.reusable[pod.key][m][b.type] = 0 if b.size >= have else have - b.size

    def _shrink_init_blocks(self, pod: PodSpec, container: Container, blocks: Sequence[MemoryBlock]) -> None:
        """`updateInitContainersMemoryBlocks`: reused init memory leaves the init blocks."""
        pod_blocks = self.assignments.get(pod.key, {})
        for block in blocks:
            size = block.size
            for init in pod.init_containers:
                if init.name == container.name or size == 0:
                    break
                if init.restartable:
                    continue
                init_blocks = pod_blocks.get(init.name)
                if not init_blocks:
                    continue
                updated: list[MemoryBlock] = []
                for ib in init_blocks:
                    if (
                        ib.size == 0
                        or ib.type != block.type
                        or set(ib.numa_affinity) != set(block.numa_affinity)
                    ):
                        updated.append(ib)
                        continue
                    if ib.size > size:
                        updated.append(replace(ib, size=ib.size - size))
                        size = 0
                    else:
                        size -= ib.size
                        updated.append(replace(ib, size=0))
                pod_blocks = self.entries(pod.key)
                pod_blocks[init.name] = updated

    # ---- pod-level path ------------------------------------------------------------------
    def validate_pod_scope(self, pod: PodSpec) -> str | None:
        """`validatePodScopeResources` for memory (in `memory_pod_scope`)."""
        return validate_pod_scope(self, pod)

    def allocate_pod(self, pod: PodSpec, hint: Hint | None) -> None:
        """`AllocatePod` (in `memory_pod_scope`)."""
        allocate_pod(self, pod, hint)

    # ---- start-up check -------------------------------------------------------------------
    def validate_state(self) -> str | None:
        """Why the kubelet would refuse this checkpoint at start, or None (`memory_validate_state`)."""
        configured = POLICY_STATIC if self.static else POLICY_NONE
        mismatch = policy_mismatch(configured, self._checkpoint_policy)
        if mismatch or not self.static:
            return mismatch
        return validate_state(
            self.topology,
            self.config,
            None if self._checkpoint_empty else self.machine,
            self.assignments,
            self.pod_memory,
            pod_level_gate=gate(self.config, POD_LEVEL_RESOURCE_MANAGERS),
        )

    # ---- removal and export --------------------------------------------------------------
    def remove_pod(self, pod_key: str) -> None:
        """Release the pod's memory as the kubelet does once all its containers are removed."""
        pod_blocks = self.pod_memory.pop(pod_key, None)
        containers = self.assignments.pop(pod_key, {})
        if pod_blocks is not None:
            release(self.machine, pod_blocks)
        else:
            for blocks in containers.values():
                release(self.machine, blocks)
        self.reusable.pop(pod_key, None)

    def export(self, state: NodeState) -> NodeState:
        if not self.static:
            return replace(state, memory_policy=POLICY_NONE)
        # entries unchanged since the start are the start state's own (read-only) mappings
        origin = self._origin
        shared = self._shared_pods
        return replace(
            state,
            memory_policy=POLICY_STATIC,
            memory=export_machine_state(self.machine, origin.memory),
            memory_assignments=MappingProxyType(
                {
                    uid: origin.memory_assignments[uid]
                    if uid in shared
                    else MappingProxyType({c: tuple(b) for c, b in containers.items()})
                    for uid, containers in self.assignments.items()
                }
            ),
            pod_memory=MappingProxyType({uid: tuple(b) for uid, b in self.pod_memory.items()}),
        )

    # ---- queries -------------------------------------------------------------------------
    def container_blocks(self, pod: PodSpec, container: Container) -> tuple[MemoryBlock, ...]:
        return tuple(self.assignments.get(pod.key, {}).get(container.name, ()))

    def container_mems(self, pod: PodSpec, container: Container) -> CPUSet | None:
        """cpuset.mems for the container (`GetMemoryNUMANodes`); None when nothing is pinned."""
        nodes = {n for b in self.container_blocks(pod, container) for n in b.numa_affinity}
        return CPUSet(nodes) if nodes else None

    def pod_blocks(self, pod: PodSpec) -> tuple[MemoryBlock, ...]:
        return tuple(self.pod_memory.get(pod.key, ()))
