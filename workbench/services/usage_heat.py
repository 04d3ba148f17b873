"""Use case "how busy is each CPU": the per-CPU busy shares of a usage session, for the Node
grid's heat overlay. The same session the Usage screen opens (`usage.start_for_face`: the demo
gets its own sandbox with the synthetic load, any other node its cgroup tree and /proc), read
only for `Attribution.cpu_busy`. A face that hides the overlay stops calling `tick()`: nothing is
sampled then."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.services.source import NodeSource
from workbench.services.usage import UsageHandle, UsageRequest, start_for_face, start_usage
from workbench.usage.sampler import DEFAULT_INTERVAL_S

if TYPE_CHECKING:
    from workbench.services.source import Node


@dataclass
class BusyFeed:
    handle: UsageHandle

    @property
    def interval_s(self) -> float:
        return self.handle.session.interval_s

    def tick(self) -> Mapping[int, float] | None:
        """One sample; each CPU's busy share (0..1) since the previous one (None the first
        time; a CPU whose counters did not move is left out)."""
        report = self.handle.session.tick()
        return None if report is None else report.attribution.cpu_busy

    def close(self) -> None:
        self.handle.close()


def start_busy_feed(
    node: Node,
    *,
    tree_label: str,
    cgroup_root: Path | None,
    proc_root: Path | None = None,
    interval_s: float = DEFAULT_INTERVAL_S,
) -> BusyFeed:
    """A feed for a screen showing `node` (see `start_for_face`); `proc_root` and `interval_s`
    name another /proc and cadence (a test's scripted counters)."""
    if proc_root is None and interval_s == DEFAULT_INTERVAL_S:
        return BusyFeed(start_for_face(node, tree_label=tree_label, cgroup_root=cgroup_root))
    request = UsageRequest(NodeSource(), cgroup_root=cgroup_root, proc_root=proc_root, interval_s=interval_s)
    return BusyFeed(start_usage(request, node))
