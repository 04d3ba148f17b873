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

    __slots__ = _fields = ("default", "assignments", "pod_cpusets")

    def __init__(
        self,
        default: CPUSet = _NO_DEFAULT,
        assignments: dict[str, dict[str, CPUSet]] | None = None,
        pod_cpusets: dict[str, CPUSet] | None = None,
    ) -> None:
        self.default = default
        self.assignments = {} if assignments is None else assignments
        self.pod_cpusets = {} if pod_cpusets is None else pod_cpusets

    def get(self, pod: str, container: str) -> CPUSet | None:
        return self.assignments.get(pod, {}).get(container)

    def set(self, pod: str, container: str, cpus: CPUSet) -> None:
        self.assignments.setdefault(pod, {})[container] = cpus

    def delete(self, pod: str, container: str) -> None:
        entries = self.assignments.get(pod)
        if entries is not None:
            entries.pop(container, None)
            if not entries:
                del self.assignments[pod]

    def copy(self) -> CPUState:
        return CPUState(
            self.default, {p: dict(cs) for p, cs in self.assignments.items()}, dict(self.pod_cpusets)
        )
