"""The memory manager's working machine state (`memorymanager/state`), mutable during admission.

Built from the checkpoint's `NodeState.memory` when there is one, otherwise the way the static
policy's `getDefaultMachineState` builds it: per NUMA node, hugepage tables from the node's pools
(minus reservedMemory for that page size) and a `memory` table whose allocatable is the node's
memory minus reservedMemory minus every hugepage byte on the node.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from types import MappingProxyType

from workbench.kube.model import (
    HUGEPAGES_PREFIX,
    MEMORY,
    MemoryBlock,
    MemoryTable,
    NodeConfig,
    NumaMemoryState,
)
from workbench.quantity import format_bytes
from workbench.record import MutableRecord
from workbench.topology.model import Topology

U64 = 1 << 64


@lru_cache(maxsize=64)
def hugepage_resource(page_size: int) -> str:
    """`corehelper.HugePageResourceName`: 2097152 -> `hugepages-2Mi`."""
    return HUGEPAGES_PREFIX + format_bytes(page_size)


def resource_order(names: Iterable[str]) -> list[str]:
    """A fixed order for resources the kubelet keeps in maps: memory first, then by name."""
    return sorted(set(names), key=lambda n: (n != MEMORY, n))


class Table(MutableRecord):
    total: int
    system_reserved: int
    allocatable: int
    reserved: int
    free: int

    __slots__ = _fields = ("total", "system_reserved", "allocatable", "reserved", "free")

    def __init__(self, total: int, system_reserved: int, allocatable: int, reserved: int, free: int) -> None:
        self.total = total
        self.system_reserved = system_reserved
        self.allocatable = allocatable
        self.reserved = reserved
        self.free = free


class NodeMem(MutableRecord):
    number_of_assignments: int
    memory_map: dict[str, Table]
    cells: list[int]

    __slots__ = _fields = ("number_of_assignments", "memory_map", "cells")

    def __init__(
        self,
        number_of_assignments: int,
        memory_map: dict[str, Table],
        cells: list[int] | None = None,
    ) -> None:
        self.number_of_assignments = number_of_assignments
        self.memory_map = memory_map
        self.cells = [] if cells is None else cells

    def copy(self) -> NodeMem:
        tables = {
            n: Table(t.total, t.system_reserved, t.allocatable, t.reserved, t.free)
            for n, t in self.memory_map.items()
        }
        return NodeMem(self.number_of_assignments, tables, list(self.cells))


class MachineState(dict[int, NodeMem]):
    """NUMA node id -> its tables. `share()` hands out a copy that shares every node's tables
    with this state and copies a node only when `writable` is asked for it (a charge or a
    release): an admission touches one or two of the nodes, and the start cache hands the same
    start state to every admission. The shared original must not be changed afterwards."""

    __slots__ = ("_shared",)

    def __init__(self, nodes: Mapping[int, NodeMem] | None = None) -> None:
        super().__init__(nodes or {})
        self._shared: set[int] = set()

    def share(self) -> MachineState:
        out = MachineState(self)
        out._shared = set(self)
        return out

    def shared(self, node_id: int) -> bool:
        """Whether the node's tables are still those of the state this one was shared from."""
        return node_id in self._shared

    def writable(self, node_id: int) -> NodeMem | None:
        node = self.get(node_id)
        if node is not None and node_id in self._shared:
            self._shared.discard(node_id)
            node = self[node_id] = node.copy()
        return node


def reserved_by_node(config: NodeConfig) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {}
    for entry in config.reserved_memory:
        node = out.setdefault(entry.numa_node, {})
        for name, amount in entry.limits.items():
            node[name] = node.get(name, 0) + amount
    return out


def default_machine_state(topology: Topology, config: NodeConfig) -> MachineState:
    reserved = reserved_by_node(config)
    state = MachineState()
    for node in sorted(topology.numa_nodes, key=lambda n: n.id):
        mem: dict[str, Table] = {}
        node_reserved = reserved.get(node.id, {})
        hugepage_bytes = 0
        for size, pages in sorted(node.hugepages.items()):
            name = hugepage_resource(size)
            total = pages * size
            sys_res = node_reserved.get(name, 0)
            alloc = (total - sys_res) % U64
            mem[name] = Table(total, sys_res, alloc, 0, alloc)
            hugepage_bytes += total
        sys_res = node_reserved.get(MEMORY, 0)
        alloc = (node.memory_bytes - sys_res - hugepage_bytes) % U64
        mem[MEMORY] = Table(node.memory_bytes, sys_res, alloc, 0, alloc)
        state[node.id] = NodeMem(0, mem, [node.id])
    return state


def machine_state_from(checkpoint: Mapping[int, NumaMemoryState]) -> MachineState:
    out = MachineState()
    for node_id, node in sorted(checkpoint.items()):
        out[node_id] = NodeMem(
            node.number_of_assignments,
            {
                name: Table(t.total, t.system_reserved, t.allocatable, t.reserved, t.free)
                for name, t in node.memory_map.items()
            },
            list(node.cells),
        )
    return out


def export_machine_state(
    state: MachineState, origin: Mapping[int, NumaMemoryState] | None = None
) -> Mapping[int, NumaMemoryState]:
    """`origin`: the checkpoint a shared state was loaded from, whose entries stand for the
    nodes not changed since (`machine_state_from` copies them field for field, in order)."""
    return MappingProxyType(
        {
            node_id: origin[node_id]
            if origin and state.shared(node_id) and node_id in origin
            else NumaMemoryState(
                number_of_assignments=node.number_of_assignments,
                memory_map=MappingProxyType(
                    {
                        name: MemoryTable(t.total, t.system_reserved, t.allocatable, t.reserved, t.free)
                        for name, t in node.memory_map.items()
                    }
                ),
                cells=tuple(node.cells),
            )
            for node_id, node in sorted(state.items())
        }
    )


def charge(state: MachineState, nodes: list[int], resource: str, size: int) -> None:
    """`updateMachineState`: count the assignment on every node, take memory node by node."""
    for node_id in nodes:
        node = state.writable(node_id)
        if node is None:  # a NUMA node without memory-manager state holds nothing
            continue
        node.number_of_assignments += 1
        node.cells = list(nodes)
        if size == 0:
            continue
        table = node.memory_map.get(resource)
        if table is None or table.free <= 0:
            continue
        if table.free >= size:
            table.reserved += size
            table.free -= size
            size = 0
            continue
        size -= table.free
        table.reserved += table.free
        table.free = 0


def release(state: MachineState, blocks: Iterable[MemoryBlock]) -> None:
    """`releaseMemory`: the reverse of `charge`, block by block."""
    for block in blocks:
        size = block.size
        for node_id in block.numa_affinity:
            node = state.writable(node_id)
            if node is None:
                continue
            node.number_of_assignments -= 1
            if node.number_of_assignments == 0:
                node.cells = [node_id]
            if size == 0:
                continue
            table = node.memory_map.get(block.type)
            if table is None or table.reserved == 0:
                continue
            if table.reserved < size:
                size -= table.reserved
                table.free += table.reserved
                table.reserved = 0
                continue
            table.free += size
            table.reserved -= size
            size = 0


def machine_states_equal(actual: MachineState, expected: MachineState) -> bool:
    """`areMachineStatesEqual`: same tables, and the same free/reserved over each node's group."""
    if set(actual) != set(expected):
        return False
    for node_id, a in actual.items():
        e = expected[node_id]
        if a.number_of_assignments != e.number_of_assignments:
            return False
        if sorted(a.cells) != sorted(e.cells):
            return False
        if set(a.memory_map) != set(e.memory_map):
            return False
        group = [n for n in a.cells if n in actual and n in expected]
        for name, ta in a.memory_map.items():
            te = e.memory_map[name]
            if (ta.total, ta.system_reserved, ta.allocatable) != (
                te.total,
                te.system_reserved,
                te.allocatable,
            ):
                return False
            free_a = sum(actual[n].memory_map[name].free for n in group if name in actual[n].memory_map)
            free_e = sum(expected[n].memory_map[name].free for n in group if name in expected[n].memory_map)
            res_a = sum(actual[n].memory_map[name].reserved for n in group if name in actual[n].memory_map)
            res_e = sum(
                expected[n].memory_map[name].reserved for n in group if name in expected[n].memory_map
            )
            if free_a != free_e or res_a != res_e:
                return False
    return True
