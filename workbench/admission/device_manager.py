"""The device manager as a topology hint provider (`devicemanager/topology_hints.go`, `manager.go`).

Devices come from the topology (a `Device` with an extended `resource` name, e.g. `nvidia.com/gpu`)
and from the checkpoint's `RegisteredDevices` (the plugin's healthy devices); the checkpoint's
`PodDeviceEntries` are the devices already in use. A device id is matched to the topology by
name or PCI address; a device without a NUMA node has no topology and never counts for a mask.
The device plugin's own `GetPreferredAllocation` is not simulated: within each preference group
(devices on the hinted nodes, on other nodes, without topology) devices are taken in node order
(fewest free devices first, as `filterByAffinity` sorts) and then by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType

from workbench.admission.bitmask import hints_of, iterate_bitmasks
from workbench.admission.decision import Hint
from workbench.admission.errors import AllocationError
from workbench.admission.provider import HintMap
from workbench.kube.model import Container, DeviceAllocation, NodeState, PodSpec, is_native_resource
from workbench.record import replace
from workbench.topology.model import Topology

NODE_WITHOUT_TOPOLOGY = -1


class DeviceManager:
    """A working copy of the device manager for one admission (HintProvider "devices")."""

    name = "devices"

    def __init__(self, topology: Topology, state: NodeState) -> None:
        self.numa_nodes = list(topology.numa_ids)
        # resource -> device id -> NUMA nodes (empty: no topology)
        self.all_devices: dict[str, dict[str, tuple[int, ...]]] = {}
        by_key: dict[tuple[str, str], tuple[int, ...]] = {}
        from_topology: dict[str, list[str]] = {}
        for dev in topology.devices:
            if not dev.resource:
                continue
            nodes = () if dev.numa is None or dev.numa < 0 else (dev.numa,)
            by_key[(dev.resource, dev.name)] = nodes
            if dev.address:
                by_key[(dev.resource, dev.address)] = nodes
            from_topology.setdefault(dev.resource, []).append(dev.name)
        for resource, names in from_topology.items():
            self.all_devices[resource] = {n: by_key[(resource, n)] for n in names}
        self.healthy: dict[str, set[str]] = {r: set(d) for r, d in self.all_devices.items()}
        for resource, ids in state.registered_devices.items():
            known = self.all_devices.setdefault(resource, {})
            for i in ids:
                if i not in known:
                    known[i] = by_key.get((resource, i), ())
            # The plugin's registration is the truth about which devices are healthy.
            self.healthy[resource] = set(ids)
        # (pod, container, resource) -> device ids, in allocation order
        self.entries: dict[tuple[str, str, str], list[str]] = {}
        for alloc in state.devices:
            self.entries[(alloc.pod_uid, alloc.container, alloc.resource)] = sorted(alloc.device_ids)
            known = self.all_devices.setdefault(alloc.resource, {})
            for numa, numa_ids in alloc.devices.items():
                for i in numa_ids:
                    if i not in known:
                        known[i] = () if numa < 0 else (numa,)
        # devices standard init containers of the pod being admitted leave for later containers
        self.reuse: dict[str, dict[str, set[str]]] = {}

    # ---- inventory -----------------------------------------------------------------------
    def is_device_resource(self, resource: str) -> bool:
        """`isDevicePluginResource`: registered (healthy) or already allocated."""
        if resource in self.healthy:
            return True
        return any(r == resource for (_, _, r) in self.entries)

    def has_topology(self, resource: str) -> bool:
        """`deviceHasTopologyAlignment`: some device of the resource names a NUMA node."""
        return any(nodes for nodes in self.all_devices.get(resource, {}).values())

    def allocated(self, resource: str) -> set[str]:
        return {d for (_, _, r), ids in self.entries.items() if r == resource for d in ids}

    def available(self, resource: str) -> set[str]:
        return self.healthy.get(resource, set()) - self.allocated(resource)

    def plugin_capacity(self) -> tuple[dict[str, int], dict[str, int]]:
        """`GetCapacity`: per device-plugin resource, every device it reported (the node's
        capacity) and the healthy ones (its allocatable)."""
        capacity = {r: len(devs) for r, devs in sorted(self.all_devices.items())}
        allocatable = {r: len(self.healthy.get(r, ())) for r in capacity}
        return capacity, allocatable

    # ---- requests ------------------------------------------------------------------------
    def container_request(self, container: Container) -> dict[str, int]:
        """Device-plugin resources of the container: its limits (requests equal limits for them)."""
        res = container.resources
        names = sorted(n for n in set(res.limits) | set(res.requests) if not is_native_resource(n))
        out: dict[str, int] = {}
        for n in names:
            if self.is_device_resource(n):
                out[n] = res.limits.get(n, res.requests.get(n, 0))
        return out

    def pod_request(self, pod: PodSpec) -> dict[str, int]:
        """`getPodDeviceRequest`: `PodLimits` (app + sidecars, or the largest init phase)."""
        long_running: dict[str, int] = {}
        init_peak: dict[str, int] = {}
        for c in pod.init_containers:
            for n, q in self.container_request(c).items():
                if c.restartable:
                    long_running[n] = long_running.get(n, 0) + q
                else:
                    init_peak[n] = max(init_peak.get(n, 0), long_running.get(n, 0) + q)
        for c in pod.containers:
            for n, q in self.container_request(c).items():
                long_running[n] = long_running.get(n, 0) + q
        names = sorted(set(long_running) | set(init_peak))
        return {n: max(long_running.get(n, 0), init_peak.get(n, 0)) for n in names}

    # ---- hints ---------------------------------------------------------------------------
    def container_hints(self, pod: PodSpec, container: Container) -> HintMap | None:
        hints: dict[str, list[Hint] | None] = {}
        for resource, requested in self.container_request(container).items():
            if not self.has_topology(resource):
                hints[resource] = None
                continue
            allocated = self.entries.get((pod.key, container.name, resource))
            if allocated:
                if len(allocated) != requested:
                    hints[resource] = []
                else:
                    hints[resource] = self.generate_hints(resource, set(allocated), set(), requested)
                continue
            available = self.available(resource)
            reusable = self.reuse.get(pod.key, {}).get(resource, set())
            if len(available | reusable) < requested:
                hints[resource] = []
                continue
            hints[resource] = self.generate_hints(resource, available, reusable, requested)
        return hints

    def pod_hints(self, pod: PodSpec) -> HintMap | None:
        hints: dict[str, list[Hint] | None] = {}
        for resource, requested in self.pod_request(pod).items():
            if not self.has_topology(resource):
                hints[resource] = None
                continue
            allocated = {
                d
                for (uid, _, r), ids in self.entries.items()
                if uid == pod.key and r == resource
                for d in ids
            }
            if allocated:
                if len(allocated) != requested:
                    hints[resource] = []
                else:
                    hints[resource] = self.generate_hints(resource, allocated, set(), requested)
                continue
            available = self.available(resource)
            if len(available) < requested:
                hints[resource] = []
                continue
            hints[resource] = self.generate_hints(resource, available, set(), requested)
        return hints

    def generate_hints(
        self, resource: str, available: set[str], reusable: set[str], request: int
    ) -> list[Hint]:
        """`generateDeviceTopologyHints`: masks holding enough devices; narrowest by capacity preferred."""
        devices = self.all_devices.get(resource, {})
        min_affinity = len(self.numa_nodes)
        found: list[int] = []
        for mask in iterate_bitmasks(self.numa_nodes):
            in_mask = sum(1 for nodes in devices.values() if any(mask >> n & 1 for n in nodes))
            if in_mask >= request and mask.bit_count() < min_affinity:
                min_affinity = mask.bit_count()
            matching = 0
            skip = False
            for d in reusable:
                nodes = devices.get(d, ())
                if nodes and not any(mask >> n & 1 for n in nodes):
                    skip = True
                    break
                matching += 1
            if skip:
                continue
            matching += sum(1 for d in available if any(mask >> n & 1 for n in devices.get(d, ())))
            if matching >= request:
                found.append(mask)
        return hints_of(found, min_affinity)

    # ---- allocation ----------------------------------------------------------------------
    def allocate(self, pod: PodSpec, container: Container, hint: Hint | None) -> None:
        """`Allocate`: devices for each device-plugin resource the container asks for."""
        for uid in list(self.reuse):
            if uid != pod.key:
                del self.reuse[uid]
        reuse = self.reuse.setdefault(pod.key, {})
        for resource, needed in self.container_request(container).items():
            reusable = reuse.get(resource, set())
            chosen = self._devices_to_allocate(pod, container, resource, needed, reusable, hint)
            if chosen:
                self.entries[(pod.key, container.name, resource)] = chosen
                if resource in reuse:
                    reuse[resource] -= set(chosen)
        mine = {
            r: set(ids) for (uid, c, r), ids in self.entries.items() if uid == pod.key and c == container.name
        }
        if container.kind == "init":
            for r, ids in mine.items():
                reuse.setdefault(r, set()).update(ids)
        else:
            for r, ids in mine.items():
                if r in reuse:
                    reuse[r] -= ids

    def _devices_to_allocate(
        self,
        pod: PodSpec,
        container: Container,
        resource: str,
        required: int,
        reusable: set[str],
        hint: Hint | None,
    ) -> list[str]:
        existing = self.entries.get((pod.key, container.name, resource))
        needed = required
        if existing is not None:
            needed -= len(existing)
            if needed != 0:
                raise AllocationError(
                    f'pod "{pod.key}" container "{container.name}" changed request for resource '
                    f'"{resource}" from {len(existing)} to {required}'
                )
        if needed == 0:
            return []
        if resource not in self.healthy:
            raise AllocationError(f"cannot allocate unregistered device {resource}")
        chosen: list[str] = []
        for d in sorted(reusable):
            if len(chosen) == needed:
                return chosen
            chosen.append(d)
        if len(chosen) == needed:
            return chosen
        remaining = needed - len(chosen)
        available = self.available(resource) - set(chosen)
        if len(available) < remaining:
            raise AllocationError(
                f"requested number of devices unavailable for {resource}. "
                f"Requested: {remaining}, Available: {len(available)}"
            )
        for d in self._by_affinity(resource, available, hint):
            chosen.append(d)
            if len(chosen) == needed:
                return chosen
        raise AllocationError(
            f"unexpectedly allocated less resources than required. Requested: {required}, Got: {len(chosen)}"
        )

    def _by_affinity(self, resource: str, available: Iterable[str], hint: Hint | None) -> list[str]:
        """`filterByAffinity`: hinted nodes first, then other nodes, then devices without topology."""
        devices = self.all_devices.get(resource, {})
        pool = sorted(available)
        if not self.has_topology(resource) or hint is None or hint.mask is None:
            return pool
        mask = hint.mask
        per_node: dict[int, set[str]] = {}
        for d in pool:
            nodes = devices.get(d, ()) or (NODE_WITHOUT_TOPOLOGY,)
            for n in nodes:
                per_node.setdefault(n, set()).add(d)

        def rank(n: int) -> tuple[int, int, int]:
            if n in mask:
                return (0, len(per_node[n]), n)
            if n == NODE_WITHOUT_TOPOLOGY:
                return (2, 0, n)
            return (1, len(per_node[n]), n)

        order = sorted(per_node, key=rank)
        groups: tuple[list[str], list[str], list[str]] = ([], [], [])
        placed: set[str] = set()
        for n in order:
            group = rank(n)[0]
            for d in sorted(per_node[n]):
                if d not in placed:
                    placed.add(d)
                    groups[group].append(d)
        return groups[0] + groups[1] + groups[2]

    def allocate_pod(self, pod: PodSpec, hint: Hint | None) -> None:
        """The device manager's `AllocatePod` is a no-op: containers get devices in `allocate`."""

    # ---- removal, export, queries ----------------------------------------------------------
    def remove_pod(self, pod_key: str) -> None:
        for key in [k for k in self.entries if k[0] == pod_key]:
            del self.entries[key]
        self.reuse.pop(pod_key, None)

    def _numa_of(self, resource: str, device: str) -> tuple[int, ...]:
        return self.all_devices.get(resource, {}).get(device, ()) or (NODE_WITHOUT_TOPOLOGY,)

    def export(self, state: NodeState) -> NodeState:
        allocations = []
        for (uid, container, resource), ids in self.entries.items():
            per_numa: dict[int, list[str]] = {}
            for d in ids:
                for n in self._numa_of(resource, d):
                    per_numa.setdefault(n, []).append(d)
            allocations.append(
                DeviceAllocation(
                    pod_uid=uid,
                    container=container,
                    resource=resource,
                    devices=MappingProxyType({n: tuple(v) for n, v in sorted(per_numa.items())}),
                )
            )
        return replace(state, devices=tuple(allocations))

    def container_devices(self, pod: PodSpec, container: Container) -> Mapping[str, tuple[str, ...]]:
        return {
            r: tuple(ids)
            for (uid, c, r), ids in self.entries.items()
            if uid == pod.key and c == container.name
        }
