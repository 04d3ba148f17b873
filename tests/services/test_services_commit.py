"""The commit use case as both faces reach it, and the choices the faces offer."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

from workbench.cgroups.sandbox import init_sandbox, snapshot
from workbench.cli.main import main
from workbench.services import choices
from workbench.topology import demo_topology

ROOT = Path(__file__).resolve().parents[2]
PODS = ROOT / "fixtures" / "pods"


def wb(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def test_choices_are_the_domain_constants() -> None:
    """The parser's choices are copies (kept import-free for start-up time); they must not drift."""
    from workbench.cgroups.layout import DEFAULT_PARENT, LAYOUT_NAMES
    from workbench.kube.config import TOPOLOGY_POLICIES

    assert choices.POLICIES == TOPOLOGY_POLICIES
    assert choices.LAYOUTS == LAYOUT_NAMES and choices.DEFAULT_PARENT == DEFAULT_PARENT
    assert set(choices.KUBELET_DRIVERS) < set(LAYOUT_NAMES)


def test_a_commit_after_a_crash_recovers_then_plans_again_from_the_recovered_tree(tmp_path: Path) -> None:
    """The plan printed first was read from the tree the crash left; recovery changes it, so the
    writes are planned again (stale before-images would make a later rollback restore them)."""
    tree, journal = tmp_path / "cg", tmp_path / "j.db"
    init_sandbox(tree, demo_topology())
    pristine = snapshot(tree)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    common = ["--demo", "--cgroup-root", str(tree), "--journal", str(journal), "--apply"]
    killed = subprocess.run(
        [sys.executable, "-m", "workbench", "commit", str(PODS / "ml-trainer.yaml"), *common],
        env={**env, "WORKBENCH_FAULT": "kill-after-write:3"},
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -9
    code, out, err = wb("commit", str(PODS / "postgres.yaml"), *common, "-o", "json")
    assert code == 0, err
    assert "workbench: recovery: transaction 1 -> rolled_back" in err
    doc = json.loads(out)
    assert doc["applied"] and doc["txid"] == 2
    # The applied writes are the ones planned after recovery: they create the parent again.
    assert any(w["action"] == "mkdir" and w["cgroup"] == choices.DEFAULT_PARENT for w in doc["writes"])
    code, out, err = wb("rollback", "--journal", str(journal))
    assert code == 0 and "transaction 2: rolled_back" in out
    assert snapshot(tree) == pristine
