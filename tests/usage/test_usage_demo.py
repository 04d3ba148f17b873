"""The demo node's synthetic load: every finding shows, figures stay consistent with the
kernel's rules (a quota below the width throttles, no quota below it shows as pressure)."""

from __future__ import annotations

import time

import pytest

from workbench.services.source import NodeSource
from workbench.services.usage import UsageRequest, open_usage
from workbench.services.usage_render import usage_json


@pytest.fixture(scope="module")
def demo_doc() -> dict[str, object]:
    clock = [time.monotonic() + 5.0]  # the synthetic kernel plays forward to the session's clock
    with open_usage(UsageRequest(NodeSource(demo=True))) as session:
        session.clock = lambda: clock[0]
        session.tick()
        clock[0] += 1.0
        report = session.tick()
    assert report is not None
    return usage_json(report)


def _container(doc: dict[str, object], pod: str, name: str) -> dict[str, object]:
    rows = doc["containers"]
    assert isinstance(rows, list)
    return next(c for c in rows if c["pod"] == pod and c["container"] == name)


def test_every_finding_shows_on_the_demo(demo_doc: dict[str, object]) -> None:
    findings = demo_doc["findings"]
    assert isinstance(findings, list)
    kinds = {f["kind"] for f in findings}
    every = {
        "starved-shared-pool",
        "idle-exclusive",
        "memory-off-plan",
        "node-pool-saturated",
        "foreign-work",
    }
    assert every <= kinds


def test_backup_sidecar_throttled_by_its_own_quota(demo_doc: dict[str, object]) -> None:
    backup = _container(demo_doc, "db/postgres", "backup")
    assert backup["pool"] == "pod_shared" and backup["quota_cores"] == 1
    assert backup["binds"] == "CFS quota"
    assert isinstance(backup["throttled_ratio"], float) and backup["throttled_ratio"] >= 0.5


def test_mesh_proxy_capped_by_cpuset_width_not_throttled(demo_doc: dict[str, object]) -> None:
    proxy = _container(demo_doc, "ml/ml-trainer", "mesh-proxy")
    assert proxy["pool"] == "pod_shared" and proxy["quota_cores"] == 14
    assert proxy["binds"] == "cpuset width" and proxy["throttled_ratio"] == 0
    assert proxy["usage_cores"] == pytest.approx(2.0, abs=0.05)
    assert isinstance(proxy["psi_some"], float) and proxy["psi_some"] > 0.2


def test_memory_drifts_off_the_planned_node(demo_doc: dict[str, object]) -> None:
    worker = _container(demo_doc, "analytics/batch", "worker")
    numa = worker["memory_numa_bytes"]
    assert isinstance(numa, dict) and len([n for n, b in numa.items() if b]) == 2
    assert isinstance(worker["off_plan_bytes"], int) and worker["off_plan_bytes"] > 64 << 20
