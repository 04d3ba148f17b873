"""SVG snapshots of the Usage screen (5) at 80x24 and 160x50 with every figure present: bars,
cores, throttled share, pressure, which limit binds, the NUMA split, three points of history,
the heat strip and the findings.

The demo's own synthetic load moves with the wall clock, so here the screen's session reads the
demo's committed pods (the same tree, plan and limits) with counter files written by the test
(tests/usage/usage_kit.py) at fixed steps, on a clock of the test's own; the screen's timer is
left running but only the test's ticks sample. Every run draws the same screen.

Regenerate after a deliberate change with
`pytest tests/tui/test_tui_usage_snapshots.py --snapshot-update` and review the SVGs."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from screen_text import screen_text
from textual.pilot import Pilot
from tui_helpers import build_demo_app

from workbench.services import usage
from workbench.services.source import NodeSource
from workbench.services.usage_demo import demo_usage
from workbench.usage.model import Plan

sys.path.append(str(Path(__file__).resolve().parents[1] / "usage"))  # usage_kit: the counter writers
from usage_kit import Counters, proc_stat  # noqa: E402

GIB = 1 << 30
LABEL = "demo node, scripted counters"
REPORTS = 30  # three points of history (one per HISTORY_EVERY = 10 reports)
# Per second: cores used; CFS periods and throttled periods (a quota'd container); the share of
# time some task waited for a CPU (cpu.pressure "some"). Usage of the rows no limit caps steps up
# every ten reports (LEVELS), so the history shows a trend; the last level is what the row shows.
SCRIPT: dict[str, tuple[float, int, int, float]] = {
    "db/postgres postgres": (0.45, 0, 0, 0.0),
    "db/postgres backup": (1.0, 10, 4, 0.0),  # at its 1-CPU quota, throttled in 4 of 10 periods
    "ml/ml-trainer trainer": (9.4, 0, 0, 0.0),
    "ml/ml-trainer mesh-proxy": (1.9, 10, 0, 0.3),  # fills its 2-CPU pool under a 14-CPU quota
    "shop/cache redis": (0.05, 0, 0, 0.0),
    "shop/web nginx": (1.2, 0, 0, 0.0),
    "shop/web log-shipper": (0.3, 10, 0, 0.0),
    "analytics/batch worker": (4.4, 0, 0, 0.0),
}
CAPPED = {"db/postgres backup", "ml/ml-trainer mesh-proxy"}
LEVELS = (0.5, 0.75, 1.0)
# Busy share of CPUs outside the containers' cgroups: the node pool's daemons and BestEffort
# jobs, the kubelet on the reserved CPU, a host agent pinned on one of postgres's CPUs.
FOREIGN = {"node_shared": 0.93, "reserved": 0.3}
AGENT_CPU, AGENT_SHARE = 42, 0.6
MEMORY = {"analytics/batch worker": {0: (3 * GIB, 0), 1: (GIB, 0)}}  # a GiB off its planned node


class Script:
    """The counter files of the demo's containers and /proc/stat, one fixed step a second."""

    def __init__(self, root: Path, proc: Path, plan: Plan) -> None:
        self.root, self.proc, self.plan = root, proc, plan
        self.step, self.due = 0, 1  # the screen's first tick (when it opens) samples
        self.usage_us: dict[str, int] = dict.fromkeys(SCRIPT, 0)
        self.ticks: dict[int, list[int]] = {}
        for m in plan.members:
            mems = MEMORY.get(f"{m.pod} {m.container}", {m.planned_mems.sorted()[0]: (GIB, 0)})
            Counters(root, m.cgroup).memory(sum(a for a, _ in mems.values()), mems)
        self.write()

    def now(self) -> float:
        return 1000.0 + self.step

    def cores(self, owner: str) -> float:
        base = SCRIPT[owner][0]
        return base if owner in CAPPED else base * LEVELS[min(2, max(0, self.step - 1) // 10)]

    def write(self) -> None:
        n, on_cpu = self.step, dict[int, float]()
        for m in self.plan.members:
            owner = f"{m.pod} {m.container}"
            _, periods, throttled, some = SCRIPT[owner]
            if n:
                self.usage_us[owner] += round(self.cores(owner) * 1e6)
            counters = Counters(self.root, m.cgroup)
            counters.cpu(self.usage_us[owner], n * periods, n * throttled, n * throttled * 100_000)
            counters.pressure(round(n * some * 1e6), round(n * some * 0.25e6))
            for cpu in m.cpus:
                on_cpu[cpu] = on_cpu.get(cpu, 0.0) + self.cores(owner) / len(m.cpus)
        for pool in self.plan.pools:
            for cpu in pool.cpus:
                on_cpu[cpu] = on_cpu.get(cpu, 0.0) + FOREIGN.get(pool.kind, 0.0)
        on_cpu[AGENT_CPU] += AGENT_SHARE
        for cpu, share in on_cpu.items():
            busy = round(100 * min(1.0, share)) if n else 0
            was = self.ticks.setdefault(cpu, [1000, 1000])
            was[0], was[1] = was[0] + busy, was[1] + 100 - busy
        proc_stat(self.proc, {cpu: (b, i) for cpu, (b, i) in self.ticks.items()})

    def advance(self) -> None:
        """One second later: every counter one step on, and one tick allowed to sample it."""
        self.step += 1
        self.due += 1
        self.write()


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """The Usage screen's session (`start_for_face`) reads the demo's committed tree with the
    test's counters and clock; a tick the test did not allow (the screen's timer) samples
    nothing, so the figures are the test's own."""
    opened: dict[str, Any] = {}

    def start(node: Any, *, tree_label: str, cgroup_root: Path | None) -> usage.UsageHandle:
        stack = ExitStack()
        demo = stack.enter_context(demo_usage())
        clock: list[Script] = []
        session = usage._session(
            demo.node, demo.cgroup_root, demo.proc_root, usage.UsageRequest(NodeSource(demo=True)),
            decisions=demo.decisions, label=LABEL, clock=lambda: clock[0].now(),
        )  # fmt: skip
        script = Script(demo.cgroup_root, demo.proc_root, session.plan)
        clock.append(script)
        session.clock, session._last_scan = script.now, script.now()
        tick = session.tick

        def allowed() -> usage.UsageReport | None:
            if script.due <= 0:
                return None
            script.due -= 1
            return tick()

        session.tick = allowed  # type: ignore[method-assign]
        opened["script"] = script
        stack.callback(session.close)
        return usage.UsageHandle(session, stack.close)

    monkeypatch.setattr(usage, "start_for_face", start)
    yield opened


async def _open_usage(pilot: Pilot[None], opened: dict[str, Any]) -> None:
    """Screen 5, then REPORTS scripted seconds, each sampled by the screen's own callback."""
    await pilot.press("5")
    await pilot.pause()
    screen, script = pilot.app.screen, opened["script"]
    for _ in range(REPORTS):
        script.advance()
        screen.sample()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _line(text: str, needle: str) -> str:
    return next((line for line in text.splitlines() if needle in line), "")


def test_usage_screen_shows_the_scripted_figures(tmp_path: Path, scripted: dict[str, Any]) -> None:
    app = build_demo_app(tmp_path)

    async def run() -> None:
        async with app.run_test(size=(160, 50)) as pilot:
            await pilot.pause()
            await _open_usage(pilot, scripted)
            text = screen_text(app)
            assert f"Usage · {LABEL} · every 1 s" in text
            backup = _line(text, "db/postgres backup")
            assert "1.0/2" in backup and " 40%" in backup, backup  # 4 of 10 periods throttled
            assert "capped by CFS quota" in backup, backup
            proxy = _line(text, "ml/ml-trainer mesh-proxy")
            assert "1.9/2" in proxy and "  0%   30%" in proxy and "capped by cpuset width" in proxy, proxy
            assert "N1! 1.0G" in _line(text, "analytics/batch worker")
            assert "shared pool 11,43 is throttled in 40% of periods" in text
            assert "foreign work on CPUs 8-10,40-42" in text
            row = next(r for r in app.screen.rows if r.owner == "shop/web nginx")
            assert [round(p or 0, 3) for p in row.history] == [0.3, 0.45, 0.6]  # 1.2 of 2 by LEVELS

    asyncio.run(run())


@pytest.mark.parametrize("size", [(80, 24), (160, 50)], ids=["80x24", "160x50"])
def test_usage_screen_snapshot(
    snap_compare: Any, tmp_path: Path, scripted: dict[str, Any], size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        await pilot.pause()
        await _open_usage(pilot, scripted)
        assert "db/postgres backup" in screen_text(pilot.app)  # rows, not a loading screen

    assert snap_compare(build_demo_app(tmp_path), terminal_size=size, run_before=run_before)
