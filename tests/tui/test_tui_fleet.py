"""The Fleet screen: the app opened on several bundles starts on one row per node with the same
verdicts as `workbench fleet admit`, the pool pressure of the recorded samples, sorting and
filtering; Enter opens a node read-only in the usual screens and `F` comes back."""

from __future__ import annotations

import asyncio
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from screen_text import screen_text
from textual.pilot import Pilot
from textual.widgets import DataTable

from workbench.services import bundle_capture as bc
from workbench.services.source import NodeSource
from workbench.tui.fleet_app import FleetApp
from workbench.tui.launch import fleet_app
from workbench.tui.screens.fleet import FleetScreen

REPO = Path(__file__).resolve().parents[2]
BUNDLES = REPO / "fixtures" / "bundles"
PODS = REPO / "fixtures" / "pods"
SIZES = [(80, 24), (160, 50)]
SIZE_IDS = [f"{w}x{h}" for w, h in SIZES]


@pytest.fixture(scope="module")
def fleet_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped bundles (3 samples each), a fresh demo machine with one sample, and a
    file that is no bundle."""
    d = tmp_path_factory.mktemp("fleet")
    for b in BUNDLES.glob("*.tar.gz"):
        shutil.copy(b, d)
    bc.capture(bc.CaptureRequest(d / "fresh.tar.gz", NodeSource(demo=True), samples=1, interval=0))
    (d / "broken.tar.gz").write_bytes(b"not a tar archive")
    return d


def fleet_admit(capsys: pytest.CaptureFixture[str], pod: Path, bundles: Path) -> dict[str, Any]:
    from workbench.cli.main import main

    capsys.readouterr()
    code = main(["fleet", "admit", str(pod), "--bundles", str(bundles), "-o", "json"])
    out, _ = capsys.readouterr()
    assert code == 2  # the broken bundle
    doc: dict[str, Any] = json.loads(out)
    return doc


def table_rows(app: FleetApp) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


def run_app(app: FleetApp, size: tuple[int, int], script: Any) -> None:
    async def go() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(pilot)

    asyncio.run(go())


@pytest.mark.parametrize("pod_name", ["postgres.yaml", "ml-trainer.yaml"])
@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_rows_carry_fleet_admits_verdicts(
    capsys: pytest.CaptureFixture[str], fleet_dir: Path, size: tuple[int, int], pod_name: str
) -> None:
    pod = PODS / pod_name
    expected = fleet_admit(capsys, pod, fleet_dir)["nodes"]
    app = fleet_app([fleet_dir], pod_file=str(pod))

    async def script(pilot: Pilot[None]) -> None:
        assert isinstance(app.screen, FleetScreen)
        rows = table_rows(app)
        assert [r[0] for r in rows] == [n["node"] for n in expected]
        for row, want in zip(rows, expected, strict=True):
            status = "ERROR" if "error" in want else ("admit" if want["admitted"] else "REJECT")
            assert row[2] == status, (row, want)
            assert row[3] == (",".join(map(str, want["numa_nodes"])) or "-")
            if status == "REJECT":
                assert row[-1].startswith(want["reason"])
        text = screen_text(app)
        assert "Fleet · 4 nodes" in text
        for n in expected:
            assert n["node"][:10] in text  # every node is on screen, at 80x24 too

    run_app(app, size, script)


def test_pressure_comes_from_the_recorded_samples(fleet_dir: Path) -> None:
    app = fleet_app([fleet_dir])

    async def script(pilot: Pilot[None]) -> None:
        by_node = {r[0]: r for r in table_rows(app)}
        # The VM's worker runs against `cpu.max 50000 100000`: every period throttled.
        assert by_node["vm-real-kernel"][5] == "100%"
        assert by_node["vm-real-kernel"][7] == "node pool"
        assert by_node["demo-node"][5] != "-"
        known = ("vm-real-kernel", "demo-node", "broken.tar.gz")
        fresh = next(r for r in table_rows(app) if r[0] not in known)
        assert fresh[5] == fresh[6] == "-"  # one sample: no interval to replay

    run_app(app, (160, 50), script)


def test_sorting_and_filtering(fleet_dir: Path) -> None:
    app = fleet_app([fleet_dir], pod_file=str(PODS / "postgres.yaml"))

    async def script(pilot: Pilot[None]) -> None:
        await pilot.press("t")  # most pressed pool first
        assert table_rows(app)[0][0] == "vm-real-kernel"
        await pilot.press("V")  # admitting nodes first, unreadable last
        statuses = [r[2] for r in table_rows(app)]
        assert statuses == sorted(statuses, key=["admit", "REJECT", "-", "ERROR"].index)
        await pilot.press("slash", *"REJECT", "enter")
        assert [r[2] for r in table_rows(app)] == ["REJECT"]
        await pilot.press("escape")
        assert len(table_rows(app)) == 4

    run_app(app, (80, 24), script)


def test_enter_opens_the_node_read_only_and_F_returns(fleet_dir: Path) -> None:
    app = fleet_app([fleet_dir], pod_file=str(PODS / "postgres.yaml"))

    async def script(pilot: Pilot[None]) -> None:
        names = [r[0] for r in table_rows(app)]
        await pilot.press(*["down"] * names.index("vm-real-kernel"), "enter")
        await pilot.pause()
        assert app.current_mode == "node"
        assert app.session.read_only_reason == "offline capture bundle vm-real-kernel.tar.gz"
        assert len(app.session.topology.all_cpus) == 8
        assert "READ-ONLY" in screen_text(app)
        await pilot.press("2")  # the draft screen decides the same pod on this node
        await pilot.pause()
        assert app.session.preview(advise=False).verdict == "rejected"
        await pilot.press("F")
        await pilot.pause()
        assert isinstance(app.screen, FleetScreen)
        names = [r[0] for r in table_rows(app)]
        await pilot.press("up", "up", "up", *["down"] * names.index("demo-node"), "enter")
        await pilot.pause()
        assert len(app.session.topology.all_cpus) == 64  # the other node, screens made again
        assert app.session.preview(advise=False).verdict == "admitted"
        assert app.committer is None

    run_app(app, (80, 24), script)


def test_a_draft_changed_on_a_node_is_decided_again_on_the_fleet(fleet_dir: Path) -> None:
    from workbench.services.pods import load_pod_file

    app = fleet_app([fleet_dir], pod_file=str(PODS / "too-big-for-one-numa.yaml"))

    async def script(pilot: Pilot[None]) -> None:
        before = [r[2] for r in table_rows(app)]
        await pilot.press("enter", "1")
        app.session.load_pod(load_pod_file(str(PODS / "burstable.yaml")))
        await pilot.press("F")
        await pilot.pause()
        after = [r[2] for r in table_rows(app)]
        assert after != before and after.count("admit") == 3

    run_app(app, (80, 24), script)


def test_cli_opens_the_fleet_with_bundle_and_bundles(
    fleet_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from workbench.cli.main import main

    started: list[FleetApp] = []
    monkeypatch.setattr(FleetApp, "run", lambda self, **_: started.append(self))
    vm, demo = fleet_dir / "vm-real-kernel.tar.gz", fleet_dir / "demo-node.tar.gz"
    assert main(["tui", "--bundle", str(vm), "--bundles", str(demo)]) == 0
    assert main(["demo", "--bundles", str(vm), str(demo), "--pod", str(PODS / "ml-trainer.yaml")]) == 0
    assert [[n.name for n in a.fleet_nodes] for a in started] == [["vm-real-kernel", "demo-node"]] * 2
    assert all(a.session.read_only for a in started)
    capsys.readouterr()
    assert main(["tui", "--bundles", str(fleet_dir / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "nowhere" in err


@pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)
def test_fleet_snapshot(snap_compare: Any, fleet_dir: Path, size: tuple[int, int]) -> None:
    shots = Path(fleet_dir.parent / "shots")
    shots.mkdir(exist_ok=True)
    mine = shots / "fleet"
    if not mine.exists():
        mine.mkdir()
        for name in ("demo-node.tar.gz", "vm-real-kernel.tar.gz"):  # stable names in the picture
            shutil.copy(fleet_dir / name, mine)
    app = fleet_app([mine], pod_file=str(PODS / "postgres.yaml"))
    app.session.show_timing = False
    assert snap_compare(app, terminal_size=size)


def test_the_selected_rows_reason_is_on_screen_at_80_columns(fleet_dir: Path) -> None:
    app = fleet_app([fleet_dir], pod_file=str(PODS / "postgres.yaml"))

    async def script(pilot: Pilot[None]) -> None:
        names = [r[0] for r in table_rows(app)]
        await pilot.press(*["down"] * names.index("vm-real-kernel"))
        await pilot.pause()
        text = " ".join(screen_text(app).split())
        assert "vm-real-kernel (vm-real-kernel.tar.gz): REJECT · OutOfcpu" in text
        assert "most pressed pool node pool: throttled 100%" in text
        await pilot.press(*["up"] * len(names), *["down"] * names.index("broken.tar.gz"))
        await pilot.pause()
        assert "broken.tar.gz (broken.tar.gz): ERROR" in " ".join(screen_text(app).split())

    run_app(app, (80, 24), script)
