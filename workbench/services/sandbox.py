"""Use case "sandbox init": a directory the tool treats as a cgroup v2 root, governed by the
kernel model, so commits can be tried without root and without touching this machine."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.services.source import NodeSource

if TYPE_CHECKING:
    from workbench.topology.model import Topology


@dataclass(frozen=True)
class Sandbox:
    root: Path
    topology: Topology


def init_sandbox(directory: Path, source: NodeSource, *, memory_below_current: str = "ebusy") -> Sandbox:
    """Make `directory` a sandbox for the machine `source` names (the demo node when none)."""
    from workbench.cgroups.sandbox import init_sandbox as init
    from workbench.services.source import load_topology

    topology = load_topology(source if source.machine_given else NodeSource(demo=True))
    init(directory, topology, memory_max_below_current=memory_below_current)
    return Sandbox(directory.resolve(), topology)


def sandbox_text(sandbox: Sandbox) -> str:
    root = sandbox.root
    return (
        f"sandbox ready at {root}: cpus {sandbox.topology.all_cpus}, a cgroup v2 tree governed by the "
        f"kernel model\ntry: workbench commit POD.yaml --cgroup-root {root} --topology ... [--apply]\n"
    )
