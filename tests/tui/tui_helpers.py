"""Helpers for the TUI tests: small topologies built straight from the model, the demo app.

A module of its own name (not `conftest`): other test directories have a conftest too, and
`from conftest import` picks whichever was imported first when several directories run together."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from workbench.topology.cpuset import CPUSet
from workbench.topology.model import CPU, Device, NumaNode, Topology

if TYPE_CHECKING:
    from workbench.tui.app import WorkbenchApp


def make_topology(
    sockets: int = 2,
    nodes_per_socket: int = 2,
    cores_per_node: int = 8,
    threads: int = 2,
    name: str = "test-snc",
) -> Topology:
    """Linux numbering: thread 0 of every core first, then thread 1 (siblings are N apart)."""
    cpus: list[CPU] = []
    total_cores = sockets * nodes_per_socket * cores_per_node
    for t in range(threads):
        for core in range(total_cores):
            node = core // cores_per_node
            cpus.append(CPU(id=t * total_cores + core, core=core, socket=node // nodes_per_socket, numa=node))
    n_nodes = sockets * nodes_per_socket
    nodes = []
    for n in range(n_nodes):
        dist = {
            m: 10 if m == n else (11 if m // nodes_per_socket == n // nodes_per_socket else 21)
            for m in range(n_nodes)
        }
        nodes.append(
            NumaNode(
                id=n,
                cpus=CPUSet(c.id for c in cpus if c.numa == n),
                memory_bytes=64 * 2**30,
                distances=MappingProxyType(dist),
            )
        )
    return Topology(
        name=name,
        cpus=tuple(sorted(cpus, key=lambda c: c.id)),
        numa_nodes=tuple(nodes),
        devices=(Device(name="nic0", kind="nic", numa=0),),
    )


def build_demo_app(
    tmp_path: Path,
    *,
    read_only: bool = False,
    theme: str | None = None,
    confirm_seconds: float = 60.0,
    user_keymap: bool = False,
    ascii_only: bool = False,
) -> WorkbenchApp:
    """The app as `workbench demo` opens it (the same builder): seeded demo node, sandbox cgroup
    tree and journal in tmp_path; `read_only` is the `--read-only` flag, the app decides.
    `user_keymap`: load the keymap the app finds itself ($XDG_CONFIG_HOME); else none."""
    from workbench.cgroups.sandbox import init_sandbox
    from workbench.services.demo import DemoSandbox
    from workbench.tui.launch import demo_app
    from workbench.tui.viewmodel.session import demo_session

    session = demo_session()
    session.show_timing = False
    box = DemoSandbox(tmp_path / "cgroup", tmp_path / "journal.db")
    init_sandbox(box.cgroup_root, session.topology)
    return demo_app(
        session,
        box,
        read_only=read_only,
        theme=theme,
        ascii_only=ascii_only,
        confirm_seconds=confirm_seconds,
        keymap_paths=None if user_keymap else [],
    )
