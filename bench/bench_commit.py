"""Commit latency and journal growth: plan + journal + writes + read-back for a 10-container pod.

    python3 bench/bench_commit.py [--runs N] [--dir DIR]

Each run starts from a fresh sandbox tree (the kernel model on a plain directory) and times
what `workbench commit --apply` does after admission: open the journal, take the operator lock,
run recovery, plan from the live tree, record the intent durably (fsync), write each value,
read it back, and record the outcome (fsync). Rollback is timed separately. The journal is one
file kept across runs, as on a node; its growth per transaction is measured after a WAL
checkpoint. Goal: median and p99 commit latency under 50 ms, fsyncs included.
The journal goes under --dir (default a temp dir): put it on the disk a node would use.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from workbench.admission.admit import admit
from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.layout import StandaloneLayout
from workbench.cgroups.ops import perform, read_back
from workbench.cgroups.plan import plan
from workbench.cgroups.sandbox import init_sandbox
from workbench.journal.apply import apply_plan
from workbench.journal.lock import OperatorLock
from workbench.journal.paths import lock_path
from workbench.journal.store import Journal
from workbench.journal.undo import recover, rollback
from workbench.kube.config import demo_config
from workbench.kube.model import NodeState
from workbench.kube.pod import pod_from_mapping
from workbench.topology import demo_topology


def ten_container_pod() -> dict[str, object]:
    containers = [
        {
            "name": f"c{i}",
            "resources": {
                "requests": {"cpu": "1" if i % 2 else "500m", "memory": "256Mi"},
                "limits": {"cpu": "1" if i % 2 else "500m", "memory": "256Mi"},
            },
        }
        for i in range(10)
    ]
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "bench", "namespace": "default", "uid": "0000-bench"},
        "spec": {"containers": containers},
    }


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--dir", type=Path, help="where the journal goes (default: a temp dir on disk)")
    ap.add_argument(
        "--tree-dir",
        type=Path,
        help="where the sandbox trees go (default: /dev/shm when present: cgroupfs lives in memory too)",
    )
    args = ap.parse_args()
    base = args.dir or Path(tempfile.mkdtemp(prefix="wb-bench-", dir="/var/tmp"))
    shm = Path("/dev/shm")
    trees = args.tree_dir or (
        Path(tempfile.mkdtemp(prefix="wb-bench-tree-", dir=shm)) if shm.is_dir() else base
    )
    topo = demo_topology()
    decision = admit(topo, demo_config(), NodeState(), pod_from_mapping(ten_container_pod()))
    if not decision.admitted:
        print(f"bench pod rejected: {decision.reason}", file=sys.stderr)
        return 2
    jpath = base / "journal.db"
    layout = StandaloneLayout()
    commit_ms: list[float] = []
    rollback_ms: list[float] = []
    close_ms: list[float] = []
    writes = 0
    bare_ms: list[float] = []
    for run in range(args.runs):
        root = trees / f"sb{run % 2}"
        # The same plan, writes and read-backs with no journal at all (the kernel model's own
        # cost), interleaved with the journaled runs so both see the same machine load.
        init_sandbox(root, topo)
        t0 = time.perf_counter()
        fs = CgroupFS(root)
        for w in plan(decision, layout, fs):
            perform(fs, w)
            assert read_back(fs, w).ok
        bare_ms.append((time.perf_counter() - t0) * 1000)
        init_sandbox(root, topo)
        t0 = time.perf_counter()
        journal = Journal(jpath)
        with OperatorLock(lock_path(jpath), command="bench"):
            recover(journal, CgroupFS)
            fs = CgroupFS(root)
            planned = plan(decision, layout, fs)
            result = apply_plan(journal, fs, planned, subject=decision.pod_key)
        commit_ms.append((time.perf_counter() - t0) * 1000)
        # Closing the last connection checkpoints the WAL into the database file: after the
        # result is durable and printed, so it is timed apart.
        t_close = time.perf_counter()
        journal.close()
        close_ms.append((time.perf_counter() - t_close) * 1000)
        assert result.ok, result.reason
        writes = len(planned)
        t1 = time.perf_counter()
        with Journal(jpath) as journal, OperatorLock(lock_path(jpath), command="bench"):
            rollback(journal, CgroupFS, result.txid)
        rollback_ms.append((time.perf_counter() - t1) * 1000)
    with Journal(jpath) as journal:
        journal.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        # What one fsync'd SQLite commit costs on this disk right now (a commit pays two).
        fsync_ms = []
        for _ in range(20):
            t0 = time.perf_counter()
            journal.event(None, "bench", "fsync probe", durable=True)
            fsync_ms.append((time.perf_counter() - t0) * 1000)
        journal.db.execute("DELETE FROM event WHERE kind='bench'")
        journal.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = os.path.getsize(jpath)
    print(f"10-container pod, {writes} writes per commit (mkdirs + files), {args.runs} runs")
    print(f"journal {jpath} (on disk, fsync'd), trees under {trees}")
    print(
        f"commit (open journal, lock, recover, plan, intent fsync, writes, read-back, final fsync): "
        f"median {statistics.median(commit_ms):.1f} ms, p99 {pct(commit_ms, 0.99):.1f} ms, "
        f"max {max(commit_ms):.1f} ms  (goal < 50 ms)"
    )
    print(
        f"one fsync'd SQLite commit on this disk: median {statistics.median(fsync_ms):.1f} ms; "
        f"journal close (WAL checkpoint, after the result): median {statistics.median(close_ms):.1f} ms"
    )
    print(
        f"same plan + writes + read-back without the journal (the sandbox kernel model alone): "
        f"median {statistics.median(bare_ms):.1f} ms; journal overhead "
        f"{statistics.median(commit_ms) - statistics.median(bare_ms):.1f} ms per commit"
    )
    print(
        f"rollback (compare-and-swap undo of every write): median {statistics.median(rollback_ms):.1f} ms, "
        f"p99 {pct(rollback_ms, 0.99):.1f} ms"
    )
    print(
        f"journal growth: {size / args.runs:.0f} bytes per transaction (apply + rollback; "
        f"{size} bytes after {args.runs} transactions, WAL checkpointed)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
