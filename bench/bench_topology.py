"""Topology discovery speed: in-process read_sysfs vs hwloc's lstopo and our whole CLI process.

    python3 bench/bench_topology.py [--runs N] [--installed]

`--installed` measures the `workbench` package and command installed in this Python's
environment (e.g. a venv with a wheel, to compare two builds side by side) instead of this
checkout; the trees always come from this checkout's fixtures.

Trees: the largest real snapshot (IBM POWER7, 256 CPUs, `fixtures/sysfs/256ppc-8n8s4t`) and a
synthetic 512-CPU, 16-NUMA-node tree rendered from `fixtures/topologies/big-16numa-512.yaml`.
Goals: in-process discovery no slower than lstopo's whole run; the whole `workbench topology -o
json` process within 2x of lstopo; under 50 ms in-process for 512 CPUs. Prints medians.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if "--installed" not in sys.argv:
    sys.path.insert(0, str(REPO))

from workbench.topology import load_spec, read_sysfs, render_sysfs  # noqa: E402


def median_ms(fn: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median wall and CPU milliseconds of `fn` (CPU time includes finished child processes).

    CPU time is reported beside wall time because on a shared, loaded machine wall time mostly
    measures the scheduler.
    """
    fn()  # warm the page cache, imports and bytecode caches
    walls, cpus = [], []
    for _ in range(runs):
        c0 = _cpu()
        t0 = time.perf_counter()
        fn()
        walls.append((time.perf_counter() - t0) * 1000)
        cpus.append((_cpu() - c0) * 1000)
    return statistics.median(walls), statistics.median(cpus)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run_quiet(cmd: list[str]) -> Callable[[], object]:
    # Let Python cache bytecode (this sandbox sets PYTHONDONTWRITEBYTECODE): an installed
    # package has its .pyc files, and compiling every module on each start is not our cost.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    if "--installed" in sys.argv:
        env.pop("PYTHONPATH", None)  # the installed package, not a checkout on the path

    def go() -> object:
        return subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, env=env)

    return go


def _cell(m: tuple[float, float]) -> str:
    return f"{m[0]:6.1f}/{m[1]:6.1f}"


def workbench_cmd(installed: bool) -> list[str]:
    if installed:
        exe = Path(sys.executable).parent / "workbench"
        return [str(exe)] if exe.exists() else [sys.executable, "-m", "workbench"]
    exe_name = shutil.which("workbench")
    return [exe_name] if exe_name else [sys.executable, "-m", "workbench"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--installed", action="store_true", help="measure the installed package")
    args = parser.parse_args()
    scratch = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    lstopo = shutil.which("lstopo-no-graphics")
    with tempfile.TemporaryDirectory(prefix="bench-topology-", dir=scratch) as tmp:
        base = Path(tmp)
        with tarfile.open(REPO / "fixtures/sysfs/256ppc-8n8s4t.tar.xz") as tar:
            tar.extractall(base, filter="tar")
        big = base / "big-16numa-512"
        render_sysfs(load_spec(REPO / "fixtures/topologies/big-16numa-512.yaml"), big)
        trees = [
            ("256ppc-8n8s4t (256 CPUs, real)", base / "256ppc-8n8s4t"),
            ("big-16numa-512 (synthetic)", big),
        ]
        import workbench

        print(f"runs per figure: {args.runs}; medians in ms, wall / CPU; scratch: {scratch or 'tmp'}")
        print(f"workbench from {Path(workbench.__file__).parent}")
        print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs")
        bare = median_ms(run_quiet([sys.executable, "-c", "pass"]), args.runs)
        print(f"reference: a bare `python3 -c pass` takes {bare[0]:.1f} / {bare[1]:.1f} ms here")
        print(
            f"{'tree':32} {'read_sysfs':>13} {'lstopo':>13} {'CLI -o json':>13} "
            f"{'rs/lstopo':>10} {'CLI/lstopo':>10}"
        )
        verdicts = []
        for label, root in trees:
            cpus = len(read_sysfs(root).cpus)
            rs = median_ms(lambda root=root: read_sysfs(root), args.runs)
            cli_cmd = [*workbench_cmd(args.installed), "topology", "--sysfs-root", str(root), "-o", "json"]
            cli = median_ms(run_quiet(cli_cmd), args.runs)
            if lstopo:
                hw_cmd = [lstopo, "--if", "fsroot", "--input", str(root), "--of", "xml"]
                hw = median_ms(run_quiet(hw_cmd), args.runs)
                # Ratios on CPU time: robust to other load on the machine.
                print(
                    f"{label:32} {_cell(rs):>13} {_cell(hw):>13} {_cell(cli):>13} "
                    f"{rs[1] / hw[1]:10.2f} {cli[1] / hw[1]:10.2f}"
                )
                verdicts.append((f"{label}: read_sysfs <= lstopo (CPU time)", rs[1] <= hw[1]))
                verdicts.append((f"{label}: CLI within 2x of lstopo (CPU time)", cli[1] <= 2 * hw[1]))
            else:
                print(f"{label:32} {_cell(rs):>13} {'n/a':>13} {_cell(cli):>13}")
            if cpus >= 512:
                verdicts.append((f"{label}: read_sysfs < 50 ms for {cpus} CPUs (CPU time)", rs[1] < 50))
        if not lstopo:
            print("lstopo-no-graphics not installed (apt-get install hwloc): no comparison")
        for what, ok in verdicts:
            print(f"  {'met   ' if ok else 'MISSED'} {what}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
