"""Helpers for the cgroup tests: hand-built Decisions and fake cgroup trees."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from workbench.admission.decision import ContainerPlacement, Decision, Isolation, PodPlacement
from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.kernel import Kernel
from workbench.topology.cpuset import CPUSet

MakeSandbox = Callable[..., CgroupFS]


def kernel(fs: CgroupFS) -> Kernel:
    assert fs.kernel is not None
    return fs.kernel


def container(
    name: str,
    cpus: str,
    *,
    mems: str = "0",
    isolation: Isolation = "container",
    cpu_max: str = "max 100000",
    memory_max: str = "max",
) -> ContainerPlacement:
    exclusive = len(CPUSet.parse(cpus)) if isolation == "container" else 0
    return ContainerPlacement(
        name, "app", CPUSet.parse(cpus), CPUSet.parse(mems), isolation, cpu_max, memory_max, exclusive
    )


def decision(
    containers: Sequence[ContainerPlacement],
    *,
    pod: PodPlacement | None = None,
    pod_key: str = "default/web",
    qos: str = "Guaranteed",
    admitted: bool = True,
) -> Decision:
    return Decision(
        admitted=admitted,
        reason="" if admitted else "TopologyAffinityError",
        message="",
        policy="static",
        scope="pod",
        pod_key=pod_key,
        hint=None,
        pod=pod,
        containers=tuple(containers),
        qos_class=qos,
    )


def bubble(
    cpus: str, *, mems: str = "0", cpu_max: str = "max 100000", memory_max: str = "max"
) -> PodPlacement:
    return PodPlacement(CPUSet.parse(cpus), CPUSet(), CPUSet.parse(mems), cpu_max, memory_max)


def write_tree(root: Path, files: dict[str, str]) -> None:
    """A plain directory tree from {relative path: content} (content None-free; dirs implied)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content)
