"""Runs INSIDE the throwaway VM (see numa-vm.sh): the usage view against a real kernel.

Prints one `CHECK {json}` line per check. Commits pod-level pods into the guest's own cgroup2
with `workbench commit --attach`, starts spinners, and samples them with the usage services:
(a) a sidecar without a limit of its own running 3 spinners on a 2-CPU pod shared pool: no
throttling, usage >= 1.9 cores, PSI some > 30%, "capped by cpuset width"; (d) the exclusive
container spinning stays unthrottled; pools close over 10 s (busy = attributed + foreign within
0.05 core); (c) a spinner put on an exclusive CPU from outside (taskset) is foreign work within
2 ticks and `--tasks` names it; (b) a sidecar with a 500m limit is throttled >= 0.9 within 3 s.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

CG = Path("/sys/fs/cgroup")
JOURNAL = "/tmp/wb-usage.db"

KUBELET = """\
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
cpuManagerPolicy: static
reservedSystemCPUs: "0"
topologyManagerPolicy: best-effort
topologyManagerScope: pod
featureGates: {PodLevelResources: true, PodLevelResourceManagers: true}
"""


def pod(name: str, sidecar_limit: str | None) -> str:
    sidecar = "  - {name: sidecar, image: busybox}\n"
    if sidecar_limit:
        sidecar = (
            "  - name: sidecar\n    image: busybox\n"
            f"    resources: {{requests: {{cpu: 100m}}, limits: {{cpu: {sidecar_limit}}}}}\n"
        )
    return (
        f"apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: vmtest}}\nspec:\n"
        "  resources: {requests: {cpu: '3', memory: 64Mi}, limits: {cpu: '3', memory: 64Mi}}\n"
        "  containers:\n"
        "  - name: app\n    image: busybox\n"
        "    resources: {requests: {cpu: '1', memory: 32Mi}, limits: {cpu: '1', memory: 32Mi}}\n" + sidecar
    )


def report(name: str, ok: bool, detail: object = "") -> None:
    print("CHECK " + json.dumps({"name": name, "ok": bool(ok), "detail": str(detail)[:2000]}), flush=True)


def check(name: str, fn: Callable[[], tuple[bool, object]]) -> None:
    try:
        ok, detail = fn()
    except Exception:  # one crash must not hide the other checks
        ok, detail = False, traceback.format_exc()
    report(name, ok, detail)


def launcher(tag: str, spinners: int) -> subprocess.Popen[bytes]:
    """A shell that waits for /tmp/go-TAG, then runs `spinners` busy loops until /tmp/stop-TAG.
    Attached to a container's cgroup before it starts them, so the loops are born inside it."""
    spin = f"while [ ! -e /tmp/stop-{tag} ]; do :; done"
    script = f"while [ ! -e /tmp/go-{tag} ]; do sleep 0.05; done; " + " ".join(
        f"(sh -c '{spin}') &" for _ in range(spinners)
    ) + " wait"  # fmt: skip
    return subprocess.Popen(["/bin/sh", "-c", script])


def commit(pod_file: str, attach: dict[str, int]) -> tuple[bool, str]:
    """`workbench commit POD --apply` through the same use case the CLI calls (in this process:
    every interpreter start costs seconds under TCG)."""
    from workbench.services import commit_pod as cp
    from workbench.services.commit import CgroupTarget
    from workbench.services.source import NodeSource
    from workbench.services.transactions import JournalAccess

    request = cp.CommitRequest(
        pod_file=pod_file,
        source=NodeSource(sysfs_root=Path("/"), kubelet_config=Path("/tmp/kubelet.yaml")),
        target=CgroupTarget(CG, layout="standalone", attach=attach),
        journal=JournalAccess(Path(JOURNAL)),
        apply=True,
    )
    outcome = cp.finish_commit(cp.prepare_commit(request))
    return outcome.exit_code == 0 and outcome.applied is not None, cp.plan_text(outcome) + cp.result_text(
        outcome
    )


def rollback() -> tuple[bool, str]:
    from workbench.services import transactions as t

    done = t.rollback(t.JournalAccess(Path(JOURNAL)), None, if_unconfirmed=False, cgroup_root=str(CG))
    return done.exit_code == 0, t.rollback_text(done)


def session(tasks: bool = False) -> Any:
    from workbench.services.source import NodeSource
    from workbench.services.usage import UsageRequest, open_usage

    source = NodeSource(sysfs_root=Path("/"), kubelet_config=Path("/tmp/kubelet.yaml"))
    return open_usage(UsageRequest(source, cgroup_root=CG, proc_root=Path("/proc"), tasks=tasks))


def rows(rep: Any, pod_name: str) -> tuple[dict[str, Any], dict[tuple[str, str | None], Any]]:
    containers = {
        c.member.container: c for c in rep.attribution.containers if c.member.pod == f"vmtest/{pod_name}"
    }
    pools = {
        (p.spec.kind, p.spec.container): p
        for p in rep.attribution.pools
        if p.spec.pod == f"vmtest/{pod_name}"
    }
    return containers, pools


def ticks(s: Any, n: int, interval: float = 1.0) -> list[Any]:
    out = []
    for _ in range(n):
        time.sleep(interval)
        out.append(s.tick())
    return out


def phase_a(detail: dict[str, Any]) -> None:
    side, app = launcher("side", 3), launcher("app", 1)
    report("commit-pod-a", *commit("/tmp/pod-a.yaml", {"app": app.pid, "sidecar": side.pid}))
    # One load at a time: under TCG more spinning vCPUs than host cores make the guest's clock
    # jump when a vCPU gets its host core back, which shows up as throttling and lost ticks.
    Path("/tmp/go-side").touch()
    time.sleep(1.0)
    with session() as s:
        s.tick()
        # One 5 s interval; up to 3 when the host starves the VM: a 3-CPU quota cannot throttle
        # 2 CPUs on real hardware, but a TCG vCPU that gets its host core back after a while
        # charges the gap to one period (every attempt is in the detail).
        detail["a"] = []
        for _attempt in range(3):
            rep = ticks(s, 1, 5.0)[-1]
            c, pools = rows(rep, "spin")
            sc = c["sidecar"]
            detail["a"].append((sc.member.pool, sc.usage_cores, sc.rates and sc.rates.throttled_ratio,
                                sc.rates and sc.rates.psi_some, sc.binds, sc.quota_cores,
                                pools[("pod_shared", None)].busy_cores, rep.interval_s))  # fmt: skip
            if sc.rates is not None and sc.rates.throttled_ratio == 0:
                break
        check("a-sidecar-capped-by-cpuset-width", lambda: (
            sc.member.pool == "pod_shared" and len(sc.member.cpus) == 2 and sc.rates is not None
            and sc.rates.throttled_ratio == 0 and sc.rates.usage_cores >= 1.9
            and (sc.rates.psi_some or 0) > 0.3 and sc.binds == "cpuset width",
            detail["a"],
        ))  # fmt: skip
        from workbench.services.usage_render import usage_text

        text = usage_text(rep)
        line = next((ln for ln in text.splitlines() if "sidecar" in ln), "")
        check("a-top-text-says-cpuset-width", lambda: ("capped by cpuset width" in line, text))
        Path("/tmp/stop-side").touch()
        Path("/tmp/go-app").touch()
        time.sleep(1.0)
        s.tick()
        time.sleep(10.0)
        rep10 = s.tick()
        c10, pools10 = rows(rep10, "spin")
        ap = c10["app"]
        check("d-exclusive-unthrottled", lambda: (
            ap.member.pool == "pod_exclusive" and ap.rates is not None and ap.rates.throttled_ratio == 0
            and ap.rates.periods == 0 and ap.usage_cores >= 0.9,
            (ap.member.pool, ap.usage_cores, ap.rates),
        ))  # fmt: skip
        # Closure over 10 s: busy(pool CPUs) = attributed + foreign within 0.05 core, and with
        # nothing foreign on the spinning exclusive CPU, its foreign work within 0.05 of none.
        closure = {
            k: (p.busy_cores, p.usage_cores, p.foreign_cores)
            for k, p in pools10.items()
            if k[0] in ("pod_exclusive", "pod_shared")
        }
        excl = pools10[("pod_exclusive", "app")]
        check("pools-close-over-10s", lambda: (
            len(closure) == 2 and rep10.interval_s >= 9.5
            and all(b is not None and u is not None and f is not None and abs(b - u - f) <= 0.05
                    for b, u, f in closure.values())
            and (excl.foreign_cores or 0.0) <= 0.05,
            (rep10.interval_s, closure),
        ))  # fmt: skip
    Path("/tmp/stop-app").touch()  # free the exclusive CPU for the foreign spinner
    phase_c(ap.member.cpus.sorted()[0])
    for p in (side, app):
        p.wait(timeout=30)


def phase_c(cpu: int) -> None:
    time.sleep(0.5)
    with session(tasks=True) as s:
        s.tick()
        foreign = subprocess.Popen(["taskset", "-c", str(cpu), "/bin/sh", "-c", "while :; do :; done"])
        try:
            reps = ticks(s, 2)
        finally:
            foreign.kill()
            foreign.wait()
    found = [
        [f.text for f in rep.findings if f.kind == "foreign-work" and f.subject.startswith("pod_exclusive")]
        for rep in reps
    ]
    named = [t.pid for rep in reps for t in rep.tasks]
    check("c-foreign-work-within-2-ticks", lambda: (any(found), found))
    check("c-tasks-name-the-spinner", lambda: (foreign.pid in named, (foreign.pid, named)))


def phase_b() -> None:
    report("rollback-pod-a", *rollback())
    side = launcher("side-b", 3)
    report("commit-pod-b", *commit("/tmp/pod-b.yaml", {"sidecar": side.pid}))
    Path("/tmp/go-side-b").touch()
    with session() as s:
        s.tick()
        seen = []
        for rep in ticks(s, 3):
            c, _pools = rows(rep, "limited")
            sc = c["sidecar"]
            seen.append((sc.rates and sc.rates.throttled_ratio, sc.quota_cores, sc.binds))
    Path("/tmp/stop-side-b").touch()
    side.wait(timeout=30)
    check("b-500m-sidecar-throttled-within-3s", lambda: (
        any(t is not None and t >= 0.9 and q == 0.5 and b == "CFS quota" for t, q, b in seen), seen
    ))  # fmt: skip


def main() -> int:
    os.sched_setaffinity(0, {0})  # the sampler itself runs on the reserved CPU, never a pool's
    Path("/tmp/kubelet.yaml").write_text(KUBELET)
    Path("/tmp/pod-a.yaml").write_text(pod("spin", None))
    Path("/tmp/pod-b.yaml").write_text(pod("limited", "500m"))
    detail: dict[str, Any] = {}
    try:
        phase_a(detail)
    except Exception:
        report("phase-a", False, traceback.format_exc())
    try:
        phase_b()
    except Exception:
        report("phase-b", False, traceback.format_exc())
    return 0


if __name__ == "__main__":
    sys.exit(main())
