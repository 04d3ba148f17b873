"""Mutated inputs of every kind through validate, admit and commit (dry run and --apply into a
sandbox), in-process through the CLI's main(argv), and a few through a real process.

The run is seeded (WORKBENCH_FUZZ_SEED, default 14) and bounded (the counts below, about 20 s
on the CI machine); WORKBENCH_FUZZ_SCALE multiplies the counts. Longer runs with figures:
bench/fuzz_long.py. A finding fails the test with its shrunk repro, written as a case for
tests/fuzz/regressions/ (save it there, with what broke, when fixing it).
"""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest
from fuzz_corpus import GOOD_POD, KINDS, NODE
from fuzz_driver import PYTHON, Outcome, check, subprocess_env
from fuzz_engine import fuzz
from fuzz_mutate import mutate

SEED = int(os.environ.get("WORKBENCH_FUZZ_SEED", "14"))
SCALE = float(os.environ.get("WORKBENCH_FUZZ_SCALE", "1"))
# Mutated inputs per kind in CI: the readers behind several commands get the most.
BUDGET = {
    "pod": 45,
    "stream": 25,
    "kubelet_config": 30,
    "cpu_state": 30,
    "memory_state": 25,
    "topology": 35,
    "theme": 60,
    "keymap": 60,
    "bundle": 20,
}
# Kinds whose readers refuse bad input with exit 2 (checkpoints become reported problems, a bad
# keymap entry is skipped with a note).
REFUSED_WITH_EXIT_2 = ("pod", "stream", "kubelet_config", "topology", "theme", "bundle")
# Per run; the goal (1 s for inputs under 1.5 MiB) is measured by bench/fuzz_long.py.
GUARD_SECONDS = 10.0


def test_every_input_kind_has_a_budget_and_seeds() -> None:
    assert set(BUDGET) == set(KINDS)
    for kind in KINDS.values():
        assert kind.seeds(), kind.name
        assert kind.commands or kind.call, kind.name


@pytest.mark.parametrize("kind", list(KINDS))
def test_mutated_inputs_keep_the_contract(kind: str, tmp_path: Path) -> None:
    report = fuzz(tmp_path, kinds=(kind,), iterations=max(1, int(BUDGET[kind] * SCALE)), seed=SEED,
                  guard=GUARD_SECONDS)  # fmt: skip
    assert report.inputs == max(1, int(BUDGET[kind] * SCALE))
    if kind in REFUSED_WITH_EXIT_2:
        # The mutations do reach the readers' refusals (not only harmless edits).
        assert report.exits["2"] > 0, report.exits
    assert not report.findings, report.describe()


def _process(argv: list[str], stdin: bytes | None = None) -> Outcome:
    done = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [PYTHON, "-m", "workbench", *argv],
        input=stdin,
        capture_output=True,
        env=subprocess_env(),
        timeout=60,
        check=False,
    )
    err = done.stderr.decode("utf-8", "replace")
    crash = err if "Traceback" in err else ""
    return Outcome(tuple(argv), done.returncode, done.stdout.decode("utf-8", "replace"), err, 0.0, crash)


def test_a_sample_through_a_real_process(tmp_path: Path) -> None:
    """The in-process runs stand for real ones: the same contract holds with a real stdout,
    stderr and exit status, for a file and for stdin."""
    rng = random.Random(SEED)
    kind = KINDS["pod"]
    seeds = kind.seeds()
    codes = set()
    for i in range(4):
        base = rng.choice(seeds)
        mutant = mutate(rng, base, kind, seeds)
        path = tmp_path / f"pod{i}.yaml"
        path.write_bytes(mutant.data)
        for argv, stdin in (
            (["validate", str(path)], None),
            (["admit", "-", "--kubelet-dir", str(NODE), *base.extra], mutant.data),
        ):
            outcome = _process(argv, stdin)
            codes.add(outcome.code)
            assert not check(outcome, wrote="", guard=GUARD_SECONDS), (mutant.how, outcome)
    assert _process(["admit", str(GOOD_POD), "--kubelet-dir", str(NODE)]).code == 0
    assert codes <= {0, 1, 2}
