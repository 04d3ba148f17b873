"""Crash tests in the SQLite manner: SIGKILL the writer at every point, recover, check the tree.

For every step N of a 5-step plan and every point (after the step's intent is committed, after
its kernel write, after its read-back is committed), and during undo (of a failed apply and of
a rollback), a subprocess is killed with SIGKILL through the WORKBENCH_FAULT test hook. Recovery
then runs as the next operator would, and the tree must equal the full before-image or the full
after-image, with a journal that is intact and has nothing left half done. A journal damaged
after the crash (each kind of `test_journal_damage.DAMAGE`) is refused untouched, and what
salvage can still read recovers the same way.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from journal_plan import BOOT_ID, PLAN_STEPS, PLAN_WRITES, UNDO_OPS, make_sandbox, plan
from test_journal_damage import DAMAGE

from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.sandbox import snapshot
from workbench.journal import store
from workbench.journal.apply import apply_plan
from workbench.journal.salvage import salvage
from workbench.journal.store import Journal, JournalDamaged
from workbench.journal.undo import recover

DRIVER = Path(__file__).with_name("journal_driver.py")


def _run_driver(
    args: list[str], fault: str, extra_env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, WORKBENCH_FAULT=fault, WORKBENCH_BOOT_ID=BOOT_ID)
    env.pop("WORKBENCH_CGROUP_FAULTS", None)
    env.update(extra_env or {})
    return subprocess.run(
        [sys.executable, str(DRIVER), *args], env=env, capture_output=True, text=True, timeout=60
    )


def assert_consistent(journal: Journal) -> None:
    assert journal.integrity() == "ok"
    for txn in journal.txns():
        assert txn.state not in store.UNFINISHED, f"txn {txn.id} left {txn.state}"
        states = {s.state for s in journal.steps(txn.id)}
        if txn.state in store.LIVE:
            assert states == {store.S_VERIFIED}
        else:
            assert txn.state in (store.ROLLED_BACK, store.VOID)
            assert states <= set(store.STEP_DONE), states
            assert txn.finished_wall is not None


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], dict[str, str]]:
    """The tree before the plan and after it fully applied (computed once, in-process)."""
    root = tmp_path_factory.mktemp("images") / "sb"
    fs = make_sandbox(root)
    before = snapshot(root)
    with Journal(root.parent / "j.db", boot_id=BOOT_ID) as journal:
        assert apply_plan(journal, fs, plan(fs)).ok
    return before, snapshot(root)


def _crash_then_recover(
    tmp_path: Path,
    args_after_paths: list[str],
    fault: str,
    extra_env: dict[str, str] | None = None,
    pre: bool = False,
) -> Journal:
    root, jpath = tmp_path / "sb", tmp_path / "journal.db"
    proc = _run_driver(
        ["apply" if not pre else "rollback", str(root), str(jpath), *args_after_paths], fault, extra_env
    )
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stdout, proc.stderr[-1500:])
    journal = Journal(jpath, boot_id=BOOT_ID)
    # What the kill left must already be a sound database, before recovery touches it.
    assert journal.integrity() == "ok"
    recover(journal, CgroupFS)
    return journal


APPLY_FAULTS = [
    f"kill-at:{point}:{n}" for point in ("intent", "write", "readback") for n in range(1, PLAN_STEPS + 1)
]
APPLY_FAULTS += [f"kill-after-write:{n}" for n in range(1, PLAN_WRITES + 1)]


@pytest.mark.parametrize("fault", APPLY_FAULTS)
def test_kill_during_apply_recovers_to_the_before_image(
    tmp_path: Path, fault: str, images: tuple[dict[str, str], dict[str, str]]
) -> None:
    before, after = images
    make_sandbox(tmp_path / "sb")
    journal = _crash_then_recover(tmp_path, [], fault)
    tree = snapshot(tmp_path / "sb")
    assert tree in (before, after)
    # Killed before the transaction was marked applied: recovery must take it all back.
    assert tree == before
    assert_consistent(journal)
    assert journal.txn(1).state == store.ROLLED_BACK
    assert "interrupted while applying" in journal.txn(1).reason


@pytest.mark.parametrize("n", range(1, UNDO_OPS))
def test_kill_during_undo_of_a_failed_apply(
    tmp_path: Path, n: int, images: tuple[dict[str, str], dict[str, str]]
) -> None:
    before, _ = images
    make_sandbox(tmp_path / "sb")
    # The last kernel write (memory.max) fails; the undo of the first three writes is killed at n.
    journal = _crash_then_recover(
        tmp_path, [], f"kill-at:undo:{n}", {"WORKBENCH_CGROUP_FAULTS": f"errno-at-write:{PLAN_WRITES}:EINVAL"}
    )
    assert snapshot(tmp_path / "sb") == before
    assert_consistent(journal)
    failed = [s for s in journal.steps(1) if s.errno is not None]
    assert [(s.target, s.errno) for s in failed] == [("existing/pod/memory.max", 22)]


@pytest.mark.parametrize(
    "fault",
    [f"kill-at:undo:{n}" for n in range(1, UNDO_OPS + 1)]
    + [f"kill-after-write:{n}" for n in range(1, PLAN_WRITES + 1)],
)
def test_kill_during_rollback_finishes_the_rollback(
    tmp_path: Path, fault: str, images: tuple[dict[str, str], dict[str, str]]
) -> None:
    before, after = images
    fs = make_sandbox(tmp_path / "sb")
    with Journal(tmp_path / "journal.db", boot_id=BOOT_ID) as journal:
        assert apply_plan(journal, fs, plan(fs)).ok
    assert snapshot(tmp_path / "sb") == after
    journal = _crash_then_recover(tmp_path, ["1"], fault, pre=True)
    assert snapshot(tmp_path / "sb") == before
    assert_consistent(journal)
    assert journal.txn(1).state == store.ROLLED_BACK


def test_kill_after_the_final_commit_keeps_the_after_image(
    tmp_path: Path, images: tuple[dict[str, str], dict[str, str]]
) -> None:
    _, after = images
    make_sandbox(tmp_path / "sb")
    # Killed right after `applied` is durable, before the process could report or unlock.
    proc = _run_driver(["apply", str(tmp_path / "sb"), str(tmp_path / "journal.db")], "kill-at:committed:1")
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr[-1500:])
    assert proc.stdout == ""
    journal = Journal(tmp_path / "journal.db", boot_id=BOOT_ID)
    assert recover(journal, CgroupFS) == []
    assert snapshot(tmp_path / "sb") == after
    assert_consistent(journal)
    assert journal.txn(1).state == store.APPLIED


def test_kill_after_the_final_commit_of_a_rollback_keeps_the_before_image(
    tmp_path: Path, images: tuple[dict[str, str], dict[str, str]]
) -> None:
    before, _ = images
    fs = make_sandbox(tmp_path / "sb")
    with Journal(tmp_path / "journal.db", boot_id=BOOT_ID) as journal:
        assert apply_plan(journal, fs, plan(fs)).ok
    journal = _crash_then_recover(tmp_path, ["1"], "kill-at:committed:1", pre=True)
    assert snapshot(tmp_path / "sb") == before
    assert_consistent(journal)
    assert journal.txn(1).state == store.ROLLED_BACK
    assert [e for e in journal.events(1) if e[1] == "conflict"] == []


@pytest.mark.parametrize("kind", sorted(DAMAGE))
def test_a_journal_damaged_after_a_crash_is_refused_then_salvaged(
    tmp_path: Path, kind: str, images: tuple[dict[str, str], dict[str, str]]
) -> None:
    """Killed mid-apply, then the journal is damaged before anyone recovers: nothing may be
    undone from it; what salvage can read recovers to the before-image, the rest is left alone."""
    before, _ = images
    root, jpath = tmp_path / "sb", tmp_path / "journal.db"
    make_sandbox(root)
    proc = _run_driver(["apply", str(root), str(jpath)], "kill-at:write:3")
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-1500:]
    # Every later reader sees the main file: fold the WAL in, then damage it.
    db = sqlite3.connect(jpath)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    damage, what = DAMAGE[kind]
    damage(jpath)
    killed = snapshot(root)
    assert killed != before
    with pytest.raises(JournalDamaged) as caught:
        Journal(jpath, boot_id=BOOT_ID)
    assert what.split(" but ")[0] in caught.value.what
    assert snapshot(root) == killed  # nothing undone from a journal that does not decode
    out = tmp_path / "salvaged.db"
    report = salvage(jpath, out)
    readable = [r.txn.id for r in report.readable]
    if kind in ("plan-not-json", "random-8k"):
        assert readable == [1], report  # the steps hold the plan; page 3 is not the txn's
    with Journal(out, boot_id=BOOT_ID) as salvaged:
        recover(salvaged, CgroupFS)
        if readable == [1]:
            assert snapshot(root) == before
            assert_consistent(salvaged)
        else:
            assert [t for t, _ in report.unreadable] == [1]
            assert snapshot(root) == killed
