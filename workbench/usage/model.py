"""What is sampled and who owns it: the owner model's pools and their cgroups, as plain values.

The application layer builds a `Plan` from the one owner model (`admission.ownership`: reserved
CPUs, the node shared pool, pod shared pools, exclusive containers) and the cgroup tree; this
package only does arithmetic on it, so the sampler needs no Kubernetes knowledge and a capture
bundle can carry a plan as data.

Pool kinds are the kubelet's assignment types (`resource_manager_container_assignments`:
`node_exclusive`, `pod_exclusive`, `pod_shared`) plus `node_shared` and `reserved`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal

from workbench.topology.cpuset import CPUSet

PoolKind = Literal["pod_exclusive", "node_exclusive", "pod_shared", "node_shared", "reserved"]
POOL_KINDS: tuple[PoolKind, ...] = (
    "pod_exclusive",
    "node_exclusive",
    "pod_shared",
    "node_shared",
    "reserved",
)
EXCLUSIVE_KINDS: frozenset[str] = frozenset({"pod_exclusive", "node_exclusive"})


@dataclass(frozen=True)
class Member:
    """A container cgroup and the pool it runs in."""

    pod: str  # "namespace/name"
    container: str
    cgroup: str  # relative to the cgroup root
    pool: PoolKind
    cpus: CPUSet  # the cpuset it runs on (its exclusive CPUs, its pod's shared pool, the node pool)
    planned_mems: CPUSet = field(default_factory=CPUSet)  # NUMA nodes the kubelet planned ("" unknown)


@dataclass(frozen=True)
class PoolSpec:
    kind: PoolKind
    cpus: CPUSet
    pod: str | None = None
    container: str | None = None  # set for an exclusive pool
    members: tuple[str, ...] = ()  # cgroups of the containers whose usage is this pool's

    @property
    def key(self) -> str:
        return "/".join(p for p in (self.kind, self.pod or "", self.container or "") if p)


def _no_pods() -> Mapping[str, str]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Plan:
    members: tuple[Member, ...]
    pools: tuple[PoolSpec, ...]
    pod_cgroups: Mapping[str, str] = field(default_factory=_no_pods)  # pod -> its cgroup
    notes: tuple[str, ...] = ()  # what could not be matched, for the operator

    @property
    def cgroups(self) -> tuple[str, ...]:
        """Every cgroup the sampler reads: the containers', then the pods'."""
        return tuple(dict.fromkeys([*(m.cgroup for m in self.members), *self.pod_cgroups.values()]))

    def member(self, cgroup: str) -> Member | None:
        return next((m for m in self.members if m.cgroup == cgroup), None)
