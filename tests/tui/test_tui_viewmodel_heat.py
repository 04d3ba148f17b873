"""The heat overlay's marks without an app: busy shares to ramp levels per grid cell."""

from __future__ import annotations

from tui_helpers import make_topology

from workbench.admission.ownership import cpu_owners
from workbench.kube.model import NodeConfig, NodeState
from workbench.tui.viewmodel.grid import layout_grid
from workbench.tui.viewmodel.heat_overlay import changed_lines, heat_legend, heat_marks, held_shares
from workbench.tui.viewmodel.usage_glyphs import HEAT


def test_a_collapsed_run_shows_its_cpus_mean_and_unread_cpus_say_so() -> None:
    topo = make_topology()
    owners = cpu_owners(topo, NodeConfig(), NodeState())
    layout = layout_grid(topo, owners, 120, collapse=True)
    runs = [c for line in layout.lines for c in line if c.role == "run"]
    assert runs, layout.text()
    run = runs[0]
    ids = run.cpus.sorted()
    busy = {c: (1.0 if i % 2 else 0.0) for i, c in enumerate(ids)}  # half busy on average
    marks = heat_marks(layout, busy)
    assert run.cpu is not None and marks[run.cpu] == (HEAT[2], 2)
    unread = next(c for c in marks if c not in busy and c not in run.cpus)
    assert marks[unread] == ("?", None)
    assert all(m == ("?", None) for m in heat_marks(layout, None).values())


def test_only_lines_with_a_changed_glyph_are_repainted() -> None:
    topo = make_topology()
    layout = layout_grid(topo, cpu_owners(topo, NodeConfig(), NodeState()), 160, collapse=False)
    before = heat_marks(layout, dict.fromkeys(topo.all_cpus, 0.1))
    busy = dict.fromkeys(topo.all_cpus, 0.1)
    busy[5] = 0.15  # same level: nothing to repaint
    busy[40] = 0.95
    after = heat_marks(layout, busy)
    assert changed_lines(layout, before, after) == {layout.positions[40][0]}


def test_legend_names_every_level_and_fits_80_columns() -> None:
    for ascii_only in (False, True):
        text = heat_legend(ascii_only=ascii_only)
        assert len(text) <= 78 and "no figure yet" in text
    assert all(g in heat_legend() for g in HEAT)
    assert heat_legend(ascii_only=True).isascii()


def test_a_cpu_idling_on_a_band_edge_keeps_its_glyph() -> None:
    topo = make_topology()
    layout = layout_grid(topo, cpu_owners(topo, NodeConfig(), NodeState()), 160, collapse=False)
    held = None
    shown = []
    for share in (0.39, 0.41, 0.38, 0.42, 0.9):  # across the 40% edge, then really busier
        held = held_shares(held, {3: share})
        shown.append(heat_marks(layout, held)[3][0])
    assert shown[:4] == [HEAT[1]] * 4 and shown[4] == HEAT[4]
    assert held_shares(held, None) is None
