"""The commit use case as both faces reach it, and the choices the faces offer."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

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


def _watchdog_alive(pid: int) -> bool:
    try:
        return b"workbench.journal.watchdog" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def test_the_demo_sandbox_leaves_no_confirm_timer_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's journal goes with its temporary directory; so must every timer armed on it."""
    monkeypatch.setenv("WORKBENCH_CONFIRM_TIMER", "detached")  # a process we can look for
    from workbench.services.admit import decide
    from workbench.services.commit import CgroupTarget, apply_planned, plan_decision
    from workbench.services.demo import decide_seeds, demo_node, demo_sandbox
    from workbench.services.demo_pods import scenario_pod
    from workbench.services.transactions import JournalAccess, rollback

    node = demo_node()
    seeded = decide_seeds(node.topology, node.config, node.state)
    pids = []
    with demo_sandbox(node.topology) as box:
        journal = JournalAccess(box.journal_path)
        for name in ("postgres", "ml-trainer"):
            decision = decide(node.topology, node.config, seeded.state, scenario_pod(name))
            planned = plan_decision(decision, CgroupTarget(box.cgroup_root))
            applied = apply_planned(planned, journal, subject=name, confirm_within=60)
            assert applied.ok and applied.txn.timer.startswith("pid:")
            pids.append(int(applied.txn.timer.removeprefix("pid:")))
        rollback(journal, 1)  # rolled back early: its timer is still armed
        assert all(_watchdog_alive(pid) for pid in pids)
    for _ in range(50):
        if not any(_watchdog_alive(pid) for pid in pids):
            break
        time.sleep(0.1)
    assert not any(_watchdog_alive(pid) for pid in pids)
