"""The memory the TUI shows per NUMA node is the kubelet's, the same as `workbench node -o json`
says (issue 15: the TUI once split a cross-NUMA block evenly, 60/60 GiB where the state holds
94/26), for every captured kubelet directory in fixtures/kubelet."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.services.source import NodeSource, load_node
from workbench.tui.viewmodel.grid import layout_grid
from workbench.tui.viewmodel.session import Session

ROOT = Path(__file__).resolve().parents[2]
KUBELET = ROOT / "fixtures" / "kubelet"
# broken-state is a kubelet directory the kubelet refuses (`node` exits 1); it has no figures.
DIRS = sorted(p.name for p in KUBELET.iterdir() if p.is_dir() and p.name != "broken-state")


def cli_memory(kdir: Path) -> dict[int, tuple[int, int]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "node", "--kubelet-dir", str(kdir), "-o", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    rows = json.loads(done.stdout)["memory"]
    return {r["numa"]: (r["reserved"], r["total"]) for r in rows if r["resource"] == "memory"}


def test_the_fixture_set_is_there() -> None:
    assert len(DIRS) >= 4, DIRS


@pytest.mark.parametrize("name", DIRS)
def test_tui_numa_memory_equals_the_cli(name: str) -> None:
    node = load_node(NodeSource(kubelet_dir=KUBELET / name))
    session = Session(node.topology, node.config, node.state)
    tui = session.numa_memory()
    cli = cli_memory(KUBELET / name)
    if not cli:  # no memory manager: the kubelet reserves nothing per node, nor does the TUI
        assert all(used == 0 for used, _ in tui.values()), tui
        return
    assert tui == cli
    # ...and the figures the grid draws in each NUMA box title are those.
    text = layout_grid(session.topology, session.owners(), 200, memory=tui).text()
    for numa, (used, total) in cli.items():
        free_gib, total_gib = (total - used) / 2**30, total / 2**30
        assert f"NUMA {numa} · " in text
        title = next(line for line in text.splitlines() if f"NUMA {numa} · " in line)
        shown_free, rest = title.split(f"NUMA {numa} · ")[1].split(" free/", 1)
        assert abs(float(shown_free.rstrip("G")) - free_gib) < 0.51, (title, free_gib)
        assert rest.split("G")[0] in (f"{total_gib:.0f}", f"{total_gib:.1f}"), title
