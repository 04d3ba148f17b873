"""`workbench fleet admit` over 100 node bundles (goal: all decided in under 2 s).

    python3 bench/bench_fleet.py [--runs N] [--installed]

The bundles are made here: four machine types (fixtures/topologies: intel-2s-snc, an AMD EPYC
2-socket NPS4, a 32-core server, a GPU node) rendered as sysfs trees and captured as a node
would be (sysfs files + the kubelet view), 25 nodes each, every node with its own static-CPU-
manager kubelet and its own allocations (0 to 7 Guaranteed pods admitted one by one as the
kubelet would, written as a V2 cpu_manager_state). Prints the in-process time of the use case (wall
and process CPU: on a shared, loaded machine wall time mostly measures the scheduler) and of
the whole `workbench fleet admit ... -o json` process, medians.
`--installed` uses the `workbench` package installed in this Python (a wheel in a venv).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if "--installed" not in sys.argv:
    sys.path.insert(0, str(REPO))

from workbench.services import bundle_capture as bc  # noqa: E402
from workbench.services.admit import decide  # noqa: E402
from workbench.services.fleet import fleet_admit  # noqa: E402
from workbench.services.pods import load_pod_file  # noqa: E402
from workbench.services.source import NodeSource, load_node  # noqa: E402
from workbench.topology import load_spec, render_sysfs  # noqa: E402

MACHINES = ("intel-2s-snc", "amd-epyc-2s-nps4", "server-1s-32c-smt", "gpu-node-8gpu")
CONFIG = """\
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cpuManagerPolicy: static
reservedSystemCPUs: "0"
topologyManagerPolicy: {policy}
topologyManagerScope: container
"""
POD = """\
apiVersion: v1
kind: Pod
metadata: {{name: app-{i}, namespace: fleet, uid: {uid}}}
spec:
  containers:
  - name: main
    resources:
      requests: {{cpu: "{cpus}", memory: 2Gi}}
      limits: {{cpu: "{cpus}", memory: 2Gi}}
"""
ASKED = """\
apiVersion: v1
kind: Pod
metadata: {name: candidate, namespace: fleet}
spec:
  containers:
  - name: main
    resources:
      requests: {cpu: "10", memory: 8Gi}
      limits: {cpu: "10", memory: 8Gi}
"""


def make_node(base: Path, i: int, sysfs: Path, rng: random.Random) -> Path:
    kdir = base / f"kubelet-{i}"
    kdir.mkdir()
    policy = rng.choice(("single-numa-node", "restricted", "best-effort"))
    (kdir / "config.yaml").write_text(CONFIG.format(policy=policy))
    node = load_node(NodeSource(sysfs_root=sysfs, kubelet_dir=kdir))
    state = node.state
    entries: dict[str, dict[str, str]] = {}
    for p in range(rng.randrange(8)):
        uid = f"{i:04d}{p:04d}-0000-4000-8000-{rng.getrandbits(48):012x}"
        pod_file = base / "pod.yaml"
        pod_file.write_text(POD.format(i=p, uid=uid, cpus=rng.choice((2, 4, 6, 8))))
        d = decide(node.topology, node.config, state, load_pod_file(str(pod_file)), advise=False)
        if d.admitted:
            state = d.state_after
            entries[uid] = {c.name: str(c.cpus) for c in d.containers}
    default = state.default_cpuset if state.default_cpuset is not None else node.topology.all_cpus
    doc = {"policyName": "static", "defaultCpuSet": str(default), "entries": entries, "checksum": 0}
    (kdir / "cpu_manager_state").write_text(json.dumps(doc))
    out = base / "bundles" / f"node-{i:03d}.tar.gz"
    bc.capture(bc.CaptureRequest(out, NodeSource(sysfs_root=sysfs, kubelet_dir=kdir), samples=1, interval=0))
    return out


def _memory_fs() -> str | None:
    """sysfs and cgroupfs live in memory: the trees standing in for them go on tmpfs when there
    is one (a disk-backed /tmp on a loaded machine would make the bench measure the disk)."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the bundles (their directory is printed)")
    ap.add_argument("--installed", action="store_true", help="use the installed workbench (a wheel)")
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="bench-fleet-", dir=_memory_fs()))
    try:
        (base / "bundles").mkdir()
        rng = random.Random(7)
        trees = {}
        for name in MACHINES:
            trees[name] = render_sysfs(
                load_spec(REPO / "fixtures" / "topologies" / f"{name}.yaml"), base / name
            )
        t0 = time.perf_counter()
        for i in range(100):
            make_node(base, i, trees[MACHINES[i % len(MACHINES)]], rng)
        made = time.perf_counter() - t0
        asked = base / "candidate.yaml"
        asked.write_text(ASKED)
        bundles = [base / "bundles"]
        result = fleet_admit(str(asked), bundles)
        times, cpus = [], []
        for _ in range(args.runs):
            t, c = time.perf_counter(), time.process_time()
            fleet_admit(str(asked), bundles)
            times.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        cli = [
            sys.executable,
            "-m",
            "workbench",
            "fleet",
            "admit",
            str(asked),
            "--bundles",
            str(base / "bundles"),
        ]
        procs = []
        for _ in range(args.runs):
            t = time.perf_counter()
            done = subprocess.run([*cli, "-o", "json"], capture_output=True, cwd=base)
            procs.append(time.perf_counter() - t)
            assert done.returncode in (0, 1), done.stderr
        size = sum(p.stat().st_size for p in (base / "bundles").iterdir()) / 100 / 1024
        print(f"100 node bundles ({', '.join(MACHINES)}; {size:.1f} KiB each), made in {made:.1f} s")
        best = result.most_room.node if result.most_room else "-"
        print(f"verdicts: {len(result.admitting)} of 100 admit; most room on one NUMA node: {best}")
        wall, cpu = statistics.median(times), statistics.median(cpus)
        print(f"fleet admit, in-process     {wall:6.3f} s (CPU {cpu:.3f} s)   goal < 2 s")
        print(f"fleet admit, whole process  {statistics.median(procs):6.3f} s")
        where = "the installed wheel" if args.installed else REPO
        print(f"(medians of {args.runs} runs; workbench from {where})")
        if args.keep:
            print(f"bundles kept in {base / 'bundles'}")
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
