"""What `workbench export` serves: the kernel's counters as the sandbox holds them, per owner,
with Kubernetes' label names and the kubelet's assignment types, within the series budget, and
in a form `promtool check metrics` accepts. The exporter only reads."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from usage_kit import Counters, proc_stat

from workbench.cgroups.sandbox import snapshot
from workbench.cli.main import main
from workbench.exporter import server
from workbench.services.export import Exporter
from workbench.services.source import NodeSource

REPO = Path(__file__).resolve().parents[2]
POSTGRES = REPO / "fixtures" / "pods" / "postgres.yaml"
POD = "workbench.slice/db_postgres-0"
LABELS = {"namespace", "pod", "container", "numa_node", "pool", "version"}
POOLS = {"node_exclusive", "pod_exclusive", "pod_shared", "node_shared", "reserved"}
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def _samples(text: bytes) -> Samples:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for fam in text_string_to_metric_families(text.decode())
        for s in fam.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float:
    hits = [v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= ls]
    assert len(hits) == 1, (name, labels, hits)
    return hits[0]


@pytest.fixture
def committed(tmp_path: Path) -> tuple[Path, Path]:
    root, proc = tmp_path / "cg", tmp_path / "proc"
    assert main(["sandbox", "init", str(root), "--demo"]) == 0
    commit = ["commit", str(POSTGRES), "--demo", "--cgroup-root", str(root), "--apply"]
    assert main([*commit, "--journal", str(tmp_path / "journal.db")]) == 0
    proc_stat(proc, {cpu: (0, 0) for cpu in range(64)})
    for cg in ("pg-backup", "postgres"):
        Counters(root, f"{POD}/{cg}").pressure(0, 0)
    return root, proc


def test_a_scrape_reports_the_interval_since_the_last_one(
    committed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, proc = committed
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    exporter = Exporter(NodeSource(demo=True), root, driver="systemd", proc_root=proc)
    exporter.start()
    try:
        for seconds, backup_usec in ((1.0, 1_960_000), (2.0, 2_960_000)):
            clock[0] += seconds - (clock[0] - 100.0)
            Counters(root, f"{POD}/pg-backup").cpu(backup_usec, periods=10 * int(seconds))
            Counters(root, f"{POD}/pg-backup").pressure(450_000 * int(seconds), 0)
            Counters(root, f"{POD}/postgres").cpu(100_000 * int(seconds))
            got = _samples(server.render(exporter.families, openmetrics=False))
    finally:
        exporter.close()
    backup = {"pod": "postgres-0", "namespace": "db", "container": "pg-backup", "pool": "pod_shared"}
    # Counters accumulate: 1.96 s in the first second, 1.0 s in the next.
    assert _value(got, "workbench_container_cpu_usage_seconds_total", **backup) == pytest.approx(2.96)
    assert _value(got, "workbench_container_cpu_throttled_ratio", **backup) == 0
    shared = {"pod": "postgres-0", "pool": "pod_shared", "container": ""}
    assert _value(got, "workbench_pool_capacity_cpus", **shared) == 2
    assert _value(got, "workbench_pool_cpu_usage_cores", **shared) == pytest.approx(1.0)
    exclusive = {"container": "postgres", "pool": "pod_exclusive"}
    assert _value(got, "workbench_pool_capacity_cpus", **exclusive) == 6
    assert _value(got, "workbench_pool_cpu_usage_seconds_total", **exclusive) == pytest.approx(0.2)


def test_the_exporter_only_reads(committed: tuple[Path, Path]) -> None:
    root, proc = committed
    before = snapshot(root)
    exporter = Exporter(NodeSource(demo=True), root, proc_root=proc)
    exporter.start()
    server.render(exporter.families)
    exporter.close()
    assert snapshot(root) == before


@pytest.fixture(scope="module")
def demo_scrape() -> bytes:
    exporter = Exporter(NodeSource(demo=True))
    exporter.start()
    try:
        time.sleep(0.3)
        return server.render(exporter.families, openmetrics=False)
    finally:
        exporter.close()


def test_names_labels_and_pools_are_the_documented_ones(demo_scrape: bytes) -> None:
    samples = _samples(demo_scrape)
    assert {n for n, _ in samples} and all(n.startswith("workbench_") for n, _ in samples)
    assert {k for _, ls in samples for k, _ in ls} <= LABELS
    pools = {v for _, ls in samples for k, v in ls if k == "pool"}
    assert pools >= {"pod_exclusive", "pod_shared", "node_shared", "reserved"} and pools <= POOLS


def test_at_most_15_series_per_container(demo_scrape: bytes) -> None:
    per: Counter[tuple[str, str, str]] = Counter()
    for _, ls in _samples(demo_scrape):
        labels = dict(ls)
        if labels.get("container"):
            per[(labels["namespace"], labels["pod"], labels["container"])] += 1
    assert per and max(per.values()) <= 15, per.most_common(3)


@pytest.mark.skipif(
    shutil.which("promtool") is None and not os.environ.get("CI"),
    reason="needs promtool (Debian's prometheus package; .ci/run installs it)",
)
def test_promtool_check_metrics_is_clean() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "workbench", "export", "--demo", "--once", "--interval", "0.2"],
        capture_output=True,
        check=True,
    ).stdout
    check = subprocess.run(["promtool", "check", "metrics"], input=out, capture_output=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert b"workbench_pool_cpu_usage_cores" in out


@pytest.mark.parametrize("listen", ["nowhere", "127.0.0.1:0", "127.0.0.1:99999"])
def test_a_bad_listen_address_is_one_line(listen: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "--demo", "--listen", listen]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "--listen" in err[0]


def test_a_container_spread_over_many_numa_nodes_keeps_to_its_series_budget(
    committed: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, proc = committed
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    # pg-backup's memory on all four NUMA nodes: only the three holding most get a series.
    spread = {0: (400 << 20, 0), 1: (300 << 20, 0), 2: (10 << 20, 0), 3: (200 << 20, 0)}
    Counters(root, f"{POD}/pg-backup").memory(910 << 20, numa=spread)
    exporter = Exporter(NodeSource(demo=True), root, proc_root=proc)
    exporter.start()
    try:
        clock[0] += 1.0
        got = _samples(server.render(exporter.families, openmetrics=False))
    finally:
        exporter.close()
    numa = {
        dict(ls)["numa_node"]: v
        for (n, ls), v in got.items()
        if n == "workbench_container_memory_numa_bytes" and ("container", "pg-backup") in ls
    }
    assert numa == {"0": 400 << 20, "1": 300 << 20, "3": 200 << 20}
    series = [ls for _, ls in got if ("container", "pg-backup") in ls]
    assert len(series) <= 15
    # the bytes on nodes the kubelet did not plan (postgres-0 is planned on node 0) are all counted
    off = _value(got, "workbench_container_memory_off_plan_bytes", container="pg-backup")
    assert off == (300 + 10 + 200) << 20
