"""The closed sets of names the faces offer as choices (flags, key cycles), kept import-free so
building the CLI's parser costs nothing. Each copies a domain constant (named beside it); a test
holds them equal."""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Literal, TypeAlias


Policy: TypeAlias = "Literal['none', 'best-effort', 'restricted', 'single-numa-node']"
Scope: TypeAlias = "Literal['container', 'pod']"

# The topology manager's policies (kube.config.TOPOLOGY_POLICIES) and scopes.
POLICIES: tuple[Policy, ...] = ("none", "best-effort", "restricted", "single-numa-node")
SCOPES: tuple[Scope, ...] = ("container", "pod")
# CPU manager policy options a trainer flips to show how a verdict changes.
CPU_OPTIONS = ("full-pcpus-only", "distribute-cpus-across-numa", "align-by-socket")
# Where a pod's cgroups are (cgroups.layout.LAYOUT_NAMES, DEFAULT_PARENT): our own tree, or the
# kubelet's cgroup driver layouts.
LAYOUTS = ("standalone", "systemd", "cgroupfs")
KUBELET_DRIVERS = ("systemd", "cgroupfs")
DEFAULT_PARENT = "workbench.slice"
