"""Drift: where the live cgroups differ from what the kubelet's checkpoint or our journal expect.

Two sources of expectations:

- "checkpoint": the kubelet's `cpu_manager_state` and `memory_manager_state` (a `NodeState`):
  every container with an exclusive cpuset should run on exactly that set, and every container
  with memory blocks on exactly the union of their NUMA nodes (`cpuset.mems`). The pod cgroup
  is found by UID under any QoS class of the driver's layout. A container's cgroup is its
  runtime scope; with `container_ids[uid][name]` the scope is compared directly, without it
  the check is by set: some scope of the pod must hold exactly that set (the checkpoint names
  containers, the tree names container IDs). A checkpointed pod without a cgroup is drift too.
- "journal": (path, value) pairs the journal last wrote (path = "cgroup/file" relative to the
  root; `Write.target`; a path that is not an interface file is a directory the journal
  created, which must still exist); each must still read back the same (cpusets as sets, memory within a
  page, `cgroup.procs` as "the PID is still there").

`find_drift` returns both lists together; the CLI prints them and exits 1 when any is found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from workbench.cgroups.fs import CgroupFS, join
from workbench.cgroups.layout import Driver, kubelet_pod_cgroup, runtime_scopes
from workbench.cgroups.ops import still_ours
from workbench.cgroups.write import Write
from workbench.errors import InputError
from workbench.kube.model import NodeState
from workbench.topology.cpuset import CPUSet, CPUSetError

QOS_CLASSES = ("Guaranteed", "Burstable", "BestEffort")
_CONTROLLER_PREFIXES = frozenset(
    {"cgroup", "cpuset", "cpu", "memory", "io", "pids", "hugetlb", "rdma", "misc"}
)


@dataclass(frozen=True)
class Drift:
    # "cgroup/file" relative to the cgroup root ("cgroup" alone for a missing directory)
    path: str
    expected: str
    # None: the file or cgroup is missing
    actual: str | None
    # "checkpoint" or "journal"
    source: str
    detail: str = ""


def find_pod_cgroup(fs: CgroupFS, driver: Driver, uid: str) -> str | None:
    """The pod's cgroup under whichever QoS class holds it, None when there is none."""
    for qos in QOS_CLASSES:
        try:
            path = kubelet_pod_cgroup(driver, qos, uid)
        except InputError:
            return None
        if fs.exists(path):
            return path
    return None


def _set(fs: CgroupFS, cgroup: str, kind: str) -> CPUSet | None:
    """The set a cgroup runs on: its request, or its effective set when the request is empty."""
    for file in (f"cpuset.{kind}", f"cpuset.{kind}.effective"):
        text = fs.read(cgroup, file)
        if text:
            try:
                return CPUSet.parse(text)
            except CPUSetError:
                return None
    return None


def _expected(state: NodeState, uid: str) -> dict[str, dict[str, CPUSet]]:
    """container -> {"cpus": set, "mems": set} from the CPU and memory manager checkpoints."""
    out: dict[str, dict[str, CPUSet]] = {}
    for name, cpus in state.cpu_assignments.get(uid, {}).items():
        out.setdefault(name, {})["cpus"] = cpus
    for name, blocks in state.memory_assignments.get(uid, {}).items():
        nodes = CPUSet().union(*(b.numa_affinity for b in blocks))
        if nodes:
            out.setdefault(name, {})["mems"] = nodes
    return out


def drift_from_checkpoint(
    fs: CgroupFS,
    state: NodeState,
    driver: Driver = "systemd",
    *,
    container_ids: Mapping[str, Mapping[str, str]] | None = None,
) -> list[Drift]:
    """Containers whose cgroup cpus/mems differ from the kubelet's checkpoints (see module doc).

    `container_ids` maps pod UID -> container name -> container ID.
    """
    out: list[Drift] = []
    ids = container_ids or {}
    for uid in sorted(set(state.cpu_assignments) | set(state.memory_assignments)):
        expected = _expected(state, uid)
        if not expected:
            continue
        label = state.pod_label(uid)
        pod_dir = find_pod_cgroup(fs, driver, uid)
        if pod_dir is None:
            out.append(
                Drift(
                    f"pod{uid}",
                    "a pod cgroup",
                    None,
                    "checkpoint",
                    f"pod {label} is in the checkpoint but has no cgroup on this node",
                )
            )
            continue
        scopes = runtime_scopes(fs, pod_dir)
        held = {kind: {s: _set(fs, join(pod_dir, s), kind) for s in scopes} for kind in ("cpus", "mems")}
        for name in sorted(expected):
            cid = ids.get(uid, {}).get(name, "").split("://", 1)[-1]
            match = [s for s in scopes if cid and cid in s]
            if cid and len(match) != 1:
                out.append(
                    Drift(
                        join(pod_dir, cid),
                        "a container scope",
                        None,
                        "checkpoint",
                        f"{label} {name}: no scope for ID {cid}",
                    )
                )
                continue
            for kind, want in sorted(expected[name].items()):
                if cid:
                    got = held[kind][match[0]]
                    if got != want:
                        out.append(
                            Drift(
                                join(pod_dir, match[0], f"cpuset.{kind}"),
                                str(want),
                                None if got is None else str(got),
                                "checkpoint",
                                f"{label} {name}",
                            )
                        )
                elif want not in held[kind].values():
                    actual = ", ".join(f"{s}={v}" for s, v in held[kind].items()) or None
                    out.append(
                        Drift(
                            join(pod_dir, f"cpuset.{kind}"),
                            str(want),
                            actual,
                            "checkpoint",
                            f"{label} {name}: no container scope of the pod runs on {kind} {want}",
                        )
                    )
    return out


def drift_from_journal(fs: CgroupFS, expectations: Iterable[tuple[str, str]]) -> list[Drift]:
    """(path, value) pairs the journal last wrote that the tree no longer shows."""
    out: list[Drift] = []
    for path, value in expectations:
        cgroup, _, file = path.rpartition("/")
        if file.split(".")[0] not in _CONTROLLER_PREFIXES or file.endswith((".slice", ".scope")):
            # a directory the journal created (its path, any value)
            if not fs.exists(path):
                out.append(Drift(path, "a cgroup", None, "journal", "created by the journal, now gone"))
            continue
        w = Write(cgroup, file, value)
        if not still_ours(fs, w):
            out.append(
                Drift(path, value, fs.read(cgroup, file), "journal", "changed since the journal wrote it")
            )
    return out


def find_drift(
    fs: CgroupFS,
    *,
    state: NodeState | None = None,
    driver: Driver = "systemd",
    container_ids: Mapping[str, Mapping[str, str]] | None = None,
    expectations: Iterable[tuple[str, str]] = (),
) -> list[Drift]:
    """Checkpoint drift (when `state` is given) followed by journal drift."""
    found = drift_from_checkpoint(fs, state, driver, container_ids=container_ids) if state else []
    return found + drift_from_journal(fs, expectations)
