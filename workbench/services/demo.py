"""Use case "the demo": the built-in node, its running pods placed as the kubelet would have
placed them, and a sandbox cgroup tree with its journal in a temporary directory."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workbench.admission.decision import Decision
    from workbench.kube.model import NodeConfig, NodeState, PodSpec
    from workbench.services.source import Node
    from workbench.topology.model import Topology


@dataclass(frozen=True)
class Seeded:
    """The demo's running pods, decided away from any screen (so in any thread)."""

    state: NodeState
    placed: tuple[tuple[PodSpec, Decision], ...]
    notices: tuple[str, ...]


def demo_node() -> Node:
    """The demo machine and kubelet, nothing placed yet."""
    from workbench.services.source import NodeSource, load_node

    return load_node(NodeSource(demo=True))


def decide_seeds(topology: Topology, config: NodeConfig, state: NodeState) -> Seeded:
    """Admit the demo's seed pods one by one, as the kubelet would have. Pure."""
    from workbench.services.admit import decide
    from workbench.services.demo_pods import seed_pods

    placed = []
    notices = []
    for pod in seed_pods():
        d = decide(topology, config, state, pod, advise=False)
        if d.admitted:
            state = d.state_after
            placed.append((pod, d))
        else:
            notices.append(f"seed pod {pod.namespace}/{pod.name} refused: {d.reason}")
    return Seeded(state, tuple(placed), tuple(notices))


@dataclass(frozen=True)
class DemoSandbox:
    cgroup_root: Path
    journal_path: Path
    label: str = "demo sandbox"


@contextmanager
def demo_sandbox(topology: Topology) -> Iterator[DemoSandbox]:
    """A sandbox tree for `topology` and a journal beside it, both gone afterwards; the confirm
    timers of anything still waiting for confirmation are stopped first, so none outlives them."""
    from workbench.cgroups.sandbox import init_sandbox
    from workbench.services.transactions import stop_confirm_timers

    with tempfile.TemporaryDirectory(prefix="workbench-demo-") as tmp:
        box = DemoSandbox(Path(tmp) / "cgroup", Path(tmp) / "journal.db")
        init_sandbox(box.cgroup_root, topology)
        try:
            yield box
        finally:
            stop_confirm_timers(box.journal_path)
