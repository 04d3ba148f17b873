"""Use case "export": everything `workbench export` serves at one scrape, as metric families.

The node (topology, kubelet config, checkpoints) is loaded once at start: the kubelet rewrites its
checkpoints when it admits a pod, so they are re-read when their files change (mtime), not at
every scrape. Drift is computed at scrape time from the cgroup tree when one is given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from workbench import __version__
from workbench.services.metric_family import Family
from workbench.services.node_metrics import build_family, drift_family, numa_families
from workbench.services.source import NodeSource, load_node

if TYPE_CHECKING:
    from workbench.services.source import Node

CHECKPOINTS = ("config.yaml", "cpu_manager_state", "memory_manager_state")


@dataclass
class Exporter:
    source: NodeSource
    cgroup_root: Path | None = None
    driver: Literal["systemd", "cgroupfs"] = "systemd"
    _node: Node | None = field(default=None, init=False)
    _stamp: tuple[float, ...] = field(default=(), init=False)

    def _checkpoint_stamp(self) -> tuple[float, ...]:
        kdir = self.source.kubelet_dir
        if kdir is None:
            return ()
        out: list[float] = []
        for name in CHECKPOINTS:
            try:
                out.append(os.stat(kdir / name).st_mtime)
            except OSError:
                out.append(-1.0)
        return tuple(out)

    def node(self) -> Node:
        stamp = self._checkpoint_stamp()
        if self._node is None or stamp != self._stamp:
            self._node, self._stamp = load_node(self.source), stamp
        return self._node

    def _drift_findings(self) -> int | None:
        if self.cgroup_root is None:
            return None
        from workbench.services.drift import check_drift

        return len(check_drift(self.cgroup_root, self.source, driver=self.driver).found)

    def families(self) -> list[Family]:
        node = self.node()
        return [build_family(__version__), *numa_families(node), *drift_family(self._drift_findings())]
