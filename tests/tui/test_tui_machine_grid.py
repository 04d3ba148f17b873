"""The Node grid shows the machine as hwloc sees it (issue 13): every online CPU, including
those in no NUMA node, packages from the package masks when `physical_package_id` is -1; and
each CPU the kubelet cannot see is marked, with its reason one key away."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest
from screen_text import screen_text

from workbench.kube.config import demo_config
from workbench.kube.model import NodeState
from workbench.topology import read_sysfs
from workbench.tui.app import WorkbenchApp
from workbench.tui.viewmodel.grid import layout_grid
from workbench.tui.viewmodel.session import Session
from workbench.tui.widgets.numa_grid import NumaGrid

TREES = ["offline-cpu0-node0", "256ppc-8n8s4t", "20s390-2g6s4c", "16em64t-4s2c2t-offlines"]


@pytest.mark.parametrize("name", TREES)
def test_the_grid_draws_every_online_cpu_of_the_machine(sysfs_tree: Callable[[str], Path], name: str) -> None:
    topology = read_sysfs(sysfs_tree(name))
    machine = topology.machine
    assert machine is not None
    layout = layout_grid(topology, {}, 160)
    assert set(layout.positions) == set(machine.all_cpus)  # not only the kubelet's CPUs
    titles = [c.text for line in layout.lines for c in line if c.role == "title"]
    packages = {c.package for c in machine.cpus}
    # every package of the machine named in a band header ("Socket 3" / "Sockets 0-7")
    named = set()
    for title in titles:
        if title.startswith("Socket"):
            from workbench.topology.cpuset import CPUSet

            named |= set(CPUSet.parse(title.split(" ", 1)[1]))
    assert named == packages, titles


def test_offline_cpu0_node0_shows_the_nine_cpus_the_kubelet_cannot_see(
    sysfs_tree: Callable[[str], Path],
) -> None:
    topology = read_sysfs(sysfs_tree("offline-cpu0-node0"))
    assert len(topology.cpus) == 8  # the kubelet's view: the CPUs in node1 only
    app = WorkbenchApp(Session(topology, demo_config(), NodeState()), keymap_paths=[])

    async def main() -> None:
        async with app.run_test(size=(120, 30)) as pilot:
            await pilot.pause()
            text = screen_text(app)
            assert "Socket 0" in text and "Socket 1" in text  # both packages
            assert "no NUMA node" in text and "9 not seen by the kubelet" in text
            grid = app.screen.query_one(NumaGrid)
            assert grid.grid_layout is not None and len(grid.grid_layout.positions) == 17
            grid.move_cursor_to(4)
            grid.post_message(NumaGrid.CursorMoved(grid, 4))
            await pilot.pause()
            info = screen_text(app)
            assert "CPU 4 · the kubelet does not see these CPUs (in no NUMA node" in info
            await pilot.press("l")  # the cursor moves over hidden CPUs like any other
            await pilot.pause()
            assert "CPU 6 ·" in screen_text(app)

    asyncio.run(main())


def test_packages_from_core_siblings_and_the_kubelets_socket(sysfs_tree: Callable[[str], Path]) -> None:
    topology = read_sysfs(sysfs_tree("256ppc-8n8s4t"))
    assert {c.socket for c in topology.cpus} == {-1}  # the kubelet: one socket, -1
    app = WorkbenchApp(Session(topology, demo_config(), NodeState()), keymap_paths=[])

    async def main() -> None:
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            text = screen_text(app)
            assert "Sockets 0-7" in text
            # the CPU under the cursor: the machine's package, and how the kubelet reads it
            assert "socket 0" in text and "kubelet: physical_package_id is -1" in text

    asyncio.run(main())
