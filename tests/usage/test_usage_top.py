"""`workbench top` on a sandbox tree made by `sandbox init --demo` and `commit --demo --apply`,
reading counter files this test writes: the `-o json` contract of `top --once`, the figures
derived from them, which limit binds, and that `top` given --cgroup-root only reads."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from usage_kit import Counters, proc_stat

from workbench.cgroups.sandbox import snapshot
from workbench.cli.main import main

REPO = Path(__file__).resolve().parents[2]
POSTGRES = REPO / "fixtures" / "pods" / "postgres.yaml"
POD = "workbench.slice/db_postgres-0"
CONTAINER_KEYS = {"pod", "container", "pool", "cpus", "usage_cores", "throttled_ratio", "throttled_s",
                  "memory_bytes", "memory_numa_bytes"}  # fmt: skip
POOL_KEYS = {"kind", "pod", "container", "cpus", "capacity_cores", "usage_cores", "throttled_ratio"}


@pytest.fixture
def committed(tmp_path: Path) -> tuple[Path, Path]:
    root, proc = tmp_path / "cg", tmp_path / "proc"
    assert main(["sandbox", "init", str(root), "--demo"]) == 0
    journal = str(tmp_path / "journal.db")
    commit = ["commit", str(POSTGRES), "--demo", "--cgroup-root", str(root), "--apply"]
    assert main([*commit, "--journal", journal]) == 0
    proc_stat(proc, {cpu: (0, 0) for cpu in range(64)})
    return root, proc


def _top(root: Path, proc: Path) -> list[str]:
    return ["top", "--demo", "--cgroup-root", str(root), "--proc-root", str(proc), "--once"]


def _second_sample(root: Path, proc: Path) -> None:
    """What the kernel would show 1 s later: the backup sidecar spinning on its 2-CPU pool (no
    quota of its own below the width), postgres idle, a foreign task on postgres' CPU 2."""
    Counters(root, f"{POD}/pg-backup").cpu(1_960_000, periods=10, throttled=0)
    Counters(root, f"{POD}/pg-backup").pressure(450_000, 100_000)
    Counters(root, f"{POD}/postgres").cpu(100_000)
    Counters(root, POD).cpu(2_070_000, periods=10, throttled=0)  # both, and the pause process
    ticks = {cpu: (0, 100) for cpu in range(64)}
    ticks.update({4: (98, 2), 36: (98, 2), 2: (100, 0), 1: (10, 90)})
    proc_stat(proc, ticks)


def _top_json(root: Path, proc: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
              *extra: str) -> dict[str, Any]:  # fmt: skip
    clock = [1000.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])

    def sleep(seconds: float) -> None:
        clock[0] += seconds
        _second_sample(root, proc)

    monkeypatch.setattr(time, "sleep", sleep)
    for cg in ("pg-backup", "postgres"):
        Counters(root, f"{POD}/{cg}").pressure(0, 0)
    capsys.readouterr()
    assert main([*_top(root, proc), "-o", "json", *extra]) == 0
    doc: dict[str, Any] = json.loads(capsys.readouterr().out)
    return doc


def test_top_once_json_contract_and_figures(
    committed: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, proc = committed
    doc = _top_json(root, proc, capsys, monkeypatch)
    assert {"interval_s", "containers", "pools"} <= set(doc)
    assert doc["interval_s"] == pytest.approx(1.0)
    by_name = {c["container"]: c for c in doc["containers"]}
    assert set(by_name) == {"postgres", "pg-backup"}
    for c in doc["containers"]:
        assert CONTAINER_KEYS <= set(c)
        assert c["pod"] == "db/postgres-0"
    backup, pg = by_name["pg-backup"], by_name["postgres"]
    assert (backup["pool"], backup["cpus"]) == ("pod_shared", "4,36")
    assert (pg["pool"], pg["cpus"]) == ("pod_exclusive", "1-3,33-35")
    assert backup["usage_cores"] == pytest.approx(1.96)
    assert backup["throttled_ratio"] == 0 and backup["throttled_s"] == 0
    assert backup["quota_cores"] == 8  # the whole pod limit, inherited
    assert backup["binds"] == "cpuset width"
    assert backup["psi_some"] == pytest.approx(0.45)
    assert pg["usage_cores"] == pytest.approx(0.1) and pg["binds"] == "nothing"
    pools = {(p["kind"], p["container"]): p for p in doc["pools"]}
    for p in doc["pools"]:
        assert POOL_KEYS <= set(p)
    shared = pools[("pod_shared", None)]
    assert (shared["pod"], shared["cpus"], shared["capacity_cores"]) == ("db/postgres-0", "4,36", 2)
    assert shared["usage_cores"] == pytest.approx(1.96) and shared["throttled_ratio"] == 0
    (pod,) = doc["pods"]  # the pod's own cgroup: the whole pod, where a pod-level limit applies
    assert (pod["pod"], pod["cgroup"]) == ("db/postgres-0", POD)
    assert pod["usage_cores"] == pytest.approx(2.07) and pod["throttled_ratio"] == 0
    exclusive = pools[("pod_exclusive", "postgres")]
    assert exclusive["capacity_cores"] == 6 and exclusive["usage_cores"] == pytest.approx(0.1)
    # busy 1.1 core on postgres' CPUs (1 full from the foreign task), 0.1 of it postgres'
    assert exclusive["busy_cores"] == pytest.approx(1.1) and exclusive["foreign_cores"] == pytest.approx(1.0)
    assert pools[("reserved", None)]["cpus"] == "0"
    node = pools[("node_shared", None)]
    assert node["capacity_cores"] == 64 - 1 - 8
    kinds = {f["kind"] for f in doc["findings"]}
    assert {"starved-shared-pool", "idle-exclusive", "foreign-work"} <= kinds


def test_top_text_says_which_limit_binds(
    committed: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, proc = committed
    clock = [50.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])

    def sleep(seconds: float) -> None:
        clock[0] += seconds
        _second_sample(root, proc)

    monkeypatch.setattr(time, "sleep", sleep)
    assert main(_top(root, proc)) == 0
    out = capsys.readouterr().out
    backup = next(line for line in out.splitlines() if "pg-backup" in line)
    assert "capped by cpuset width" in backup
    assert "foreign work on CPUs 1-3,33-35 of db/postgres-0 postgres: 1.00 core" in out


def test_top_with_a_cgroup_root_only_reads(
    committed: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, proc = committed
    _second_sample(root, proc)  # so the run below writes nothing itself
    before = snapshot(root)
    monkeypatch.setattr(time, "sleep", lambda s: None)
    assert main([*_top(root, proc), "-o", "json"]) == 0
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--interval", "0"], "--interval"),
        (["--cgroup-root", "/nonexistent/cg"], "/nonexistent/cg"),
        (["--proc-root", "/nonexistent/proc"], "/nonexistent/proc"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    committed: tuple[Path, Path], capsys: pytest.CaptureFixture[str], args: list[str], needle: str
) -> None:
    root, _proc = committed
    full = ["top", "--demo", "--once", "--cgroup-root", str(root), *args]
    assert main(full) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and needle in err


def test_top_without_once_prints_one_json_line_per_interval(
    committed: tuple[Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, proc = committed
    clock = [300.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    used = [0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds
        used[0] += 500_000
        Counters(root, f"{POD}/pg-backup").cpu(used[0])

    monkeypatch.setattr(time, "sleep", sleep)
    argv = ["top", "--demo", "--cgroup-root", str(root), "--proc-root", str(proc), "--interval", "2"]
    assert main([*argv, "--count", "2", "-o", "json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    for line in lines:
        doc = json.loads(line)
        backup = next(c for c in doc["containers"] if c["container"] == "pg-backup")
        assert doc["interval_s"] == pytest.approx(2.0) and backup["usage_cores"] == pytest.approx(0.25)
