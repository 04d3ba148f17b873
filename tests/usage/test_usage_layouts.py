"""Pods found in every layout (standalone, kubelet systemd, kubelet cgroupfs), their pools from
the owner model, and figures flowing through each: trees made by hand as the kubelet makes them."""

from __future__ import annotations

from pathlib import Path

import pytest
from usage_kit import Counters, proc_stat

from workbench.cgroups.sandbox import init_sandbox
from workbench.services.source import NodeSource
from workbench.services.usage import UsageReport, UsageRequest, UsageSession, open_usage
from workbench.topology import demo_topology

UID = "6f1c8a52-1111-4000-8000-00000000000a"
EXCL_ID = "a" * 64
SHARED_ID = "b" * 64
PAUSE_ID = "c" * 64

SYSTEMD_POD = f"kubepods.slice/kubepods-pod{UID.replace('-', '_')}.slice"
CGROUPFS_POD = f"kubepods/pod{UID}"


def _scope(layout: str, cid: str) -> str:
    return f"cri-containerd-{cid}.scope" if layout == "systemd" else cid


def _kubelet_tree(root: Path, layout: str) -> dict[str, str]:
    """A Guaranteed pod-level pod: exclusive CPUs 2-3 (no quota), a sidecar on the pod shared
    pool 4-5 inheriting the pod's 4-CPU limit as its quota, and the pause container."""
    pod = SYSTEMD_POD if layout == "systemd" else CGROUPFS_POD
    Counters(root, pod).make(cpus="2-5", mems="0")
    excl = Counters(root, f"{pod}/{_scope(layout, EXCL_ID)}").make(cpus="2-3", mems="0")
    shared = Counters(root, f"{pod}/{_scope(layout, SHARED_ID)}").make(
        cpus="4-5", mems="0", cpu_max="400000 100000"
    )
    Counters(root, f"{pod}/{_scope(layout, PAUSE_ID)}").make()
    return {
        "pod": pod,
        "exclusive": str(excl.dir.relative_to(root)),
        "shared": str(shared.dir.relative_to(root)),
    }


def _standalone_tree(root: Path) -> dict[str, str]:
    pod = "workbench.slice/team_app"
    Counters(root, pod).make(cpus="2-5", mems="0")
    Counters(root, f"{pod}/main").make(cpus="2-3", mems="0")
    Counters(root, f"{pod}/sidecar").make(cpus="4-5", mems="0", cpu_max="400000 100000")
    # a pod without pod-level resources: one exclusive container (node_exclusive), one shared
    Counters(root, "workbench.slice/team_solo").make()
    Counters(root, "workbench.slice/team_solo/pinned").make(cpus="10-11", mems="0")
    Counters(root, "workbench.slice/team_solo/helper").make(cpu_max="50000 100000")
    return {"pod": pod, "exclusive": f"{pod}/main", "shared": f"{pod}/sidecar"}


class Run:
    def __init__(self, session: UsageSession, proc: Path) -> None:
        self.session, self.proc, self.t = session, proc, 10.0
        session.clock = session.sampler.clock = lambda: self.t

    def tick(self, ticks: dict[int, tuple[int, int]]) -> UsageReport | None:
        proc_stat(self.proc, ticks)
        self.t += 1.0
        return self.session.tick()


@pytest.mark.parametrize("layout", ["standalone", "systemd", "cgroupfs"])
def test_pools_and_figures_in_every_layout(tmp_path: Path, layout: str) -> None:
    root, proc = tmp_path / "cg", tmp_path / "proc"
    init_sandbox(root, demo_topology(), mountinfo="")
    paths = _standalone_tree(root) if layout == "standalone" else _kubelet_tree(root, layout)
    proc_stat(proc, {c: (0, 0) for c in range(64)})
    request = UsageRequest(NodeSource(demo=True), cgroup_root=root, proc_root=proc)
    with open_usage(request) as session:
        run = Run(session, proc)
        assert run.tick({c: (0, 0) for c in range(64)}) is None  # the first sample has no interval
        Counters(root, paths["exclusive"]).cpu(1_500_000)
        Counters(root, paths["shared"]).cpu(400_000, periods=10, throttled=9, throttled_usec=300_000)
        ticks = {c: (0, 100) for c in range(64)}
        ticks.update({2: (75, 25), 3: (75, 25), 4: (20, 80), 5: (20, 80)})
        report = run.tick(ticks)
    assert report is not None
    pools = {(p.spec.kind, p.spec.container): p for p in report.attribution.pools}
    exclusive = next(p for p in report.attribution.pools if p.spec.kind == "pod_exclusive")
    assert str(exclusive.spec.cpus) == "2-3" and exclusive.usage_cores == pytest.approx(1.5)
    assert exclusive.busy_cores == pytest.approx(1.5) and exclusive.foreign_cores == pytest.approx(0.0)
    shared = pools[("pod_shared", None)]
    assert str(shared.spec.cpus) == "4-5" and shared.usage_cores == pytest.approx(0.4)
    assert shared.throttled_ratio == pytest.approx(0.9) and shared.binds == "CFS quota"
    assert shared.throttled_s == pytest.approx(0.3)
    rows = {c.member.cgroup: c for c in report.attribution.containers}
    assert rows[paths["shared"]].binds == "CFS quota" and rows[paths["shared"]].quota_cores == 4.0
    if layout != "standalone":
        # Without the kubelet's checkpoint the pod is its UID and containers their runtime IDs.
        assert rows[paths["exclusive"]].member.pod == UID
        assert rows[paths["exclusive"]].member.container == EXCL_ID
        pause = next(c for c in report.attribution.containers if c.member.container == PAUSE_ID)
        assert pause.member.pool == "node_shared"
    else:
        solo = {
            c.member.container: c.member.pool
            for c in report.attribution.containers
            if c.member.pod == "team/solo"
        }
        assert solo == {"pinned": "node_exclusive", "helper": "node_shared"}
        assert any(
            p.spec.kind == "node_exclusive" and str(p.spec.cpus) == "10-11" for p in report.attribution.pools
        )


def test_a_pod_appearing_later_shows_on_the_next_tick(tmp_path: Path) -> None:
    root, proc = tmp_path / "cg", tmp_path / "proc"
    init_sandbox(root, demo_topology(), mountinfo="")
    proc_stat(proc, {c: (0, 0) for c in range(64)})
    with open_usage(UsageRequest(NodeSource(demo=True), cgroup_root=root, proc_root=proc)) as session:
        run = Run(session, proc)
        run.tick({c: (0, 0) for c in range(64)})
        paths = _standalone_tree(root)
        seen = []
        for i in range(1, 8):
            report = run.tick({c: (0, 100 * i) for c in range(64)})
            assert report is not None
            seen.append(any(c.member.cgroup == paths["exclusive"] for c in report.attribution.containers))
    # One lstat per listed directory each tick tells the tree changed; the listing follows.
    assert all(seen), seen


def test_a_kubelet_checkpoint_names_pods_and_containers(tmp_path: Path) -> None:
    """With the kubelet's directory the UID is the pod's name and each scope is matched to its
    container by the cpuset the CPU manager recorded; the lone pod-shared sidecar, which the
    checkpoint alone cannot tell from an exclusive container, is shared by its inherited quota."""
    kdir = Path(__file__).resolve().parents[2] / "fixtures" / "kubelet" / "intel-2s-snc-v4"
    root, proc = tmp_path / "cg", tmp_path / "proc"
    init_sandbox(root, demo_topology(), mountinfo="")
    pg = "kubepods.slice/kubepods-pod6f1f4e0a_3c1d_4e0b_9a57_0d0c2a6f5b01.slice"
    Counters(root, pg).make(cpus="1-4,33-36", mems="0")
    Counters(root, f"{pg}/cri-containerd-{EXCL_ID}.scope").make(cpus="1-3,33-35", mems="0")
    Counters(root, f"{pg}/cri-containerd-{SHARED_ID}.scope").make(
        cpus="4,36", mems="0", cpu_max="800000 100000"
    )
    burstable = "kubepods.slice/kubepods-burstable.slice"
    redis = f"{burstable}/kubepods-burstable-pod9b2d7c44_8e1f_4b6a_a1c3_5e7f9d0b2c02.slice"
    Counters(root, redis).make()
    Counters(root, f"{redis}/cri-containerd-{PAUSE_ID}.scope").make(cpus="5,37", mems="0")
    proc_stat(proc, {c: (0, 0) for c in range(64)})
    request = UsageRequest(NodeSource(kubelet_dir=kdir), cgroup_root=root, proc_root=proc)
    with open_usage(request) as session:
        members = {(m.pod, m.container): m.pool for m in session.plan.members}
        pools = {(p.kind, p.pod, p.container) for p in session.plan.pools}
    assert members == {
        ("db/postgres-0", "postgres"): "pod_exclusive",
        ("db/postgres-0", "pg-backup"): "pod_shared",
        ("cache/redis-0", "redis"): "node_exclusive",
    }
    assert {("pod_exclusive", "db/postgres-0", "postgres"), ("pod_shared", "db/postgres-0", None),
            ("node_exclusive", "cache/redis-0", "redis")} <= pools  # fmt: skip


def test_a_replaced_container_shows_even_when_the_pod_directory_looks_unchanged(tmp_path: Path) -> None:
    """A restart under the kubelet is a new scope beside a removed one: the pod directory's nlink
    is the same and kernfs may leave its mtime alone. The vanished cgroup makes the session list
    again (at most every 5 s), so the new container shows within 6 ticks at 1 s, with no
    negative figure in between."""
    import os
    import shutil

    root, proc = tmp_path / "cg", tmp_path / "proc"
    init_sandbox(root, demo_topology(), mountinfo="")
    paths = _kubelet_tree(root, "systemd")
    proc_stat(proc, {c: (0, 0) for c in range(64)})
    new = f"{paths['pod']}/{_scope('systemd', 'd' * 64)}"
    with open_usage(UsageRequest(NodeSource(demo=True), cgroup_root=root, proc_root=proc)) as session:
        run = Run(session, proc)
        run.tick({c: (0, 0) for c in range(64)})
        run.tick({c: (0, 100) for c in range(64)})
        pod_dir = root / paths["pod"]
        before = os.lstat(pod_dir)
        shutil.rmtree(root / paths["exclusive"])
        Counters(root, new).make(cpus="2-3", mems="0")
        os.utime(pod_dir, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert os.lstat(pod_dir).st_nlink == before.st_nlink
        seen = []
        for i in range(2, 8):
            report = run.tick({c: (0, 100 * i) for c in range(64)})
            assert report is not None
            assert all(c.usage_cores is None or c.usage_cores >= 0 for c in report.attribution.containers)
            seen.append(any(c.member.cgroup == new for c in report.attribution.containers))
    assert any(seen[:6]), seen
