"""The NUMA grid layout and owners, without an app: what a user reads on the Node screen."""

from __future__ import annotations

from types import MappingProxyType as M

from tui_helpers import make_topology

from workbench.admission.ownership import OwnerKind, cpu_owners, pods_on_node, related_cpus
from workbench.kube.model import NodeConfig, NodeState
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology
from workbench.tui.viewmodel.grid import LayoutCache, distance_rows, layout_grid
from workbench.tui.viewmodel.grid_nav import cell_at, move
from workbench.tui.viewmodel.machine_view import machine_view

STATIC = NodeConfig(cpu_manager_policy="static", reserved_system_cpus=CPUSet([0, 32]))


def _pod_level_state() -> NodeState:
    # kubelet-addenda example shape: app exclusive, two shared containers on the pod pool
    return NodeState(
        cpu_assignments=M(
            {
                "u1": M({"app": CPUSet([2, 3, 34, 35]), "side": CPUSet([4, 36]), "mesh": CPUSet([4, 36])}),
                "u2": M({"redis": CPUSet([8, 40])}),
            }
        ),
        pod_cpusets=M({"u1": CPUSet([2, 3, 4, 34, 35, 36])}),
    )


def test_owners_distinguish_reserved_pool_exclusive_and_pod_shared(snc: Topology) -> None:
    owners = cpu_owners(snc, STATIC, _pod_level_state())
    assert owners[0].kind is OwnerKind.RESERVED and owners[32].kind is OwnerKind.RESERVED
    assert owners[2].kind is OwnerKind.EXCLUSIVE and owners[2].containers == ("app",)
    assert owners[4].kind is OwnerKind.POD_SHARED and set(owners[4].containers) == {"side", "mesh"}
    assert owners[8].kind is OwnerKind.EXCLUSIVE and owners[8].pod == "u2"  # container scope
    assert owners[1].kind is OwnerKind.SHARED
    assert [k for k, _, _ in pods_on_node(owners)] == ["u1", "u2"]


def test_no_reserved_kind_without_static_policy(snc: Topology) -> None:
    owners = cpu_owners(snc, NodeConfig(reserved_system_cpus=CPUSet([0])), NodeState())
    assert {o.kind for o in owners.values()} == {OwnerKind.SHARED}


def test_grid_fits_80_columns_and_shows_every_cpu_with_its_glyph(snc: Topology) -> None:
    owners = cpu_owners(snc, STATIC, _pod_level_state())
    layout = layout_grid(snc, owners, 80)
    lines = layout.text().splitlines()
    assert max(len(line) for line in lines) <= 80
    assert len(lines) <= 16  # leaves room for header, status and footer at 80x24
    assert set(layout.positions) == set(snc.all_cpus)
    text = layout.text()
    assert "× 0" in text and "█ 2" in text and "▒ 4" in text and "·63" in text
    assert "Socket 0" in text and "Socket 1" in text and "NUMA 3" in text


def test_hyperthreads_stack_under_their_core(snc: Topology) -> None:
    layout = layout_grid(snc, cpu_owners(snc, STATIC, NodeState()), 80)
    y0, x0 = layout.positions[5]
    y1, x1 = layout.positions[37]  # sibling of 5
    assert (y1, x1) == (y0 + 1, x0)


def test_large_node_collapses_idle_runs_when_it_would_not_fit() -> None:
    big = make_topology(sockets=2, nodes_per_socket=4, cores_per_node=24)  # 384 CPUs
    owners = cpu_owners(big, STATIC, _pod_level_state())
    full = layout_grid(big, owners, 80, collapse=False)
    auto = layout_grid(big, owners, 80, max_lines=30)
    assert auto.collapsed and len(auto.lines) < len(full.lines)
    assert "·48-71" in auto.text()  # NUMA 2's idle first threads as one run
    # busy cores stay individual so the pod can still be seen
    assert cell_at(auto, 2) is not None and cell_at(auto, 2).role == "cpu"  # type: ignore[union-attr]
    assert max(len(x) for x in auto.text().splitlines()) <= 80


def test_zoom_shows_one_node_only(snc: Topology) -> None:
    layout = layout_grid(snc, cpu_owners(snc, STATIC, NodeState()), 80, zoom=1)
    assert set(layout.positions) == set(snc.cpus_by_numa[1])
    assert "zoomed on NUMA 1" in layout.text()


def test_preview_cells_use_the_preview_glyph(snc: Topology) -> None:
    layout = layout_grid(snc, cpu_owners(snc, STATIC, NodeState()), 80, preview=CPUSet([9, 41]))
    assert "◆ 9" in layout.text() and "◆41" in layout.text()


def test_ascii_mode_has_no_box_drawing(snc: Topology) -> None:
    text = layout_grid(snc, cpu_owners(snc, STATIC, NodeState()), 80, ascii_only=True).text()
    assert not any(ord(ch) > 127 for ch in text)
    assert "x 0" in text and "+-" in text


def test_cursor_moves_like_reading_and_across_rows(snc: Topology) -> None:
    layout = layout_grid(snc, cpu_owners(snc, STATIC, NodeState()), 80)
    assert move(layout, 0, "right") == 1
    assert move(layout, 0, "down") == 32
    assert move(layout, 32, "up") == 0
    assert move(layout, 7, "right") == 8  # into the next NUMA box on the same line
    assert move(layout, 32, "down") == 16  # down into socket 1
    assert move(layout, None, "left") == 0


def test_selecting_a_cpu_relates_siblings_and_its_pod(snc: Topology) -> None:
    owners = cpu_owners(snc, STATIC, _pod_level_state())
    assert related_cpus(snc, owners, 2) == CPUSet([2, 3, 4, 34, 35, 36])
    assert related_cpus(snc, owners, 10) == CPUSet([10, 42])


def test_distance_rows(snc: Topology) -> None:
    rows = distance_rows(snc)
    assert rows[0] == ["", "0", "1", "2", "3"]
    assert rows[1] == ["0", "10", "11", "21", "21"]


def test_box_titles_name_their_numa_node_for_highlighting(snc: Topology) -> None:
    layout = layout_grid(snc, cpu_owners(snc, STATIC, NodeState()), 80)
    titles = [c for line in layout.lines for c in line if c.role == "title" and c.node is not None]
    assert sorted(c.node for c in titles) == [0, 1, 2, 3]  # type: ignore[type-var]
    assert all(f"NUMA {c.node}" in c.text for c in titles)


def test_layout_cache_returns_the_same_layout_for_the_same_inputs(snc: Topology) -> None:
    view = machine_view(snc)
    owners = cpu_owners(snc, STATIC, NodeState())
    cache = LayoutCache(size=2)
    first = layout_grid(snc, owners, 80, preview=CPUSet({1, 2}), view=view, cache=cache)
    # Equal owners in a new mapping (a new kubelet config) and an equal preview: the same layout.
    again = layout_grid(snc, dict(owners), 80, preview=CPUSet([1, 2]), view=view, cache=cache)
    assert again is first
    other = layout_grid(snc, owners, 80, preview=CPUSet({3}), view=view, cache=cache)
    assert other is not first
    assert other.text() == layout_grid(snc, owners, 80, preview=CPUSet({3}), view=view).text()
    assert first.text() == layout_grid(snc, owners, 80, preview=CPUSet({1, 2}), view=view).text()
    assert layout_grid(snc, owners, 70, preview=CPUSet({3}), view=view, cache=cache) is not other
    # Two kept: the first was dropped.
    assert layout_grid(snc, owners, 80, preview=CPUSet({1, 2}), view=view, cache=cache) is not first
