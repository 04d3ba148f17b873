"""A long fuzz run of every input kind through validate, admit and commit (and the readers with
no command), printing figures: inputs and runs per kind, exit codes, time per run (median, p99,
max, against the 1 s goal for inputs under 1.5 MiB) and every finding with its minimal repro,
ready to be saved in tests/fuzz/regressions/.

    PYTHONPATH=$PWD python3 bench/fuzz_long.py --iterations 2000 --seed 7
    PYTHONPATH=$PWD python3 bench/fuzz_long.py --kinds pod,stream --iterations 500 --save

The CI run (tests/fuzz/test_fuzz_inputs.py) is the same loop with a small, fixed budget.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "fuzz"))

from fuzz_corpus import KINDS  # noqa: E402
from fuzz_engine import REGRESSIONS, fuzz, percentile  # noqa: E402

GOAL_SECONDS = 1.0


def _ms(values: list[float], q: float) -> str:
    return f"{(max(values, default=0) if q >= 1 else percentile(values, q)) * 1000:6.1f}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--iterations", type=int, default=500, help="mutated inputs per kind (default 500)")
    p.add_argument("--seed", type=int, default=14)
    p.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, of: {', '.join(KINDS)}")
    p.add_argument("--guard", type=float, default=10.0, help="seconds before one run counts as hung")
    p.add_argument("--no-shrink", action="store_true", help="report findings as found (faster)")
    p.add_argument(
        "--save", action="store_true", help="write each finding's repro into tests/fuzz/regressions/"
    )
    args = p.parse_args(argv)
    kinds = tuple(k for k in args.kinds.split(",") if k)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        p.error(f"unknown kind(s): {', '.join(unknown)}")
    with tempfile.TemporaryDirectory(prefix="workbench-fuzz-") as tmp:
        report = fuzz(
            Path(tmp), kinds=kinds, iterations=args.iterations, seed=args.seed, guard=args.guard,
            minimise=not args.no_shrink,
        )  # fmt: skip
    print(f"seed {args.seed}: {report.inputs} mutated inputs, {report.runs} runs in {report.seconds:.1f} s")
    print("per run, wall (CPU) in ms:")
    for kind in kinds:
        rows = [(t, c) for t, _, k, _, c in report.timings if k == kind]
        wall, cpu = [t for t, _ in rows], [c for _, c in rows]
        print(
            f"  {kind:<15} {report.per_kind[kind]:>6} inputs {len(rows):>6} runs  "
            f"median {_ms(wall, 0.5)} ({_ms(cpu, 0.5)})  p99 {_ms(wall, 0.99)} ({_ms(cpu, 0.99)})  "
            f"max {_ms(wall, 1.0)} ({_ms(cpu, 1.0)})"
        )
    print("exit codes: " + ", ".join(f"{k}: {v}" for k, v in sorted(report.exits.items())))
    walls = [t for t, *_ in report.timings]
    cpus = [c for *_, c in report.timings]
    over_wall, over_cpu = sum(t > GOAL_SECONDS for t in walls), sum(c > GOAL_SECONDS for c in cpus)
    print(
        f"runs over the {GOAL_SECONDS:g} s goal (inputs under 1.5 MiB): {over_wall} by wall clock, "
        f"{over_cpu} by CPU time, of {len(walls)}"
    )
    for wall, size, kind, cmd, cpu in sorted(report.timings, key=lambda r: r[4], reverse=True)[:3]:
        print(f"  most CPU: {cpu * 1000:.0f} ms CPU ({wall * 1000:.0f} ms wall), {kind} {cmd}, {size} bytes")
    print(f"findings: {len(report.findings)}")
    for i, finding in enumerate(report.findings.values()):
        print(f"--- {finding.kind}: {finding.signature}")
        print(finding.detail.strip()[-600:])
        print(finding.regression_yaml())
        if args.save:
            name = f"found-{args.seed}-{finding.kind}-{i}.yaml"
            (REGRESSIONS / name).write_text(finding.regression_yaml(), encoding="utf-8")
            print(f"saved as tests/fuzz/regressions/{name}")
    return 1 if report.findings else 0


if __name__ == "__main__":
    raise SystemExit(main())
