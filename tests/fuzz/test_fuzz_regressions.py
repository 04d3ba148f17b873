"""Every bug the fuzz harness (or a user) ever found, kept as its minimal input: each file in
regressions/ names the input kind, the input, and what the commands must do with it now. The
same contract as the fuzz run applies on top (exit 0/1/2, one stderr line on exit 2, no
traceback, nothing unprintable, nothing written on bad input)."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest
import yaml
from fuzz_corpus import KINDS
from fuzz_driver import Workspace, run_case
from fuzz_engine import REGRESSIONS

CASES = sorted(REGRESSIONS.glob("*.yaml"))
_WORKSPACES: dict[str, Workspace] = {}


def _input(case: dict[str, Any]) -> bytes:
    if "input_base64" in case:
        return base64.b64decode(case["input_base64"])
    if "input_parts" in case:
        return "".join(text * times for text, times in case["input_parts"]).encode("utf-8")
    text = case["input"]
    assert isinstance(text, str)
    return text.encode("utf-8", "surrogatepass")


def _workspace(kind: str, tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    if kind not in _WORKSPACES:
        _WORKSPACES[kind] = Workspace(tmp_path_factory.mktemp(f"regression-{kind}"))
    return _WORKSPACES[kind]


def test_every_regression_says_what_broke() -> None:
    assert len(CASES) >= 15
    for path in CASES:
        assert path.read_text(encoding="utf-8").startswith("# What broke: "), path.name


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_regression(path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    case = yaml.safe_load(path.read_text(encoding="utf-8"))
    kind = KINDS[case["kind"]]
    ws = _workspace(kind.name, tmp_path_factory)
    suffix = case.get("suffix", kind.suffix)
    results = run_case(
        ws, kind, _input(case), suffix, tuple(case.get("extra", ())), 20.0, only=case.get("command")
    )
    assert results
    for outcome, problems in results:
        assert not problems, (outcome.argv, problems, outcome.crash or outcome.stderr)
        assert outcome.code in case["expect_exit"], (outcome.argv, outcome.code, outcome.stderr)
        if "expect_stderr" in case and outcome.code == 2:
            assert case["expect_stderr"] in outcome.stderr, (outcome.argv, outcome.stderr)
        if "expect_stdout" in case:
            assert case["expect_stdout"] in outcome.stdout, (outcome.argv, outcome.stdout)
