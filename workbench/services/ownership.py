"""Use case "who owns what": the owner of every CPU and the memory held on every NUMA node.

CPU owners come from `admission.ownership` (the one owner model). Memory per NUMA node comes
from the memory manager's machine state (`NodeState.memory`), which fills one node after
another (`updateMachineState`) for a block spanning several nodes; it is never split evenly.
`workbench node` and the TUI both read it here, so they cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from workbench.admission.ownership import (
    DESCRIPTIONS,
    Owner,
    OwnerKind,
    cpu_owners,
    kinds_present,
    pod_cpus,
    pods_on_node,
    related_cpus,
)
from workbench.kube.model import MEMORY
from workbench.record import Record, setfield

if TYPE_CHECKING:
    from workbench.admission.decision import Decision
    from workbench.kube.model import NodeConfig, NodeState
    from workbench.topology.model import Topology

__all__ = [
    "DESCRIPTIONS",
    "NumaMemory",
    "Owner",
    "OwnerKind",
    "Ownership",
    "kinds_present",
    "memory_rows",
    "numa_memory",
    "ownership",
    "pod_cpus",
    "pods_on_node",
    "related_cpus",
]



class NumaMemory(Record):
    """`memory` (not hugepages) of one NUMA node, in bytes: what pods hold, and the node's total."""

    used: int
    total: int

    __slots__ = _fields = ("used", "total")

    def __init__(self, used: int, total: int) -> None:
        setfield(self, "used", used)
        setfield(self, "total", total)


class Ownership(Record):
    """The whole node at once: computed once per node state, read by every panel."""

    cpus: Mapping[int, Owner]
    memory: Mapping[int, NumaMemory]

    __slots__ = _fields = ("cpus", "memory")

    def __init__(self, cpus: Mapping[int, Owner], memory: Mapping[int, NumaMemory]) -> None:
        setfield(self, "cpus", cpus)
        setfield(self, "memory", memory)


def memory_rows(state: NodeState) -> list[dict[str, Any]]:
    """The memory manager's tables, one row per NUMA node and resource (memory first)."""
    rows: list[dict[str, Any]] = []
    for numa, node in sorted((state.memory or {}).items()):
        for res, t in sorted(node.memory_map.items(), key=lambda kv: (kv[0] != MEMORY, kv[0])):
            rows.append(
                {
                    "numa": numa,
                    "resource": res,
                    "total": t.total,
                    "system_reserved": t.system_reserved,
                    "allocatable": t.allocatable,
                    "reserved": t.reserved,
                    "free": t.free,
                    "cells": list(node.cells),
                    "assignments": node.number_of_assignments,
                }
            )
    return rows


def numa_memory(topology: Topology, state: NodeState) -> dict[int, NumaMemory]:
    """Per NUMA node: bytes of `memory` the memory manager has reserved for pods, and the total.
    Without memory manager state (policy None, fresh node) nothing is held."""
    held = {r["numa"]: r for r in memory_rows(state) if r["resource"] == MEMORY}
    out: dict[int, NumaMemory] = {}
    for node in topology.numa_nodes:
        row = held.get(node.id)
        out[node.id] = NumaMemory(row["reserved"], row["total"]) if row else NumaMemory(0, node.memory_bytes)
    return out


def ownership(
    topology: Topology,
    config: NodeConfig,
    state: NodeState,
    decisions: Mapping[str, Decision] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Ownership:
    """Owners of every CPU (`decisions`, by pod key, refine the pods the app placed) and memory."""
    return Ownership(
        cpu_owners(topology, config, state, decisions, labels),
        numa_memory(topology, state),
    )
