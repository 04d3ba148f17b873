"""`cpuAccumulator` of kubernetes `pkg/kubelet/cm/cpumanager/cpu_assignment.go`.

What the CPU picker keeps while it works: the free CPUs, how many are still needed, what was
taken, and how many CPUs of each core/socket/NUMA node/uncore cache are still free. The sort
orders (`sortAvailableNUMANodes`, `...Sockets`, `...Cores`, `...UncoreCaches`, `...CPUsPacked`,
`...CPUsSpread`) and the "take whole units" steps are the Go code's, tie for tie.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from workbench.admission.cpu_index import CPUIndex
from workbench.topology.cpuset import CPUSet


class CPUAccumulator:
    """Free CPUs, what is still needed, what was taken, per-unit free counts."""

    def __init__(self, index: CPUIndex, available: Iterable[int], needed: int, *, spread: bool) -> None:
        self.ix = index
        if isinstance(available, CPUSet):
            available = available.as_frozenset()  # C-level set algebra, not CPUSet.__iter__
        self.avail: set[int] = set(index.cpu_set.intersection(available))
        self.needed = needed
        self.result: set[int] = set()
        self.spread = spread
        # Counted over the free CPUs only: picks inside a pod bubble see a handful of CPUs of a
        # 512-CPU node, and a unit with no free CPU has no entry or a zero (as after a take).
        # Mostly free: the whole machine's counts less the busy CPUs; else count the free ones.
        if 2 * len(self.avail) > len(index.cpus):
            busy = index.cpu_set.difference(self.avail)
            full = index.full_counts
            self.free_core, self.free_socket, self.free_numa = dict(full[0]), dict(full[1]), dict(full[2])
            self.free_uncore, self.free_numa_socket = dict(full[3]), dict(full[4])
            self.free_numa_uncore = dict(full[5])
            for c in busy:
                self._uncount(c)
        else:
            self._count(index, self.avail)

    def _count(self, index: CPUIndex, cpus: Iterable[int]) -> None:
        core: dict[int, int] = {}
        socket: dict[int, int] = {}
        numa: dict[int, int] = {}
        uncore: dict[int, int] = {}
        numa_socket: dict[tuple[int, int], int] = {}
        numa_uncore: dict[tuple[int, int], int] = {}
        keys = index.unit_keys
        for c in cpus:
            k, s, n, u, ns, nu = keys[c]
            core[k] = core.get(k, 0) + 1
            socket[s] = socket.get(s, 0) + 1
            numa[n] = numa.get(n, 0) + 1
            uncore[u] = uncore.get(u, 0) + 1
            numa_socket[ns] = numa_socket.get(ns, 0) + 1
            numa_uncore[nu] = numa_uncore.get(nu, 0) + 1
        self.free_core = core
        self.free_socket = socket
        self.free_numa = numa
        self.free_uncore = uncore
        self.free_numa_socket = numa_socket
        self.free_numa_uncore = numa_uncore

    def _uncount(self, c: int) -> None:
        k, s, n, u, ns, nu = self.ix.unit_keys[c]
        self.free_core[k] -= 1
        self.free_socket[s] -= 1
        self.free_numa[n] -= 1
        self.free_uncore[u] -= 1
        self.free_numa_socket[ns] -= 1
        self.free_numa_uncore[nu] -= 1

    # ---- state ----------------------------------------------------------------------
    def take(self, cpus: Iterable[int]) -> None:
        taken = list(cpus)
        for c in taken:
            if c in self.avail:
                self.avail.discard(c)
                self._uncount(c)
        self.result.update(taken)
        # Go subtracts the size of the set handed in, even for CPUs it already held.
        self.needed -= len(set(taken))

    def satisfied(self) -> bool:
        return self.needed < 1

    def failed(self) -> bool:
        return self.needed > len(self.avail)

    def avail_in(self, cpus: Iterable[int]) -> list[int]:
        a = self.avail
        return [c for c in cpus if c in a]

    # ---- sorting ------------------------------------------------------------------------
    @staticmethod
    def _sort(ids: Iterable[int], free: dict[int, int]) -> list[int]:
        # ascending number of free CPUs, ties by ascending id
        return sorted(ids, key=lambda i: (free.get(i, 0), i))

    def sort_numas(self) -> list[int]:
        if self.ix.numa_first:
            return self._sort((n for n, k in self.free_numa.items() if k > 0), self.free_numa)
        out: list[int] = []
        for s in self.sort_sockets():
            numas = (
                n for n in self.ix.numas_in_socket.get(s, ()) if self.free_numa_socket.get((n, s), 0) > 0
            )
            out.extend(self._sort(numas, self.free_numa))
        return out

    def sort_sockets(self) -> list[int]:
        if not self.ix.numa_first:
            return self._sort((s for s, k in self.free_socket.items() if k > 0), self.free_socket)
        out: list[int] = []
        for n in self.sort_numas():
            socks = (
                s for s in self.ix.sockets_in_numa.get(n, ()) if self.free_numa_socket.get((n, s), 0) > 0
            )
            out.extend(self._sort(socks, self.free_socket))
        return out

    def sort_cores(self) -> list[int]:
        out: list[int] = []
        fc = self.free_core
        # the cores with a free CPU, grouped under each socket (NUMA node) that lists them:
        # a pick sees a few free cores of a machine with hundreds, so the groups are built from
        # the free cores rather than by filtering every core of every group
        ix = self.ix
        numa_first = ix.numa_first
        parents = ix.sockets_of_core if numa_first else ix.numas_of_core
        groups: dict[int, list[int]] = {}
        for c, k in fc.items():
            if k > 0:
                for g in parents.get(c, ()):
                    groups.setdefault(g, []).append(c)
        for g in self.sort_sockets() if numa_first else self.sort_numas():
            cores = groups.get(g)
            if cores:
                out.extend(self._sort(cores, fc))
        return out

    def sort_uncores(self) -> list[int]:
        out: list[int] = []
        for n in self.sort_numas():
            us = (u for u in self.ix.uncores_in_numa.get(n, ()) if self.free_numa_uncore.get((n, u), 0) > 0)
            out.extend(self._sort(us, self.free_uncore))
        return out

    def sort_cpus(self) -> list[int]:
        """packed: core by core in `sort_cores` order; spread: socket by socket, ids ascending."""
        out: list[int] = []
        if self.spread:
            for s in self.sort_sockets():
                out.extend(self.avail_in(self.ix.cpus_in_socket[s]))
        else:
            for c in self.sort_cores():
                out.extend(self.avail_in(self.ix.cpus_in_core[c]))
        return out

    # ---- taking whole units -------------------------------------------------------------
    def _take_full(
        self, units: list[int], free: dict[int, int], cpus_in: Callable[[int], tuple[int, ...]]
    ) -> None:
        whole = [u for u in units if free.get(u, 0) == len(cpus_in(u))]
        for u in whole:
            cpus = cpus_in(u)
            if self.needed >= len(cpus):
                self.take(cpus)

    def _any_whole(self, free: dict[int, int], cpus_in: Mapping[int, tuple[int, ...]]) -> bool:
        """Whether some unit is wholly free and fits the need: else `_take_full` takes nothing
        whatever the order, and the units are not sorted (the need only shrinks as it takes)."""
        needed = self.needed
        for u, k in free.items():
            if 0 < k <= needed and k == len(cpus_in[u]):
                return True
        return False

    def take_full_numas(self) -> None:
        if self._any_whole(self.free_numa, self.ix.cpus_in_numa):
            self._take_full(self.sort_numas(), self.free_numa, self.ix.cpus_in_numa.__getitem__)

    def take_full_sockets(self) -> None:
        if self._any_whole(self.free_socket, self.ix.cpus_in_socket):
            self._take_full(self.sort_sockets(), self.free_socket, self.ix.cpus_in_socket.__getitem__)

    def take_full_cores(self) -> None:
        if self._any_whole(self.free_core, self.ix.cpus_in_core):
            self._take_full(self.sort_cores(), self.free_core, self.ix.cpus_in_core.__getitem__)

    def take_full_uncores(self) -> None:
        """`takeFullUncore`."""
        if self._any_whole(self.free_uncore, self.ix.cpus_in_uncore):
            self._take_full(self.sort_uncores(), self.free_uncore, self.ix.cpus_in_uncore.__getitem__)

    def take_partial_uncore(self, uncore: int) -> None:
        """`takePartialUncore`: the first free cores of this uncore cache, if they are exactly enough."""
        per_core = self.ix.cpus_per_core
        cores_needed = (self.needed + per_core - 1) // per_core
        # `CoresNeededInUncoreCache`: the lowest core ids with a free CPU in this cache
        cores = sorted(c for c in self.ix.cores_in_uncore.get(uncore, ()) if self.free_core.get(c, 0) > 0)
        chosen = cores[:cores_needed]
        free_cpus = sorted(x for c in chosen for x in self.avail_in(self.ix.cpus_in_core[c]))
        # An odd remaining need on SMT leaves the last thread of the last core behind (the
        # kubelet's takePartialUncore since the odd-integer cases of
        # TestStaticPolicyAddWithUncoreAlignment; there is no other variant upstream).
        if self.needed % 2 != 0 and per_core > 1 and len(free_cpus) > self.needed:
            free_cpus = free_cpus[:-1]
        if self.needed == len(free_cpus):
            self.take(free_cpus)

    def take_uncore_caches(self) -> None:
        """`takeUncoreCache`: whole caches while the need is at least `CPUsPerUncore`, then a
        partial fit, cache by cache in `sortAvailableUncoreCaches` order."""
        per_uncore = self.ix.cpus_per_uncore
        for u in self.sort_uncores():
            if self.needed >= per_uncore:
                self.take_full_uncores()
            if self.satisfied():
                return
            self.take_partial_uncore(u)
            if self.satisfied():
                return

    def take_remaining(self) -> None:
        for c in self.sort_cpus():
            self.take((c,))
            if self.satisfied():
                return
