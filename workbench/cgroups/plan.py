"""The ordered writes that take the live cgroup tree to what a Decision says.

`plan(decision, layout, fs)` reads the live tree and returns `Write`s in the order they must
be applied:

1. directories created top-down, each parent enabling `+cpuset +cpu +memory` in its
   `cgroup.subtree_control` before its child is created (controllers top-down);
2. cpusets grown parent-first (a set that must gain CPUs first becomes old ∪ new), then
   shrunk child-first to their final values, for `cpuset.cpus` and `cpuset.mems`: no write
   ever asks for CPUs the parent does not hold at that moment (the v1 rule, and on v2 no
   transient narrowing);
3. `cpu.max` raised parent-first then lowered child-first (exclusive containers "max", the pod
   and its shared pool the pod quota, as the Decision says); then `memory.max` the same way;
4. `cgroup.procs` for `attach={container: pid}`.

The pod cgroup's cpuset is the pod bubble (pod-level resources) united with every container's
cpuset, so no container is narrowed by its pod. A write whose file already holds the target
value is left out. `Write.before` is the value the file will hold just before the write when
the plan is applied in order: the live value for the first write of a file, the previous
planned value after that, and None for files that do not exist yet (a directory the plan
creates, or a controller the plan enables). For `cgroup.procs`, `before` is the cgroup the PID
was in ("" = root; None = unknown), `value` the PID.

Pre-checks raise `PlanError` (an InputError: the CLI prints one line, exits 2) and nothing is
planned when: the tree is not writable (v1, hybrid, none); the pod was rejected; a controller is
not available at the root; controllers must be enabled in a non-root cgroup that has processes
of its own (the kernel answers EBUSY); the pod's cpus or mems are not all within the parent's
effective set (the kernel would silently narrow them); `memory.max` would go below
`memory.current` (the kernel reclaims and OOM-kills) unless `force`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from workbench.admission.decision import Decision
from workbench.cgroups.files import (
    DEFAULT_CPU_MAX,
    parse_controllers,
    parse_cpu_max,
    parse_memory,
)
from workbench.cgroups.fs import CgroupFS, parent_of
from workbench.cgroups.layout import Layout, PodCgroups, PodRef
from workbench.cgroups.normalise import UNLIMITED, holds
from workbench.cgroups.write import Write
from workbench.errors import InputError
from workbench.topology.cpuset import CPUSet

CONTROLLERS = ("cpuset", "cpu", "memory")
_DEFAULTS = {"cpuset.cpus": "", "cpuset.mems": "", "cpu.max": DEFAULT_CPU_MAX, "memory.max": UNLIMITED}


class PlanError(InputError):
    """A plan the kernel would reject, or one that would harm the workload (OOM) unless forced."""


@dataclass(frozen=True)
class Plan:
    writes: tuple[Write, ...]
    cgroups: PodCgroups
    # Things the operator should know that do not stop the plan (containers left out...).
    notes: tuple[str, ...] = ()


def pod_ref(decision: Decision) -> PodRef:
    """A PodRef from the Decision alone: `pod_key` is "namespace/name" or the pod UID, whose
    name and namespace admission records in `state_after.pods`."""
    ns, sep, name = decision.pod_key.partition("/")
    if sep:
        return PodRef(name=name, namespace=ns, qos_class=decision.qos_class)
    info = decision.state_after.pods.get(decision.pod_key)
    if info is not None and info.name:
        return PodRef(info.name, info.namespace or "default", decision.pod_key, decision.qos_class)
    return PodRef(name=decision.pod_key, uid=decision.pod_key, qos_class=decision.qos_class)


class _Tree:
    """The live tree as the plan will have changed it so far."""

    def __init__(self, fs: CgroupFS) -> None:
        self.fs = fs
        self.new_dirs: set[str] = set()
        self.values: dict[tuple[str, str], str | None] = {}

    def get(self, cgroup: str, file: str) -> str | None:
        key = (cgroup, file)
        if key not in self.values:
            self.values[key] = None if cgroup in self.new_dirs else self.fs.read(cgroup, file)
        return self.values[key]

    def exists(self, cgroup: str) -> bool:
        return cgroup in self.new_dirs or self.fs.exists(cgroup)


def _effective(tree: _Tree, cgroup: str, kind: str) -> CPUSet | None:
    """The effective set `cgroup` would get with an empty request: nearest existing ancestor's."""
    node = cgroup
    while True:
        if node not in tree.new_dirs:
            text = tree.fs.read(node, f"cpuset.{kind}.effective")
            if text is not None:
                return CPUSet.parse(text)
        if node == "":
            return None
        node = parent_of(node)


def _quota(value: str | None) -> float:
    if value is None:
        return float("inf")
    q = parse_cpu_max(value).quota
    return float("inf") if q is None else q / parse_cpu_max(value).period


def _bytes(value: str | None) -> float:
    if value is None:
        return float("inf")
    n = parse_memory(value)
    return float("inf") if n is None else float(n)


def build_plan(
    decision: Decision,
    layout: Layout,
    fs: CgroupFS,
    *,
    pod: PodRef | None = None,
    attach: Mapping[str, int] | None = None,
    force: bool = False,
) -> Plan:
    """The plan with the located cgroups and notes; `plan()` returns just its writes.

    `pod` names the pod for the layout (PodRef.from_pod(spec, decision.qos_class)); without it
    the name comes from `decision.pod_key`.
    """
    reason = fs.refuse_writes_reason()
    if reason is not None:
        raise PlanError(reason, fix="run on a cgroup v2 node, or try it in `workbench sandbox init DIR`")
    if not decision.admitted:
        raise PlanError(
            f"the kubelet would reject this pod ({decision.reason}): there is nothing to commit",
            source=decision.pod_key,
        )
    ref = pod if pod is not None else pod_ref(decision)
    placements = {c.name: c for c in decision.containers}
    names = list(placements)
    finished: list[str] = []
    if layout.name != "standalone":
        # plain init containers ran to completion before the app started: no scope is left
        finished = [c.name for c in decision.containers if c.kind == "init"]
        names = [n for n in names if n not in finished]
    located = layout.locate(fs, ref, names)
    attach = dict(attach or {})
    _check_attach(fs, located, attach)

    tree = _Tree(fs)
    _check_root(fs)
    containers = [located.containers[n] for n in placements if n in located.containers]
    # 1. directories and controllers, top-down: a parent enables them before its child is used
    writes = _directories(tree, located, [*located.ancestors, located.pod, *containers])
    # 2. targets
    targets = _targets(decision, located)
    order = [located.pod, *containers]
    # 3. pre-checks the kernel would otherwise answer with silent narrowing or an OOM kill
    _check_sets(tree, located.pod, targets[located.pod])
    if not force:
        _check_memory(tree, order, targets)
    # 4. cpusets: grow parent-first, shrink child-first; 5. limits: raise parent-first, lower
    # child-first; 6. processes
    writes += _cpusets(tree, order, targets)
    writes += _limits(tree, order, targets)
    writes += _processes(fs, located, attach)
    return Plan(tuple(writes), located, tuple(_notes(fs, tree, located, finished)))


Targets = dict[str, dict[str, tuple[str, str]]]


def _check_attach(fs: CgroupFS, located: PodCgroups, attach: Mapping[str, int]) -> None:
    for name, pid in attach.items():
        if name not in located.containers:
            raise InputError(
                f"cannot attach to container {name!r}: it is not in this pod's plan",
                field="--attach",
                fix=f"one of: {', '.join(located.containers) or '(none)'}",
            )
        if not isinstance(pid, int) or pid <= 0:
            raise InputError(f"PID {pid!r} for {name} is not a positive integer", field="--attach")
        if fs.kernel is None and not os.path.exists(f"/proc/{pid}"):
            raise InputError(f"no process {pid} on this host", field="--attach", fix="check the PID")


def _directories(tree: _Tree, located: PodCgroups, cgroups: Sequence[str]) -> list[Write]:
    writes: list[Write] = []
    for cg in cgroups:
        writes.extend(_enable(tree, parent_of(cg)))
        if not tree.exists(cg):
            if not located.create:
                raise PlanError(f"{tree.fs.display(cg)} does not exist and this layout does not create it")
            writes.append(Write(cg, "", "", action="mkdir", reason="create the cgroup"))
            tree.new_dirs.add(cg)
    return writes


def _targets(decision: Decision, located: PodCgroups) -> Targets:
    """cgroup -> file -> (value, why) for the pod and each located container."""
    placements = {c.name: c for c in decision.containers}
    # every container of the decision, found or not, so none is narrowed by its pod
    pod_cpus = CPUSet().union(*(c.cpus for c in decision.containers))
    pod_mems = CPUSet().union(*(c.mems for c in decision.containers))
    cpu_why = mem_why = "union of the containers' sets"
    if decision.pod is not None and decision.pod.cpus:
        pod_cpus = pod_cpus.union(decision.pod.cpus)
        cpu_why = "pod bubble and the containers' sets"
    if decision.pod is not None and decision.pod.mems:
        pod_mems = pod_mems.union(decision.pod.mems)
        mem_why = "pod NUMA nodes and the containers' nodes"
    targets: Targets = {
        located.pod: {
            "cpuset.cpus": (str(pod_cpus), f"pod cpuset: {cpu_why}"),
            "cpuset.mems": (str(pod_mems), f"pod mems: {mem_why}"),
        }
    }
    if decision.pod is not None:
        targets[located.pod]["cpu.max"] = (decision.pod.cpu_max, "pod CPU quota")
        targets[located.pod]["memory.max"] = (decision.pod.memory_max, "pod memory limit")
    for name, cg in located.containers.items():
        c = placements[name]
        targets[cg] = {
            "cpuset.cpus": (str(c.cpus), f"{name}: {c.isolation} isolation cpuset"),
            "cpuset.mems": (str(c.mems), f"{name}: NUMA nodes"),
            "cpu.max": (
                c.cpu_max,
                f"{name}: {'exclusive CPUs, no quota' if c.isolation == 'container' else 'CPU quota'}",
            ),
            "memory.max": (c.memory_max, f"{name}: memory limit"),
        }
    return targets


def _check_sets(tree: _Tree, pod: str, wanted: dict[str, tuple[str, str]]) -> None:
    for kind in ("cpus", "mems"):
        target = CPUSet.parse(wanted[f"cpuset.{kind}"][0])
        avail = _effective(tree, parent_of(pod), kind)
        if avail is not None and not target.issubset(avail):
            raise PlanError(
                f"the pod needs {kind} {target} but {tree.fs.display(parent_of(pod))} "
                f"only has {avail} (cpuset.{kind}.effective); the kernel would narrow them silently",
                fix="free those CPUs/nodes in the parent cgroup, or preview against this node's state",
            )


def _check_memory(tree: _Tree, order: Sequence[str], targets: Targets) -> None:
    for cg in order:
        if cg in tree.new_dirs or "memory.max" not in targets[cg]:
            continue
        limit = parse_memory(targets[cg]["memory.max"][0])
        current = tree.get(cg, "memory.current")
        if limit is not None and current is not None and limit < int(current):
            raise PlanError(
                f"memory.max {limit} for {tree.fs.display(cg)} is below its memory.current {current}: "
                "the kernel would reclaim and OOM-kill the workload",
                fix="raise the limit, or use --force to write it anyway",
            )


def _cpusets(tree: _Tree, order: Sequence[str], targets: Targets) -> list[Write]:
    """Grow parent-first (a set that must gain CPUs first becomes old | new), then shrink
    child-first to the final values."""
    grow: list[Write] = []
    for cg in order:
        for file in ("cpuset.cpus", "cpuset.mems"):
            target = CPUSet.parse(targets[cg][file][0])
            held = CPUSet.parse(_current(tree, cg, file))
            if not target.issubset(held):
                value = str(held.union(target))
                why = targets[cg][file][1] + ("" if value == str(target) else " (grown first, shrunk below)")
                grow.append(Write(cg, file, value, before=tree.get(cg, file), reason=why))
                tree.values[(cg, file)] = value
    shrink: list[Write] = []
    for cg in reversed(order):
        for file in ("cpuset.cpus", "cpuset.mems"):
            value, why = targets[cg][file]
            if not holds(file, _current(tree, cg, file), value):
                shrink.append(Write(cg, file, value, before=tree.get(cg, file), reason=why))
                tree.values[(cg, file)] = value
    return grow + shrink


def _limits(tree: _Tree, order: Sequence[str], targets: Targets) -> list[Write]:
    """`cpu.max`, then `memory.max`: raised parent-first, lowered child-first."""
    writes: list[Write] = []
    for file, size in (("cpu.max", _quota), ("memory.max", _bytes)):
        ups: list[Write] = []
        downs: list[Write] = []
        for cg in order:
            if file not in targets[cg]:
                continue
            value, why = targets[cg][file]
            now = _current(tree, cg, file)
            if holds(file, now, value):
                continue
            w = Write(cg, file, value, before=tree.get(cg, file), reason=why)
            (ups if size(value) >= size(now) else downs).append(w)
        writes += ups + list(reversed(downs))
    return writes


def _processes(fs: CgroupFS, located: PodCgroups, attach: Mapping[str, int]) -> list[Write]:
    writes: list[Write] = []
    for name, pid in attach.items():
        cg = located.containers[name]
        before = fs.cgroup_of_pid(pid)
        if before == cg:
            continue
        writes.append(
            Write(cg, "cgroup.procs", str(pid), before=before, reason=f"attach PID {pid} to {name}")
        )
    return writes


def _notes(fs: CgroupFS, tree: _Tree, located: PodCgroups, finished: Sequence[str]) -> list[str]:
    notes = list(located.notes)
    if finished:
        notes.append(f"init containers have finished and have no cgroup: {', '.join(finished)}")
    if located.create and located.pod not in tree.new_dirs:
        known = {c.rpartition("/")[2] for c in located.containers.values()}
        stray = [c for c in fs.children(located.pod) if c not in known]
        if stray:
            notes.append(f"left as they are (not in this pod's decision): {', '.join(stray)}")
    return notes


def plan(
    decision: Decision,
    layout: Layout,
    fs: CgroupFS,
    *,
    pod: PodRef | None = None,
    attach: Mapping[str, int] | None = None,
    force: bool = False,
) -> list[Write]:
    """The ordered writes taking the live tree under `fs` to `decision` (see module docstring)."""
    return list(build_plan(decision, layout, fs, pod=pod, attach=attach, force=force).writes)


def _current(tree: _Tree, cgroup: str, file: str) -> str:
    value = tree.get(cgroup, file)
    return _DEFAULTS.get(file, "") if value is None else value


def _check_root(fs: CgroupFS) -> None:
    available = parse_controllers(fs.read("", "cgroup.controllers") or "")
    missing = [c for c in CONTROLLERS if c not in available]
    if missing:
        raise PlanError(
            f"controller {' '.join(missing)} is not available at {fs.display('')} (cgroup.controllers)",
            fix="enable it on the host (systemd: Delegate=, kernel: cgroup_enable=)",
        )


def _enable(tree: _Tree, cgroup: str) -> list[Write]:
    """Enable the controllers in `cgroup`'s subtree_control if they are not yet (once)."""
    current_text = tree.get(cgroup, "cgroup.subtree_control")
    current = parse_controllers(current_text or "")
    missing = [c for c in CONTROLLERS if c not in current]
    if not missing:
        return []
    if cgroup != "" and cgroup not in tree.new_dirs and (tree.get(cgroup, "cgroup.procs") or "").split():
        raise PlanError(
            f"{tree.fs.display(cgroup)} has processes of its own, so the kernel refuses to enable "
            f"{' '.join(missing)} for its children (EBUSY)",
            fix="move its processes into a child cgroup first",
        )
    value = " ".join(f"+{c}" for c in missing)
    tree.values[(cgroup, "cgroup.subtree_control")] = " ".join(sorted(current | set(missing)))
    return [
        Write(
            cgroup,
            "cgroup.subtree_control",
            value,
            before=current_text,
            reason=f"enable {' '.join(missing)} for the children of {cgroup or 'the root'}",
        )
    ]
