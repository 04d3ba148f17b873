"""Use case "the demo": the built-in node, its running pods placed as the kubelet would have
placed them, and a sandbox cgroup tree with its journal in a temporary directory."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.record import Record, setfield

if TYPE_CHECKING:
    from workbench.admission.decision import Decision
    from workbench.kube.model import NodeConfig, NodeState, PodSpec
    from workbench.services.source import Node
    from workbench.topology.model import Topology


class Seeded(Record):
    """The demo's running pods, decided away from any screen (so in any thread)."""

    state: NodeState
    placed: tuple[tuple[PodSpec, Decision], ...]
    notices: tuple[str, ...]

    __slots__ = _fields = ("state", "placed", "notices")

    def __init__(
        self, state: NodeState, placed: tuple[tuple[PodSpec, Decision], ...], notices: tuple[str, ...]
    ) -> None:
        setfield(self, "state", state)
        setfield(self, "placed", placed)
        setfield(self, "notices", notices)


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


# What the screens call the demo's tree, and how a screen's usage view knows it is the demo's.
DEMO_LABEL = "demo sandbox"


class DemoSandbox(Record):
    cgroup_root: Path
    journal_path: Path
    label: str

    __slots__ = _fields = ("cgroup_root", "journal_path", "label")

    def __init__(self, cgroup_root: Path, journal_path: Path, label: str = DEMO_LABEL) -> None:
        setfield(self, "cgroup_root", cgroup_root)
        setfield(self, "journal_path", journal_path)
        setfield(self, "label", label)


@contextmanager
def demo_sandbox(topology: Topology) -> Iterator[DemoSandbox]:
    """A sandbox tree for `topology` and a journal beside it, both gone afterwards; the confirm
    timers of anything still waiting for confirmation are stopped first, so none outlives them."""
    from workbench.cgroups.sandbox import init_sandbox

    with tempfile.TemporaryDirectory(prefix="workbench-demo-") as tmp:
        box = DemoSandbox(Path(tmp) / "cgroup", Path(tmp) / "journal.db")
        init_sandbox(box.cgroup_root, topology)
        try:
            yield box
        finally:
            # Imported here: the transactions module (and the journal) is for leaving the demo,
            # not for opening it before the first paint.
            from workbench.services.transactions import stop_confirm_timers

            stop_confirm_timers(box.journal_path)
