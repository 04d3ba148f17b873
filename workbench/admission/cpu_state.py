"""The CPU manager's state (`cpumanager/state`): what `cpu_manager_state` records.

The node shared pool (`defaultCpuSet`), each container's own cpuset entry and, with the pod-level
resource managers, each pod's bubble (`podEntries`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from workbench.topology.cpuset import CPUSet


@dataclass
class CPUState:
    """The checkpoint's view: shared pool, container entries, pod (bubble) entries."""

    default: CPUSet = field(default_factory=CPUSet)
    assignments: dict[str, dict[str, CPUSet]] = field(default_factory=dict)
    pod_cpusets: dict[str, CPUSet] = field(default_factory=dict)

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
