"""Faults around the write path (issue 14): a file written twice, an undo refused too, and the
journal's disk filling up after the kernel writes landed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from journal_plan import BOOT_ID, make_sandbox, plan

from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.kernel import Kernel
from workbench.cgroups.sandbox import snapshot
from workbench.journal import store
from workbench.journal.apply import JournalWriteFailed, apply_plan
from workbench.journal.store import Journal
from workbench.journal.undo import recover, rollback
from workbench.services.transactions import leftover_lines, recover_text

DRIVER = Path(__file__).with_name("journal_driver.py")


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("WORKBENCH_FAULT", "WORKBENCH_CGROUP_FAULTS", "WORKBENCH_JOURNAL"):
        monkeypatch.delenv(key, raising=False)


def _driver(args: list[str], fault: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, WORKBENCH_FAULT=fault, WORKBENCH_BOOT_ID=BOOT_ID, JOURNAL_PLAN="twice")
    env.pop("WORKBENCH_CGROUP_FAULTS", None)
    return subprocess.run([sys.executable, str(DRIVER), *args], env=env, capture_output=True, text=True)


def _twice_sandbox(root: Path) -> CgroupFS:
    fs = make_sandbox(root)
    Kernel(root).write("existing", "cpuset.cpus", "0-3")
    return fs


def _no_conflicts(journal: Journal, txid: int) -> None:
    steps = journal.steps(txid)
    assert [s for s in steps if s.state == store.S_CONFLICT] == [], [(s.target, s.error) for s in steps]
    assert not [e for e in journal.events(txid) if e[1] == "conflict"]


# ---- one file written twice (a cpuset grown, then shrunk) -----------------------------------
@pytest.mark.parametrize(
    "fault",
    ["kill-at:intent:1", "kill-at:write:1", "kill-at:intent:2", "kill-at:write:2", "kill-at:readback:2"],
)
def test_a_crash_while_writing_one_file_twice_recovers_without_a_false_conflict(
    tmp_path: Path, fault: str
) -> None:
    root, jpath = tmp_path / "sb", tmp_path / "journal.db"
    _twice_sandbox(root)
    before = snapshot(root)
    proc = _driver(["apply", str(root), str(jpath)], fault)
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-1500:]
    with Journal(jpath, boot_id=BOOT_ID) as journal:
        done = recover(journal, CgroupFS)
        assert [(r.state, r.conflicts) for r in done] == [(store.ROLLED_BACK, [])]
        assert "left" not in recover_text(done)
        _no_conflicts(journal, 1)
    assert snapshot(root) == before


@pytest.mark.parametrize("n", [1, 2])
def test_a_rollback_of_one_file_written_twice_killed_after_an_undo_finishes_cleanly(
    tmp_path: Path, n: int
) -> None:
    root, jpath = tmp_path / "sb", tmp_path / "journal.db"
    fs = _twice_sandbox(root)
    before = snapshot(root)
    assert _driver(["apply", str(root), str(jpath)], "").returncode == 0
    assert fs.read("existing", "cpuset.cpus") == "4-5"
    # kill-at:undo:2 is after the last undo write: the tree is already back, the journal not yet.
    proc = _driver(["rollback", str(root), str(jpath), "1"], f"kill-at:undo:{n}")
    assert proc.returncode == -signal.SIGKILL, proc.stderr[-1500:]
    with Journal(jpath, boot_id=BOOT_ID) as journal:
        done = recover(journal, CgroupFS)
        assert [(r.state, r.conflicts) for r in done] == [(store.ROLLED_BACK, [])]
        _no_conflicts(journal, 1)
    assert snapshot(root) == before


# ---- an undo that fails too ------------------------------------------------------------------
def test_an_undo_refused_too_leaves_needs_operator_says_what_is_left_and_recover_retries_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fs = make_sandbox(tmp_path / "sb")
    before = snapshot(tmp_path / "sb")
    # The 4th write (memory.max) is refused with EBUSY; the first undo write (cpu.max) with EIO.
    monkeypatch.setenv("WORKBENCH_CGROUP_FAULTS", "errno-at-write:4:EBUSY,errno-at-write:5:EIO")
    with Journal(tmp_path / "journal.db", boot_id=BOOT_ID) as journal:
        result = apply_plan(journal, fs, plan(fs))
        assert not result.ok and "EBUSY" in result.reason
        assert result.undo is not None and result.undo.state == store.NEEDS_OPERATOR
        assert journal.txn(1).state == store.NEEDS_OPERATOR
        text = "\n".join(leftover_lines(result.undo))
        cpu_max = str(fs.root / "existing" / "cpu.max")
        assert f"left changed: {cpu_max} reads '400000 100000', was 'max 100000'" in text
        assert "EIO" in text and "`workbench recover`" in text
        monkeypatch.delenv("WORKBENCH_CGROUP_FAULTS")
        # The recovery every command runs first leaves it (no refused write behind its back)...
        assert recover(journal, CgroupFS) == []
        assert journal.txn(1).state == store.NEEDS_OPERATOR
        # ... `workbench recover` retries the undo.
        done = recover(journal, CgroupFS, retry_operator=True)
        assert [r.state for r in done] == [store.ROLLED_BACK]
    assert snapshot(tmp_path / "sb") == before


# ---- the journal's disk fills up after the kernel writes landed --------------------------------
@contextmanager
def disk_full_after_intent(monkeypatch: pytest.MonkeyPatch, *, already: bool = False) -> Iterator[None]:
    """Every journal write after the intent (`already`: every one) fails as SQLite does on a
    full disk (SQLITE_FULL)."""
    full = {"on": already}
    begin, transaction = Journal.begin, Journal.transaction

    def full_begin(self: Journal, *args: object, **kwargs: object) -> int:
        txid = begin(self, *args, **kwargs)  # type: ignore[arg-type]
        full["on"] = True
        return txid

    @contextmanager
    def full_transaction(self: Journal, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        if full["on"]:
            raise sqlite3.OperationalError("database or disk is full")
        with transaction(self, durable=durable) as db:
            yield db

    monkeypatch.setattr(Journal, "begin", full_begin)
    monkeypatch.setattr(Journal, "transaction", full_transaction)
    yield
    monkeypatch.setattr(Journal, "begin", begin)
    monkeypatch.setattr(Journal, "transaction", transaction)


def test_disk_full_after_the_kernel_writes_undoes_them_in_the_same_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fs = make_sandbox(tmp_path / "sb")
    before = snapshot(tmp_path / "sb")
    jpath = tmp_path / "journal.db"
    with disk_full_after_intent(monkeypatch), Journal(jpath, boot_id=BOOT_ID) as journal:
        with pytest.raises(JournalWriteFailed) as caught:
            apply_plan(journal, fs, plan(fs))
    line = caught.value.line()
    assert "\n" not in line and "database or disk is full" in line
    assert "every write was undone in the kernel" in line and "nothing of it is live" in line
    assert snapshot(tmp_path / "sb") == before  # undone now, not by some later command
    with Journal(jpath, boot_id=BOOT_ID) as journal:
        assert journal.txn(1).state == store.APPLYING  # the journal lags, as the message says
        done = recover(journal, CgroupFS)
        assert [(r.state, r.conflicts) for r in done] == [(store.ROLLED_BACK, [])]
    assert snapshot(tmp_path / "sb") == before


def test_disk_full_and_an_undo_refused_names_what_is_live(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fs = make_sandbox(tmp_path / "sb")
    # Writes 1-4 land; the undo's first write (memory.max back) is refused.
    monkeypatch.setenv("WORKBENCH_CGROUP_FAULTS", "errno-at-write:5:EIO")
    with disk_full_after_intent(monkeypatch), Journal(tmp_path / "journal.db", boot_id=BOOT_ID) as journal:
        with pytest.raises(JournalWriteFailed) as caught:
            apply_plan(journal, fs, plan(fs))
    line = caught.value.line()
    assert "could not be undone" in line and "cpu.max reads '400000 100000' (was 'max 100000')" in line
    assert "workbench recover" in line


def test_disk_full_during_a_rollback_still_undoes_the_kernel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fs = make_sandbox(tmp_path / "sb")
    before = snapshot(tmp_path / "sb")
    jpath = tmp_path / "journal.db"
    with Journal(jpath, boot_id=BOOT_ID) as journal:
        assert apply_plan(journal, fs, plan(fs)).ok
    with Journal(jpath, boot_id=BOOT_ID) as journal, disk_full_after_intent(monkeypatch, already=True):
        result = rollback(journal, CgroupFS, 1)
    assert result.unrecorded and result.undone == 5
    assert snapshot(tmp_path / "sb") == before


# ---- as the operator sees it -------------------------------------------------------------------
def _wb(*args: str) -> tuple[int, str, str]:
    import contextlib
    import io

    from workbench.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


POD = Path(__file__).with_name("fixtures") / "pod-two-containers.yaml"


def test_commit_whose_undo_fails_too_says_what_is_left_and_recover_fixes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import json

    root, jpath = tmp_path / "sb", tmp_path / "journal.db"
    assert _wb("sandbox", "init", str(root), "--demo")[0] == 0
    before = snapshot(root)
    args = ("commit", str(POD), "--demo", "--cgroup-root", str(root), "--journal", str(jpath))
    code, out, _ = _wb(*args, "-o", "json")
    writes = sum(1 for w in json.loads(out)["writes"] if w["action"] == "write")
    # The last write is refused (EBUSY), and so is the first write of its undo (EIO).
    faults = f"errno-at-write:{writes}:EBUSY,errno-at-write:{writes + 1}:EIO"
    monkeypatch.setenv("WORKBENCH_CGROUP_FAULTS", faults)
    code, out, err = _wb(*args, "--apply")
    assert code == 1, out + err
    assert "not applied" in out and "EBUSY" in out
    assert "left changed:" in out and "EIO" in out and "`workbench recover`" in out
    code, out, _ = _wb("journal", "--journal", str(jpath))
    assert "needs_operator" in out
    monkeypatch.delenv("WORKBENCH_CGROUP_FAULTS")
    code, out, err = _wb("recover", "--journal", str(jpath))
    assert code == 0 and "transaction 1: rolled_back" in out, out + err
    assert snapshot(root) == before


def test_the_lock_busy_error_is_one_line(tmp_path: Path) -> None:
    from workbench.journal.lock import OperatorLock
    from workbench.journal.paths import lock_path

    jpath = tmp_path / "journal.db"
    Journal(jpath).close()
    with OperatorLock(lock_path(jpath), command="commit other/pod"):
        code, out, err = _wb("recover", "--journal", str(jpath), "--wait", "0.2")
    assert code == 2
    assert err.count("\n") == 1 and "another operator holds the journal lock" in err, err
    assert "running 'commit other/pod'" in err
