"""Which CPUs the kubelet's static CPU manager policy picks: `takeByTopology`, exactly.

A transcription of kubernetes `pkg/kubelet/cm/cpumanager/cpu_assignment.go`: the accumulator
lives in `cpu_accumulator`, `takeByTopologyNUMAPacked` in `cpu_take_packed` and
`takeByTopologyNUMADistributed` in `cpu_take_distributed`; this module dispatches on the policy
options as `staticPolicy.takeByTopology` does. Ties are broken the way the Go code breaks them,
because a different but "equally good" pick is a wrong answer for a preview: the operator will
compare it with the real node.
"""

from __future__ import annotations

from collections.abc import Iterable

from workbench.admission.cpu_index import cpu_index
from workbench.admission.cpu_take_distributed import take_distributed
from workbench.admission.cpu_take_packed import take_packed
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology

FULL_PCPUS_ONLY = "full-pcpus-only"
DISTRIBUTE_CPUS_ACROSS_NUMA = "distribute-cpus-across-numa"
DISTRIBUTE_CPUS_ACROSS_CORES = "distribute-cpus-across-cores"
PREFER_ALIGN_BY_UNCORECACHE = "prefer-align-cpus-by-uncorecache"
ALIGN_BY_SOCKET = "align-by-socket"
STRICT_CPU_RESERVATION = "strict-cpu-reservation"

__all__ = ["take_by_topology", "take_distributed", "take_packed"]


def take_by_topology(
    topology: Topology, available: Iterable[int], count: int, *, options: Iterable[str] = ()
) -> CPUSet:
    """`staticPolicy.takeByTopology`: `count` CPUs out of `available`, as the kubelet picks them.

    `options` are the CPU manager policy options that are switched on. Raises
    `AllocationError` carrying the kubelet's message when the request cannot be met.
    """
    opts = set(options)
    index = cpu_index(topology)
    spread = DISTRIBUTE_CPUS_ACROSS_CORES in opts
    if DISTRIBUTE_CPUS_ACROSS_NUMA in opts:
        group = index.cpus_per_core if FULL_PCPUS_ONLY in opts else 1
        return take_distributed(index, available, count, group, spread=spread)
    return take_packed(index, available, count, spread=spread, uncore=PREFER_ALIGN_BY_UNCORECACHE in opts)
