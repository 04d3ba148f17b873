"""A real Prometheus (Debian's `prometheus`) scrapes `workbench export` on loopback; what its
HTTP API answers is what a Grafana panel would show."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

PROMETHEUS = shutil.which("prometheus")
REASON = "needs Debian's prometheus package (apt-get install prometheus; .ci/run installs it)"
pytestmark = pytest.mark.skipif(PROMETHEUS is None and not os.environ.get("CI"), reason=REASON)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - loopback URL we built
        return json.load(r)


def _query(base: str, expr: str) -> list[dict[str, Any]]:
    doc = _get(f"{base}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    assert doc["status"] == "success", doc
    result: list[dict[str, Any]] = doc["data"]["result"]
    return result


def _wait(what: str, check: Any, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            last = check()
            if last:
                return last
        except OSError as exc:
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}: {last!r}")


@pytest.fixture
def scraped(tmp_path: Path) -> Iterator[str]:
    assert PROMETHEUS is not None, REASON  # CI must have it: fail, do not skip
    wport, pport = _free_port(), _free_port()
    exporter = subprocess.Popen(
        [sys.executable, "-m", "workbench", "export", "--demo", "--listen", f"127.0.0.1:{wport}"],
        stderr=subprocess.PIPE,
        text=True,
    )
    config = tmp_path / "prometheus.yml"
    config.write_text(
        "global: {scrape_interval: 1s, evaluation_interval: 1s}\n"
        "scrape_configs:\n"
        "  - job_name: workbench\n"
        f"    static_configs: [{{targets: ['127.0.0.1:{wport}']}}]\n",
        encoding="utf-8",
    )
    prom = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={config}",
            f"--storage.tsdb.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{pport}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{pport}"
    try:
        # Two scrapes of the exporter, both successful.
        _wait(
            "two scrapes",
            lambda: (
                _query(base, 'count_over_time(up{job="workbench"}[1m]) >= 2')
                and _query(base, 'up{job="workbench"} == 1')
            ),
        )
        yield base
    finally:
        for p in (prom, exporter):
            p.terminate()
        for p in (prom, exporter):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()


def _by(result: list[dict[str, Any]], label: str) -> dict[str, float]:
    return {r["metric"][label]: float(r["value"][1]) for r in result}


def test_prometheus_sees_the_numa_nodes_allocatable_cpus(scraped: str) -> None:
    from workbench.services.source import NodeSource, load_node

    node = load_node(NodeSource(demo=True))
    reserved = node.config.reserved_system_cpus
    expected = {
        str(n): float(len(cpus) - len(cpus & reserved if reserved else ()))
        for n, cpus in node.topology.cpus_by_numa.items()
    }
    assert _by(_query(scraped, "workbench_numa_allocatable_cpus"), "numa_node") == expected
    build = _query(scraped, "workbench_build_info")
    assert build and build[0]["metric"]["version"]


def test_prometheus_sees_the_demo_backup_sidecar_fill_its_pod_shared_pool(scraped: str) -> None:
    # The demo's synthetic load: postgres' backup sidecar bursts on its 2-CPU pod shared pool.
    shared = 'workbench_pool_{}{{pool="pod_shared",namespace="db",pod="postgres"}}'
    (capacity,) = _query(scraped, shared.format("capacity_cpus"))
    (usage,) = _query(scraped, shared.format("cpu_usage_cores"))
    assert float(capacity["value"][1]) == 2
    assert 0.5 <= float(usage["value"][1]) <= 2.05, _query(scraped, shared.format("cpu_usage_cores") + "[1m]")
    # and the counter agrees (irate: the last two scrapes; rate() over a window longer than the
    # few scrapes made so far would extrapolate)
    (rate,) = _query(scraped, f"irate({shared.format('cpu_usage_seconds_total')}[30s])")
    history = _query(scraped, shared.format("cpu_usage_seconds_total") + "[1m]")
    assert 0.5 <= float(rate["value"][1]) <= 2.05, history
