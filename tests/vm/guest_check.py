"""Runs INSIDE the throwaway VM (see numa-vm.sh); prints one `CHECK {json}` line per check.

Argument: JSON with the topology QEMU was given. Every check runs even if an earlier one failed,
so the host-side test can name each failure. Writes only to the guest's own cgroup2 and /tmp.
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

CG = Path("/sys/fs/cgroup")
JOURNAL = "/tmp/wb-journal.db"
WB = [sys.executable, "-m", "workbench"]

POD = """\
apiVersion: v1
kind: Pod
metadata: {name: pinned, namespace: vmtest, uid: 6f1c8a52-0000-4000-8000-000000000001}
spec:
  containers:
  - name: app
    image: busybox
    resources:
      requests: {cpu: "2", memory: 32Mi}
      limits: {cpu: "2", memory: 32Mi}
"""

KUBELET = """\
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
cpuManagerPolicy: static
reservedSystemCPUs: "0"
memoryManagerPolicy: Static
kubeReserved: {memory: 100Mi}
evictionHard: {memory.available: 100Mi}
reservedMemory:
- numaNode: 0
  limits: {memory: 200Mi}
topologyManagerPolicy: restricted
topologyManagerScope: container
"""


# cpuManagerPolicy none: the PostgreSQL fixture's 8 CPUs fit this 8-CPU guest unpinned; what
# the check is about is its memory limits, which are not whole pages.
KUBELET_NONE = """\
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
cpuManagerPolicy: none
"""
POSTGRES = Path(__file__).resolve().parents[2] / "fixtures" / "pods" / "postgres.yaml"


def report(name: str, ok: bool, detail: object = "") -> None:
    print("CHECK " + json.dumps({"name": name, "ok": bool(ok), "detail": str(detail)[:2000]}), flush=True)


def check(name: str, fn: Callable[[], tuple[bool, object]]) -> None:
    try:
        ok, detail = fn()
    except Exception:  # a crash in one check must not hide the others
        ok, detail = False, traceback.format_exc()
    report(name, ok, detail)


def wb(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full_env = dict(os.environ, WORKBENCH_JOURNAL=JOURNAL, **(env or {}))
    return subprocess.run([*WB, *args], capture_output=True, text=True, env=full_env, timeout=120)


def status_field(pid: int, field: str) -> str:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()
    return ""


def tree_snapshot() -> dict[str, dict[str, str]]:
    snap: dict[str, dict[str, str]] = {}
    for dirpath, _dirs, _files in os.walk(CG, followlinks=False):
        rel = os.path.relpath(dirpath, CG)
        vals = {}
        for f in ("cpuset.cpus", "cpuset.mems", "cpu.max", "memory.max", "cgroup.subtree_control"):
            p = Path(dirpath, f)
            if p.exists():
                vals[f] = p.read_text().strip()
        snap[rel] = vals
    return snap


def main() -> int:
    expected = json.loads(sys.argv[1])
    from workbench.topology import read_sysfs
    from workbench.topology.cpuset import CPUSet

    topo = read_sysfs("/")
    n_nodes = expected["numa_nodes"]
    n_cpus = expected["sockets"] * expected["cores_per_socket"] * expected["threads"]
    per_node = n_cpus // n_nodes

    check("topology-sockets", lambda: (
        len(topo.socket_ids) == expected["sockets"] and len(topo.cpus) == n_cpus,
        f"sockets={topo.socket_ids} cpus={len(topo.cpus)}",
    ))
    want_nodes = {i: str(CPUSet(range(i * per_node, (i + 1) * per_node))) for i in range(n_nodes)}
    got_nodes = {n.id: str(n.cpus) for n in topo.numa_nodes}
    check("topology-numa-cpus", lambda: (got_nodes == want_nodes, f"got {got_nodes} want {want_nodes}"))
    cores_ok = all(len(cs) == expected["threads"] for cs in topo.cpus_by_core.values())
    check("topology-siblings", lambda: (
        cores_ok and len(topo.core_ids) == n_cpus // expected["threads"],
        {k: str(v) for k, v in topo.cpus_by_core.items()},
    ))
    got_dist = [[topo.distance(i, j) for j in range(n_nodes)] for i in range(n_nodes)]
    check("topology-distances", lambda: (got_dist == expected["distances"], got_dist))

    from workbench.cgroups.fs import CgroupFS

    check("cgroup-v2-detected", lambda: (CgroupFS(CG).mode == "v2", CgroupFS(CG).mode))

    Path("/tmp/pod.yaml").write_text(POD)
    Path("/tmp/kubelet.yaml").write_text(KUBELET)
    sleeper = subprocess.Popen(["sleep", "600"])
    base = ["commit", "/tmp/pod.yaml", "--sysfs-root", "/", "--kubelet-config", "/tmp/kubelet.yaml",
            "--cgroup-root", str(CG), "--layout", "standalone", "--attach", f"app={sleeper.pid}"]
    before = tree_snapshot()
    all_cpus = str(topo.all_cpus)

    def dry_run() -> tuple[bool, object]:
        r = wb(*base)
        return r.returncode == 0 and tree_snapshot() == before, r.stdout[-800:] + r.stderr[-800:]

    check("commit-dry-run-writes-nothing", dry_run)

    def apply() -> tuple[bool, object]:
        r = wb(*base, "--apply")
        return r.returncode == 0, r.stdout[-1500:] + r.stderr[-1500:]

    check("commit-apply", apply)

    def pinned() -> tuple[bool, object]:
        cpus = status_field(sleeper.pid, "Cpus_allowed_list")
        mems = status_field(sleeper.pid, "Mems_allowed_list")
        # CPU 0 is reserved and node 0 holds only CPUs 0-1: 2 exclusive CPUs fit on node 1 alone.
        return cpus == "2-3" and mems == "1", f"Cpus_allowed_list={cpus} Mems_allowed_list={mems}"

    check("pinning-took-effect", pinned)

    def rollback() -> tuple[bool, object]:
        r = wb("rollback", "--cgroup-root", str(CG))
        after = tree_snapshot()
        same = {k: v for k, v in after.items() if k in before} == before
        return r.returncode == 0 and same, r.stdout[-800:] + r.stderr[-800:]

    check("rollback-restores", rollback)

    def unpinned() -> tuple[bool, object]:
        cpus = status_field(sleeper.pid, "Cpus_allowed_list")
        return cpus == all_cpus, f"Cpus_allowed_list={cpus}, want {all_cpus}"

    check("pinning-undone", unpinned)

    def crash() -> tuple[bool, object]:
        r = wb(*base, "--apply", env={"WORKBENCH_FAULT": "kill-after-write:3"})
        killed = r.returncode == -9 or r.returncode == 137
        rec = wb("recover")
        after = tree_snapshot()
        same = {k: v for k, v in after.items() if k in before} == before
        return killed and rec.returncode == 0 and same, (
            f"commit rc={r.returncode} recover rc={rec.returncode} {rec.stdout[-600:]} {rec.stderr[-600:]}"
        )

    check("crash-recovery", crash)

    def memory_pages() -> tuple[bool, object]:
        # fixtures/pods/postgres.yaml with 100M/60M: 60000000 bytes is not a whole number of
        # pages; the kernel keeps 14648 pages and reads back 59998208 (page_counter_memparse).
        Path("/tmp/pg.yaml").write_text(POSTGRES.read_text().replace("16Gi", "100M").replace("12Gi", "60M"))
        Path("/tmp/kubelet-none.yaml").write_text(KUBELET_NONE)
        start = tree_snapshot()
        args = ["commit", "/tmp/pg.yaml", "--sysfs-root", "/", "--kubelet-config", "/tmp/kubelet-none.yaml",
                "--cgroup-root", str(CG), "--layout", "standalone", "--apply"]
        r = wb(*args)
        pod = CG / "workbench.slice" / "db_postgres-0"
        got = {
            "postgres": (pod / "postgres" / "memory.max").read_text().strip() if pod.exists() else None,
            "pod": (pod / "memory.max").read_text().strip() if pod.exists() else None,
        }
        j = wb("journal", "-o", "json")
        txid = json.loads(j.stdout)["transactions"][0]["id"] if j.returncode == 0 else None
        steps = json.loads(wb("journal", str(txid), "-o", "json").stdout)["steps"] if txid else []
        mem = [s for s in steps if s["file"] == "memory.max" and s["cgroup"].endswith("/postgres")]
        verified = bool(mem) and mem[0]["readback"] == "59998208" and mem[0]["state"] == "verified"
        back = wb("rollback", "--cgroup-root", str(CG))
        restored = {k: v for k, v in tree_snapshot().items() if k in start} == start
        ok = (r.returncode == 0 and got == {"postgres": "59998208", "pod": "99999744"} and verified
              and back.returncode == 0 and "left" not in back.stdout and restored)
        return ok, f"commit rc={r.returncode} {r.stdout[-600:]} {r.stderr[-400:]} read {got} " \
                   f"step {mem[:1]} rollback rc={back.returncode} {back.stdout[-300:]} restored={restored}"

    check("memory-not-whole-pages", memory_pages)
    sleeper.kill()
    time.sleep(0.05)
    return 0


if __name__ == "__main__":
    sys.exit(main())
