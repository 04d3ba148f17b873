"""Input-reading speed: quantities, pod manifests, kubelet configs and checkpoints.

    python3 bench/bench_kube.py [--runs N]

Goals (median): parse_quantity < 20 us; a pod manifest read + validated < 50 ms; a captured
node directory (config + V4 CPU + V3 memory checkpoints) read and checked < 50 ms, so the TUI
can reload a node on every refresh. YAML goes through `yaml.safe_load` (the project's rule),
which is PyYAML's pure-Python loader: it dominates the manifest and config figures.
Prints one line per measurement.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from workbench.admission.startup_state import startup_state_problems  # noqa: E402
from workbench.kube.checkpoint import read_kubelet_dir  # noqa: E402
from workbench.kube.pod import pods_from_text  # noqa: E402
from workbench.kube.validate import validate_pod_doc  # noqa: E402
from workbench.kube.yamlio import load_documents  # noqa: E402
from workbench.quantity import parse_quantity  # noqa: E402
from workbench.topology import load_spec  # noqa: E402
from workbench.topology.model import Topology  # noqa: E402


def measure(name: str, fn: Callable[[], object], runs: int, goal_us: float) -> None:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e6)
    times.sort()
    med = statistics.median(times)
    p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
    verdict = "ok" if med <= goal_us else "SLOW"
    print(f"{name:<44} median {med:9.1f} us   p99 {p99:9.1f} us   goal {goal_us:>7.0f} us  {verdict}")


def read_and_check(directory: Path, topo: Topology) -> object:
    """What `workbench node` does with a capture: read it (checksums verified) and run the CPU
    and memory managers' validateState."""
    kd = read_kubelet_dir(directory, topo)
    return startup_state_problems(topo, kd.config, kd.state)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    texts = ["1500m", "1.5Gi", "64Gi", "0.5", "1e3", "100.035Ki", "12E"]
    measure(
        "parse_quantity (7 spellings, per call)",
        lambda: [parse_quantity(t) for t in texts],
        args.runs,
        20 * len(texts),
    )
    postgres = (ROOT / "fixtures/pods/postgres.yaml").read_text()
    measure(
        "postgres.yaml: read + validate",
        lambda: (pods_from_text(postgres, "p"), [validate_pod_doc(d) for d in load_documents(postgres, "p")]),
        args.runs,
        50_000,
    )
    multi = (ROOT / "fixtures/pods/multi.yaml").read_text()
    measure("multi.yaml (4 documents): read", lambda: pods_from_text(multi, "m"), args.runs, 50_000)
    topo = load_spec(ROOT / "fixtures/topologies/intel-2s-snc.yaml")
    for name in ("intel-2s-snc-v4", "intel-2s-snc-v3"):
        d = ROOT / "fixtures/kubelet" / name
        measure(f"kubelet dir {name}: read + check", lambda d=d: read_and_check(d, topo), args.runs, 50_000)


if __name__ == "__main__":
    main()
