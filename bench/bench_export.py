"""Exporter scrape cost: one `/metrics` scrape of 100 containers (~150 cgroups), end to end
(a usage tick, attribution, the families and the exposition text), and the series it serves.
Figures, not a test.

    python3 bench/bench_export.py [--pods 50] [--scrapes 100]

Run it from an installed wheel (see bench_usage.py, whose tree it reuses: P pods of 2 containers
on a 64-CPU sandbox). Goal (issue 11): a scrape of 100 containers under 50 ms; at most 15 series
per container.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_usage import make_proc, make_tree  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pods", type=int, default=50)
    ap.add_argument("--scrapes", type=int, default=100)
    args = ap.parse_args()

    from prometheus_client.parser import text_string_to_metric_families

    import workbench
    from workbench.exporter import server
    from workbench.services.export import Exporter
    from workbench.services.source import NodeSource

    print(f"workbench from {Path(workbench.__file__).parent}")
    with tempfile.TemporaryDirectory() as tmp:
        root, proc = Path(tmp) / "cg", Path(tmp) / "proc"
        make_tree(root, args.pods)
        make_proc(proc)
        exporter = Exporter(NodeSource(demo=True), root, proc_root=proc)
        exporter.start()
        wall, cpu = [], []
        text = b""
        for _ in range(args.scrapes):
            w, c = time.perf_counter_ns(), time.process_time_ns()
            text = server.render(exporter.families)
            cpu.append(time.process_time_ns() - c)
            wall.append(time.perf_counter_ns() - w)
        exporter.close()
    per: Counter[str] = Counter()
    series = 0
    for fam in text_string_to_metric_families(text.decode()):
        for s in fam.samples:
            series += 1
            if s.labels.get("container"):
                per[f"{s.labels['pod']}/{s.labels['container']}"] += 1
    q = statistics.quantiles
    print(f"{len(per)} containers, {series} series in a scrape, {len(text) / 1024:.1f} KiB")
    print(f"series per container: max {max(per.values())} (goal <= 15)")
    for name, ns in (("wall", wall), ("cpu", cpu)):
        ms = [n / 1e6 for n in ns]
        median, p95 = statistics.median(ms), q(ms, n=20)[18]
        print(f"scrape {name}: median {median:.2f} ms, p95 {p95:.2f} ms (goal < 50 ms)")


if __name__ == "__main__":
    main()
