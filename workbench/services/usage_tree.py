"""Finding the pods and containers of a cgroup tree, in every supported layout, read-only.

- standalone: `<parent>/<namespace>_<name>/<container>` (the workbench's own tree);
- kubelet systemd: `kubepods.slice[/kubepods-<qos>.slice]/kubepods[-<qos>]-pod<uid_>.slice/<scope>`;
- kubelet cgroupfs: `kubepods[/<qos>]/pod<uid>/<container id>`.

The names follow `workbench.cgroups.layout` (the one home of the kubelet's naming); this module
only walks a tree back from them. A directory listing is made when the view opens and when
`tree_signature` (one lstat per listed directory, per tick) says the tree changed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.topology.cpuset import CPUSet, CPUSetError

if TYPE_CHECKING:
    from workbench.cgroups.fs import CgroupFS

QOS_DIRS_SYSTEMD = ("kubepods-burstable.slice", "kubepods-besteffort.slice")
QOS_DIRS_CGROUPFS = ("burstable", "besteffort")


@dataclass(frozen=True)
class FoundContainer:
    name: str  # the container's name (standalone) or its runtime ID (kubelet layouts)
    cgroup: str
    cpus: CPUSet  # cpuset.cpus, or the effective set when none is written
    mems: CPUSet
    quota_max: bool  # cpu.max has no quota
    own_cpus: bool = True  # cpuset.cpus is written (not inherited: the pause container, a helper)


@dataclass(frozen=True)
class FoundPod:
    key: str  # "namespace/name" (standalone) or the pod UID (kubelet layouts)
    layout: str
    cgroup: str
    cpus: CPUSet  # the pod cgroup's own cpuset.cpus ("" when not written)
    containers: tuple[FoundContainer, ...]


def _parse(text: str | None) -> CPUSet:
    try:
        return CPUSet.parse(text or "")
    except CPUSetError:
        return CPUSet()


_CONTAINER_FILES = ("cpuset.cpus", "cpuset.cpus.effective", "cpuset.mems", "cpuset.mems.effective", "cpu.max")


def _container(fs: CgroupFS, name: str, cgroup: str) -> FoundContainer:
    text = fs.read_many(cgroup, _CONTAINER_FILES)
    own = _parse(text["cpuset.cpus"])
    cpus = own or _parse(text["cpuset.cpus.effective"])
    mems = _parse(text["cpuset.mems"]) or _parse(text["cpuset.mems.effective"])
    cpu_max = (text["cpu.max"] or "max").split()
    return FoundContainer(name, cgroup, cpus, mems, not cpu_max or cpu_max[0] == "max", bool(own))


@dataclass(frozen=True)
class PodDir:
    """A pod cgroup and its container cgroups as a directory listing shows them (no file read)."""

    key: str
    layout: str
    cgroup: str
    containers: tuple[tuple[str, str], ...]  # (name or runtime ID, cgroup)


def _standalone(fs: CgroupFS, parent: str) -> list[PodDir]:
    pods = []
    for child in fs.children(parent):
        namespace, sep, name = child.partition("_")
        if not sep:
            continue
        pod_cg = f"{parent}/{child}"
        containers = tuple((c, f"{pod_cg}/{c}") for c in fs.children(pod_cg))
        pods.append(PodDir(f"{namespace}/{name}", "standalone", pod_cg, containers))
    return pods


def _scope_id(scope: str) -> str:
    """The runtime's container ID in a scope name (`cri-containerd-<id>.scope` -> `<id>`)."""
    from workbench.cgroups.layout import SCOPE_PREFIXES

    name = scope.removesuffix(".scope")
    return next((name[len(p) :] for p in SCOPE_PREFIXES if name.startswith(p)), name)


def _kubelet_pod(fs: CgroupFS, layout: str, uid: str, pod_cg: str) -> PodDir:
    from workbench.cgroups.layout import runtime_scopes

    containers = tuple((_scope_id(s), f"{pod_cg}/{s}") for s in runtime_scopes(fs, pod_cg))
    return PodDir(uid, layout, pod_cg, containers)


def _systemd(fs: CgroupFS) -> list[PodDir]:
    top = "kubepods.slice"
    pods = []
    for parent in (top, *(f"{top}/{q}" for q in QOS_DIRS_SYSTEMD)):
        for child in fs.children(parent):
            head, sep, tail = child.rpartition("-pod")
            if sep and head.startswith("kubepods") and tail.endswith(".slice"):
                uid = tail.removesuffix(".slice").replace("_", "-")
                pods.append(_kubelet_pod(fs, "systemd", uid, f"{parent}/{child}"))
    return pods


def _cgroupfs(fs: CgroupFS) -> list[PodDir]:
    top = "kubepods"
    pods = []
    for parent in (top, *(f"{top}/{q}" for q in QOS_DIRS_CGROUPFS)):
        for child in fs.children(parent):
            if child.startswith("pod") and len(child) > 3:
                pods.append(_kubelet_pod(fs, "cgroupfs", child[3:], f"{parent}/{child}"))
    return pods


def list_pods(fs: CgroupFS, parent: str = "workbench.slice") -> tuple[PodDir, ...]:
    """Every pod cgroup of every layout under the root, from directory listings only."""
    return (*_standalone(fs, parent), *_systemd(fs), *_cgroupfs(fs))


def tree_signature(root: str, parent: str, dirs: tuple[PodDir, ...]) -> tuple[tuple[int, int], ...]:
    """(st_mtime_ns, st_nlink) of every directory a listing walks: the layouts' parents and each
    listed pod. A child cgroup made or removed changes its parent's nlink (and mtime), so an
    unchanged signature means the last listing still holds, for one lstat per pod instead of a
    listing. A same-tick remove + re-create can keep the nlink (kernfs may not touch the mtime):
    the caller lists again when a sampled cgroup vanished, and on the re-read cadence."""
    parents = (
        parent, "kubepods.slice", *(f"kubepods.slice/{q}" for q in QOS_DIRS_SYSTEMD),
        "kubepods", *(f"kubepods/{q}" for q in QOS_DIRS_CGROUPFS),
    )  # fmt: skip
    out = []
    for cg in (*parents, *(d.cgroup for d in dirs)):
        try:
            st = os.lstat(f"{root}/{cg}")
        except OSError:
            out.append((-1, -1))
            continue
        out.append((st.st_mtime_ns, st.st_nlink))
    return tuple(out)


def read_pods(fs: CgroupFS, dirs: tuple[PodDir, ...]) -> list[FoundPod]:
    """The cpusets and quotas of listed pods (a few small reads per cgroup)."""
    return [
        FoundPod(
            d.key,
            d.layout,
            d.cgroup,
            _parse(fs.read(d.cgroup, "cpuset.cpus")),
            tuple(_container(fs, name, cg) for name, cg in d.containers),
        )
        for d in dirs
    ]


def find_pods(fs: CgroupFS, parent: str = "workbench.slice") -> list[FoundPod]:
    """Every pod cgroup of every layout found under the root, with its containers."""
    return read_pods(fs, list_pods(fs, parent))
