"""Use case "export": everything `workbench export` serves at one scrape, as metric families.

Collection happens at scrape time: each scrape takes one usage sample (the sampler's tick, within
its cost bound) and reports the interval since the previous scrape, so nothing runs between
scrapes. The node (topology, kubelet config, checkpoints) is re-read only when a checkpoint file
changes (the kubelet rewrites them when it admits a pod). Scrapes are serialised: two Prometheus
servers scraping at once would otherwise share one sampler's state.
"""

from __future__ import annotations

import os
import threading
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from workbench import __version__
from workbench.errors import InputError
from workbench.services.metric_family import Family
from workbench.services.node_metrics import build_family, drift_family, numa_families
from workbench.services.source import NodeSource, load_node
from workbench.services.usage_metrics import UsageTotals, usage_families

if TYPE_CHECKING:
    from workbench.services.source import Node
    from workbench.services.usage import UsageSession

CHECKPOINTS = ("config.yaml", "cpu_manager_state", "memory_manager_state")


@dataclass
class Exporter:
    source: NodeSource
    cgroup_root: Path | None = None
    driver: Literal["systemd", "cgroupfs"] = "systemd"
    proc_root: Path | None = None
    notes: list[str] = field(default_factory=list)
    _node: Node | None = field(default=None, init=False)
    _stamp: tuple[float, ...] = field(default=(), init=False)
    _usage: UsageSession | None = field(default=None, init=False)
    _totals: UsageTotals = field(default_factory=UsageTotals, init=False)
    _stack: ExitStack = field(default_factory=ExitStack, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def start(self) -> None:
        """Load the node and take the first usage sample: bad input fails here, in one line,
        not at the first scrape. Without a cgroup tree of its own (a v1 host) usage is left out."""
        from workbench.services.usage import UsageRequest, open_usage

        self.node()
        request = UsageRequest(self.source, cgroup_root=self.cgroup_root, proc_root=self.proc_root)
        try:
            self._usage = self._stack.enter_context(open_usage(request))
        except InputError as exc:
            if self.cgroup_root is not None or self.source.demo:
                raise
            self.notes.append(f"usage left out: {exc.line()}")
            return
        self._usage.tick()

    def close(self) -> None:
        self._stack.close()

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
        with self._lock:
            out = [build_family(__version__), *numa_families(self.node())]
            if self._usage is not None:
                report = self._usage.tick()
                if report is not None:
                    out += usage_families(report.attribution, self._totals)
            out += drift_family(self._drift_findings())
            return out
