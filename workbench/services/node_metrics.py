"""Use case "metrics of the node's placement": per NUMA node, what the kubelet can hand out and
what it has handed out, in CPUs and memory bytes; what drifted. Read from the same node state as
`workbench node` and the grid (services.ownership), so Grafana and the console agree.

CPUs: allocatable on a NUMA node are its CPUs outside `reservedSystemCPUs` (the static policy
never hands those out exclusively, `staticPolicy.validateState`/`GetAllocatableCPUs`); assigned
are the CPUs taken out of the node shared pool (exclusive containers and pod bubbles).
Memory: the memory manager's machine state (`allocatable`, `reserved` of resource `memory`);
without memory manager state the node's total is allocatable and nothing is assigned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.kube.model import MEMORY
from workbench.services.metric_family import Family
from workbench.services.ownership import OwnerKind, memory_rows, ownership

if TYPE_CHECKING:
    from workbench.services.source import Node

NUMA = ("numa_node",)
# CPU owners that the node shared pool no longer holds.
TAKEN = frozenset({OwnerKind.EXCLUSIVE, OwnerKind.POD_SHARED, OwnerKind.BUBBLE})


def numa_families(node: Node) -> list[Family]:
    cpus_alloc = Family(
        "workbench_numa_allocatable_cpus", "gauge", "CPUs of the NUMA node the kubelet can assign", NUMA
    )
    cpus_taken = Family(
        "workbench_numa_assigned_cpus",
        "gauge",
        "CPUs of the NUMA node assigned exclusively or to pod bubbles",
        NUMA,
    )
    mem_alloc = Family(
        "workbench_numa_allocatable_memory",
        "gauge",
        "memory of the NUMA node the memory manager can assign",
        NUMA,
        unit="bytes",
    )
    mem_taken = Family(
        "workbench_numa_assigned_memory",
        "gauge",
        "memory of the NUMA node the memory manager has assigned to pods",
        NUMA,
        unit="bytes",
    )
    owners = ownership(node.topology, node.config, node.state).cpus
    for numa, cpus in sorted(node.topology.cpus_by_numa.items()):
        kinds = [owners[c].kind for c in cpus if c in owners]
        reserved = sum(1 for k in kinds if k is OwnerKind.RESERVED)
        cpus_alloc.add(float(len(cpus) - reserved), str(numa))
        cpus_taken.add(float(sum(1 for k in kinds if k in TAKEN)), str(numa))
    rows = {r["numa"]: r for r in memory_rows(node.state) if r["resource"] == MEMORY}
    for numa_node in node.topology.numa_nodes:
        row = rows.get(numa_node.id)
        mem_alloc.add(float(row["allocatable"] if row else numa_node.memory_bytes), str(numa_node.id))
        mem_taken.add(float(row["reserved"] if row else 0), str(numa_node.id))
    return [cpus_alloc, cpus_taken, mem_alloc, mem_taken]


def drift_family(findings: int | None) -> list[Family]:
    """How many cgroup values differ from what the kubelet or the journal expect (none without a
    cgroup tree to compare)."""
    if findings is None:
        return []
    fam = Family("workbench_drift_findings", "gauge", "cgroup values that drifted from the plan", ())
    fam.add(float(findings))
    return [fam]


def build_family(version: str) -> Family:
    fam = Family("workbench_build_info", "gauge", "the workbench build serving these metrics", ("version",))
    fam.add(1.0, version)
    return fam
