"""`takeByTopologyNUMAPacked` of kubernetes `pkg/kubelet/cm/cpumanager/cpu_assignment.go`.

Whole NUMA nodes and sockets first (in the order the machine's shape dictates), then whole
uncore caches when `prefer-align-cpus-by-uncorecache` is on, then whole cores (unless the
`distribute-cpus-across-cores` spread order applies), then single CPUs.
"""

from __future__ import annotations

from collections.abc import Iterable

from workbench.admission.cpu_accumulator import CPUAccumulator
from workbench.admission.cpu_index import CPUIndex
from workbench.admission.errors import AllocationError
from workbench.topology.cpuset import CPUSet


def not_enough(requested: int, available: int) -> AllocationError:
    return AllocationError(
        f"not enough cpus available to satisfy request: requested={requested}, available={available}"
    )


def take_packed(
    index: CPUIndex, available: Iterable[int], count: int, *, spread: bool = False, uncore: bool = False
) -> CPUSet:
    """`takeByTopologyNUMAPacked`."""
    avail = available if isinstance(available, CPUSet) else CPUSet(available)
    if count < 1:
        # `isSatisfied` right after `newCPUAccumulator`: nothing to take (allocateCPUs asks
        # for the rest after the aligned pick, mostly 0), so no accumulator is built
        return CPUSet()
    acc = CPUAccumulator(index, avail, count, spread=spread)
    if acc.satisfied():
        return CPUSet()
    if acc.failed():
        raise not_enough(count, len(avail))
    if index.numa_first:
        acc.take_full_numas()
        if acc.satisfied():
            return CPUSet(acc.result)
        acc.take_full_sockets()
    else:
        acc.take_full_sockets()
        if acc.satisfied():
            return CPUSet(acc.result)
        acc.take_full_numas()
    if acc.satisfied():
        return CPUSet(acc.result)
    if uncore:
        acc.take_uncore_caches()
        if acc.satisfied():
            return CPUSet(acc.result)
    if not spread:
        acc.take_full_cores()
        if acc.satisfied():
            return CPUSet(acc.result)
    acc.take_remaining()
    if acc.satisfied():
        return CPUSet(acc.result)
    raise AllocationError("failed to allocate cpus")
