"""A container's isolation level as far as the CPU manager checkpoint alone can tell it.

The kubelet decides it in `GetResourceIsolationLevel` (cpumanager/cpu_manager.go) from the pod
spec: no cpuset entry means `host` (the node shared pool); an entry in a pod with pod-level
resources for a container that does not qualify for exclusive CPUs means `pod` (the pod shared
pool, CFS quota kept); anything else is `container` (exclusive, quota off). A checkpoint read
without the pod spec holds only the sets `AllocatePod` (cpumanager/policy_static.go) wrote:
exclusive containers get disjoint sets carved out of the pod bubble, and every container without
one of its own gets the same final pod shared pool. So:

- outside a bubble (scope `container`) only exclusive containers have entries;
- a set held by more than one container of a bubble is its pod shared pool;
- when a bubble has such a set, or its containers leave some of it unheld (a shared container
  would hold all the leftover), every other set is exclusive;
- otherwise each set held by one container alone may be exclusive or the pod shared pool of a
  lone shared container (pod 4: `app` 2 exclusive and `sidecar` 2 exclusive is the same
  checkpoint as `app` 2 exclusive and a request-less `sidecar` in the pool): `pod-or-container`.
  The container's cgroup settles it (exclusive CPUs switch its quota off), which the usage view
  reads; the checkpoint cannot.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from typing import Literal

from workbench.topology.cpuset import CPUSet

CheckpointIsolation = Literal["host", "pod", "container", "pod-or-container"]


def checkpoint_isolation(
    entries: Mapping[str, CPUSet], bubble: CPUSet | None
) -> dict[str, CheckpointIsolation]:
    """Isolation of each container with an entry in `entries` (one pod's checkpoint entries)."""
    if bubble is None:
        return {name: "container" for name in entries}
    counts = Counter(entries.values())
    pool = max((s for s, n in counts.items() if n > 1), key=len, default=None)
    held = CPUSet().union(*entries.values())
    decided = pool is not None or held != bubble
    out: dict[str, CheckpointIsolation] = {}
    for name, cpus in entries.items():
        if cpus == pool:
            out[name] = "pod"
        elif decided:
            out[name] = "container"
        else:
            out[name] = "pod-or-container"
    return out

