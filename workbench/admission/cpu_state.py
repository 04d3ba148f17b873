"""The CPU manager's state (`cpumanager/state`): what `cpu_manager_state` records.

The node shared pool (`defaultCpuSet`), each container's own cpuset entry and, with the pod-level
resource managers, each pod's bubble (`podEntries`).
"""

from __future__ import annotations

from workbench.record import MutableRecord
from workbench.topology.cpuset import CPUSet

_NO_DEFAULT: CPUSet = CPUSet()


class CPUState(MutableRecord):
    """The checkpoint's view: shared pool, container entries, pod (bubble) entries."""

    default: CPUSet
    assignments: dict[str, dict[str, CPUSet]]
    pod_cpusets: dict[str, CPUSet]

    _fields = ("default", "assignments", "pod_cpusets")
    # pods whose entry dict is shared with the state this one was `share`d from (not a field)
    __slots__ = (*_fields, "_shared")

    def __init__(
        self,
        default: CPUSet = _NO_DEFAULT,
        assignments: dict[str, dict[str, CPUSet]] | None = None,
        pod_cpusets: dict[str, CPUSet] | None = None,
    ) -> None:
        self.default = default
        self.assignments = {} if assignments is None else assignments
        self.pod_cpusets = {} if pod_cpusets is None else pod_cpusets
        self._shared: set[str] = set()

    def get(self, pod: str, container: str) -> CPUSet | None:
        return self.assignments.get(pod, {}).get(container)

    def _own(self, pod: str) -> dict[str, CPUSet] | None:
        entries = self.assignments.get(pod)
        if entries is not None and pod in self._shared:
            self._shared.discard(pod)
            entries = self.assignments[pod] = dict(entries)
        return entries

    def set(self, pod: str, container: str, cpus: CPUSet) -> None:
        entries = self._own(pod)
        if entries is None:
            entries = self.assignments[pod] = {}
        entries[container] = cpus

    def delete(self, pod: str, container: str) -> None:
        entries = self._own(pod)
        if entries is not None:
            entries.pop(container, None)
            if not entries:
                del self.assignments[pod]

    def copy(self) -> CPUState:
        return CPUState(
            self.default, {p: dict(cs) for p, cs in self.assignments.items()}, dict(self.pod_cpusets)
        )

    def share(self) -> CPUState:
        """A copy sharing each pod's entry dict until `set`/`delete` changes it (what the start
        cache hands out: an admission changes one pod's entries). This state must not change
        after; the entry dicts must be changed only through `set`/`delete`."""
        out = CPUState(self.default, dict(self.assignments), dict(self.pod_cpusets))
        out._shared = set(self.assignments)
        return out

    def shared(self, pod: str) -> bool:
        """Whether the pod's entries are still those of the state this one was shared from."""
        return pod in self._shared
