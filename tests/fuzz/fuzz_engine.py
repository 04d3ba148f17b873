"""The fuzz loop: seeded mutants of every kind's seeds through the driver, findings deduplicated
by signature and each shrunk to a minimal repro written as a regression case.

Used by tests/fuzz/test_fuzz_inputs.py (a bounded CI run) and bench/fuzz_long.py (long runs
that print figures).
"""

from __future__ import annotations

import base64
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from fuzz_corpus import KINDS, InputKind, Seed
from fuzz_driver import Outcome, Workspace, run_case
from fuzz_mutate import mutate

REGRESSIONS = Path(__file__).resolve().parent / "regressions"


# The API server's object limit (workbench.inputs.MAX_INPUT_BYTES): the 1 s goal is for inputs
# under it. Kept here so the harness also runs against older code, to show what it finds there.
MAX_INPUT_BYTES = 3 * 512 * 1024


@dataclass(frozen=True)
class Finding:
    kind: str
    signature: str
    command: int
    argv: tuple[str, ...]
    seed: str
    how: str
    data: bytes
    detail: str

    def regression_yaml(self) -> str:
        """The repro as a case for tests/fuzz/regressions/ (the comment says what broke)."""
        case: dict[str, object] = {"kind": self.kind, "command": self.command, "expect_exit": [0, 1, 2]}
        try:
            text = self.data.decode("utf-8")
            if not text.isprintable() and any(c not in "\n" and not c.isprintable() for c in text):
                raise UnicodeDecodeError("utf-8", b"", 0, 1, "unprintable")
            case["input"] = text
        except UnicodeDecodeError:
            case["input_base64"] = base64.b64encode(self.data).decode()
        body = yaml.safe_dump(case, sort_keys=False, allow_unicode=False, width=100)
        what = self.signature.replace("\n", " ")
        found = f"found from {self.seed} by {self.how}; argv {' '.join(self.argv)}"
        return f"# What broke: {what}\n#   ({found})\n{body}"


@dataclass
class Report:
    inputs: int = 0
    runs: int = 0
    seconds: float = 0.0
    exits: Counter[str] = field(default_factory=Counter)
    per_kind: Counter[str] = field(default_factory=Counter)
    # (wall seconds, bytes, kind, command, CPU seconds) of every run under the size cap.
    timings: list[tuple[float, int, str, str, float]] = field(default_factory=list)
    findings: dict[tuple[str, str], Finding] = field(default_factory=dict)

    def describe(self) -> str:
        parts = [f"{len(self.findings)} finding(s) in {self.inputs} inputs:"]
        for f in self.findings.values():
            parts.append(f"--- {f.kind}: {f.signature}\n{f.detail}\n{f.regression_yaml()}")
        return "\n".join(parts)


def _record(report: Report, kind: str, size: int, outcome: Outcome) -> None:
    report.runs += 1
    report.exits[str(outcome.code) if not outcome.crash else "crash"] += 1
    if size <= MAX_INPUT_BYTES:
        report.timings.append((outcome.seconds, size, kind, " ".join(outcome.argv[:1]), outcome.cpu))


def _fails(ws: Workspace, kind: InputKind, data: bytes, suffix: str, extra: tuple[str, ...], command: int,
           signature: str, guard: float) -> bool:  # fmt: skip
    results = run_case(ws, kind, data, suffix, extra, guard, only=None if kind.call else command)
    return any(signature in problems for _, problems in results)


def shrink(ws: Workspace, kind: InputKind, data: bytes, suffix: str, extra: tuple[str, ...], command: int,
           signature: str, guard: float, budget: float = 20.0) -> bytes:  # fmt: skip
    """A smaller input with the same finding: drop chunks of lines, then of bytes (ddmin-like),
    within `budget` seconds."""
    deadline = time.monotonic() + budget
    for unit in ("lines", "bytes"):
        parts: list[bytes] = data.splitlines(keepends=True) if unit == "lines" else [bytes([b]) for b in data]
        if len(parts) > 20_000:
            continue
        chunk = max(len(parts) // 2, 1)
        while chunk >= 1 and time.monotonic() < deadline:
            i, shrunk = 0, False
            while i < len(parts) and time.monotonic() < deadline:
                trial = parts[:i] + parts[i + chunk :]
                if trial and _fails(ws, kind, b"".join(trial), suffix, extra, command, signature, guard):
                    parts, shrunk = trial, True
                else:
                    i += chunk
            if not shrunk:
                chunk //= 2
        data = b"".join(parts)
    return data


def fuzz(
    root: Path,
    *,
    kinds: tuple[str, ...] = tuple(KINDS),
    iterations: dict[str, int] | int = 50,
    seed: int = 14,
    guard: float = 10.0,
    minimise: bool = True,
) -> Report:
    """Run `iterations` mutants of each kind (seeded), returning the figures and findings."""
    report = Report()
    start = time.perf_counter()
    for name in kinds:
        kind = KINDS[name]
        seeds: tuple[Seed, ...] = kind.seeds()
        rng = random.Random(f"{seed}:{name}")
        ws = Workspace(root / name)
        count = iterations if isinstance(iterations, int) else iterations.get(name, 0)
        for _ in range(count):
            base = rng.choice(seeds)
            mutant = mutate(rng, base, kind, seeds)
            suffix = base.suffix or kind.suffix
            report.inputs += 1
            report.per_kind[name] += 1
            for index, (outcome, problems) in enumerate(
                run_case(ws, kind, mutant.data, suffix, base.extra, guard)
            ):
                _record(report, name, len(mutant.data), outcome)
                for signature in problems:
                    key = (name, signature)
                    if key in report.findings:
                        continue
                    data = mutant.data
                    if minimise:
                        data = shrink(ws, kind, data, suffix, base.extra, index, signature, guard)
                    report.findings[key] = Finding(
                        name, signature, index, outcome.argv, base.name, mutant.how, data,
                        (outcome.crash or outcome.stderr)[-2000:],
                    )  # fmt: skip
    report.seconds = time.perf_counter() - start
    return report


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
