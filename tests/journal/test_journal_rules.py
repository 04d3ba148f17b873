"""The journal's promises, one by one: what is recorded, compare-before-undo, void, locks, disk full."""

from __future__ import annotations

import errno
import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from journal_plan import BOOT_ID, make_sandbox, plan

from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.kernel import Kernel
from workbench.cgroups.sandbox import snapshot
from workbench.cgroups.write import Write
from workbench.journal import store
from workbench.journal.apply import IntentNotRecorded, apply_plan
from workbench.journal.lock import LockBusy, OperatorLock
from workbench.journal.store import Journal
from workbench.journal.undo import recover, rollback


class CountingOpener:
    """Opens CgroupFS trees for rollback/recovery and remembers them, to count kernel writes."""

    def __init__(self) -> None:
        self.opened: list[CgroupFS] = []

    def __call__(self, root: str) -> CgroupFS:
        fs = CgroupFS(root)
        self.opened.append(fs)
        return fs

    @property
    def writes(self) -> int:
        return sum(fs.writes_done for fs in self.opened)


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[CgroupFS, Journal]:
    fs = make_sandbox(tmp_path / "sb")
    journal = Journal(tmp_path / "state" / "journal.db", boot_id=BOOT_ID)
    yield fs, journal
    journal.close()


def test_a_transaction_records_who_where_when_and_each_write(sandbox: tuple[CgroupFS, Journal]) -> None:
    fs, journal = sandbox
    before_cpu_max = fs.read("existing", "cpu.max")
    planned = plan(fs)
    result = apply_plan(journal, fs, planned, subject="default/web")
    assert result.ok
    txn = journal.txn(result.txid)
    assert txn.state == store.APPLIED
    assert txn.boot_id == BOOT_ID and txn.host and txn.operator and txn.subject == "default/web"
    assert abs(txn.created_wall - time.time()) < 60 and txn.created_boot > 0
    # The whole plan as it was given, in order, with each write's before-image.
    assert [(w["cgroup"], w["file"], w["value"], w["action"], w["before"]) for w in txn.plan] == [
        (w.cgroup, w.file, w.value, w.action, w.before) for w in planned
    ]
    steps = journal.steps(result.txid)
    cpu = next(s for s in steps if s.file == "cpu.max")
    assert cpu.path == str(fs.root / "existing" / "cpu.max")
    assert cpu.inode == fs.inode("existing")
    assert cpu.before == before_cpu_max and cpu.value == "400000 100000"
    assert cpu.readback == "400000 100000" and cpu.state == store.S_VERIFIED and cpu.errno is None
    mkdir = next(s for s in steps if s.action == "mkdir")
    assert mkdir.inode == fs.inode("existing/pod")


def test_journal_file_is_private(sandbox: tuple[CgroupFS, Journal]) -> None:
    fs, journal = sandbox
    apply_plan(journal, fs, plan(fs))
    mode = stat.S_IMODE(os.stat(journal.path).st_mode)
    assert mode == 0o600
    assert journal.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_rollback_restores_the_before_image_and_is_idempotent(sandbox: tuple[CgroupFS, Journal]) -> None:
    fs, journal = sandbox
    before = snapshot(fs.root)
    txid = apply_plan(journal, fs, plan(fs)).txid
    assert snapshot(fs.root) != before
    opener = CountingOpener()
    first = rollback(journal, opener)  # newest live transaction
    assert first.txid == txid and first.state == store.ROLLED_BACK and first.undone == 5
    assert snapshot(fs.root) == before
    writes_first = opener.writes
    again = rollback(journal, opener, txid)
    assert again.state == store.ROLLED_BACK and again.undone == 0
    assert opener.writes == writes_first  # the second rollback wrote nothing


def test_an_outside_writer_between_apply_and_rollback_keeps_its_value(
    sandbox: tuple[CgroupFS, Journal],
) -> None:
    fs, journal = sandbox
    before = snapshot(fs.root)
    txid = apply_plan(journal, fs, plan(fs)).txid
    # The kubelet (say) sets a new quota after us.
    Kernel(fs.root).write("existing", "cpu.max", "300000 100000")
    result = rollback(journal, CgroupFS, txid)
    assert fs.read("existing", "cpu.max") == "300000 100000"
    assert len(result.conflicts) == 1 and "existing/cpu.max" in result.conflicts[0]
    step = next(s for s in journal.steps(txid) if s.file == "cpu.max")
    assert step.state == store.S_CONFLICT
    assert any(kind == "conflict" for _, kind, _ in journal.events(txid))
    # Everything else went back.
    now = snapshot(fs.root)
    differing = {k for k in set(before) | set(now) if before.get(k) != now.get(k)}
    assert differing == {"existing/cpu.max"}


def test_a_cgroup_we_created_is_kept_when_someone_else_wrote_in_it(sandbox: tuple[CgroupFS, Journal]) -> None:
    fs, journal = sandbox
    txid = apply_plan(journal, fs, plan(fs)).txid
    Kernel(fs.root).write("existing/pod", "memory.max", "2147483648")
    result = rollback(journal, CgroupFS, txid)
    assert fs.exists("existing/pod")
    assert fs.read("existing/pod", "memory.max") == "2147483648"
    assert any("existing/pod kept" in c for c in result.conflicts)


def test_a_re_created_cgroup_with_the_same_name_is_void_and_not_written(
    sandbox: tuple[CgroupFS, Journal],
) -> None:
    fs, journal = sandbox
    txid = apply_plan(journal, fs, plan(fs)).txid
    old_inode = fs.inode("existing/pod")
    # The pod cgroup goes away and a new one appears at the same path (the old one is moved
    # aside rather than removed so the filesystem cannot hand its inode number to the new one).
    os.rename(fs.root / "existing" / "pod", fs.root / "existing" / "pod.old")
    Kernel(fs.root).mkdir("existing/pod")
    assert fs.inode("existing/pod") != old_inode
    fresh = {f: fs.read("existing/pod", f) for f in ("cpuset.cpus", "memory.max")}
    opener = CountingOpener()
    result = rollback(journal, opener, txid)
    assert {f: fs.read("existing/pod", f) for f in fresh} == fresh
    assert fs.exists("existing/pod")  # the new cgroup is not ours to remove
    pod_steps = [s for s in journal.steps(txid) if s.cgroup == "existing/pod"]
    assert {s.state for s in pod_steps} == {store.S_VOID}
    assert len(result.voided) == 3
    # The steps outside the re-created cgroup were undone normally.
    assert fs.read("existing", "cpu.max") == "max 100000"


def test_a_transaction_from_another_boot_is_void_and_nothing_is_written(tmp_path: Path) -> None:
    fs = make_sandbox(tmp_path / "sb")
    with Journal(tmp_path / "journal.db", boot_id="boot-A") as journal:
        txid = apply_plan(journal, fs, plan(fs)).txid
    after = snapshot(fs.root)
    opener = CountingOpener()
    with Journal(tmp_path / "journal.db", boot_id="boot-B") as journal:
        done = recover(journal, opener)
        assert [(r.txid, r.state) for r in done] == [(txid, store.VOID)]
        assert "another boot" in journal.txn(txid).reason
        assert {s.state for s in journal.steps(txid)} == {store.S_VOID}
        # An explicit rollback of it writes nothing either.
        assert rollback(journal, opener, txid).state == store.VOID
    assert opener.writes == 0
    assert snapshot(fs.root) == after


def test_boot_id_comes_from_the_environment_hook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORKBENCH_BOOT_ID", "from-env")
    with Journal(tmp_path / "j.db") as journal:
        assert journal.boot_id == "from-env"


def test_disk_full_at_intent_never_touches_the_kernel(sandbox: tuple[CgroupFS, Journal]) -> None:
    fs, journal = sandbox
    before = snapshot(fs.root)
    pages = journal.db.execute("PRAGMA page_count").fetchone()[0]
    # A real SQLITE_FULL: the database may not grow by a single page.
    journal.db.execute(f"PRAGMA max_page_count={pages}")
    big = [Write(w.cgroup, w.file, w.value, w.action, w.before, reason="x" * 20000) for w in plan(fs)]
    with pytest.raises(IntentNotRecorded, match="nothing was written"):
        apply_plan(journal, fs, big)
    assert fs.writes_done == 0
    assert snapshot(fs.root) == before
    assert journal.txns() == []


ERRNO_CASES = [(n, "EINVAL") for n in (1, 2, 3, 4)] + [
    (3, code) for code in ("EBUSY", "EACCES", "ENOSPC", "EPERM", "ENOENT", "EOPNOTSUPP")
]


@pytest.mark.parametrize("n, code", ERRNO_CASES)
def test_a_failing_write_undoes_everything_before_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, n: int, code: str
) -> None:
    fs = make_sandbox(tmp_path / "sb")
    before = snapshot(fs.root)
    monkeypatch.setenv("WORKBENCH_CGROUP_FAULTS", f"errno-at-write:{n}:{code}")
    fs = CgroupFS(fs.root)
    with Journal(tmp_path / "j.db", boot_id=BOOT_ID) as journal:
        result = apply_plan(journal, fs, plan(fs))
        assert not result.ok and errno.errorcode[getattr(errno, code)] in result.reason
        assert snapshot(fs.root) == before
        txn = journal.txn(result.txid)
        assert txn.state == store.ROLLED_BACK and "apply failed" in txn.reason
        failed = [s for s in journal.steps(result.txid) if s.state == store.S_FAILED or s.errno]
        assert [s.errno for s in failed] == [getattr(errno, code)]


def test_a_value_the_kernel_narrows_fails_the_read_back_and_is_undone(
    sandbox: tuple[CgroupFS, Journal],
) -> None:
    fs, journal = sandbox
    Kernel(fs.root).write("existing", "cpuset.cpus", "4-7")
    before = snapshot(fs.root)
    # The pod asks for CPUs its parent does not have: v2 accepts the write and narrows silently.
    result = apply_plan(journal, fs, plan(fs))
    assert not result.ok and "effective" in result.reason
    assert snapshot(fs.root) == before


def test_someone_else_changing_a_before_image_aborts_the_apply(sandbox: tuple[CgroupFS, Journal]) -> None:
    fs, journal = sandbox
    writes = plan(fs)
    Kernel(fs.root).write("existing", "cpu.max", "250000 100000")
    result = apply_plan(journal, fs, writes)
    assert not result.ok and "changed since the plan" in result.reason
    assert fs.read("existing", "cpu.max") == "250000 100000"
    assert not fs.exists("existing/pod")


def test_an_overdue_unconfirmed_transaction_is_rolled_back_by_recovery(
    sandbox: tuple[CgroupFS, Journal],
) -> None:
    fs, journal = sandbox
    before = snapshot(fs.root)
    waiting = apply_plan(journal, fs, plan(fs), confirm_within=3600).txid
    assert recover(journal, CgroupFS) == []  # still inside its window
    rollback(journal, CgroupFS, waiting)
    txid = apply_plan(journal, fs, plan(fs), confirm_within=0.05).txid
    time.sleep(0.1)
    assert [r.txid for r in recover(journal, CgroupFS)] == [txid]
    assert journal.txn(txid).state == store.ROLLED_BACK
    assert snapshot(fs.root) == before


HOLDER = """
import sys, time
from workbench.journal.lock import OperatorLock
lock = OperatorLock(sys.argv[1], command="commit default/web")
lock.acquire()
print("held", flush=True)
time.sleep(60)
"""


def test_two_operators_the_second_is_told_who_holds_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "journal.db.lock"
    env = dict(os.environ, SSH_CONNECTION="10.0.0.7 52100 10.0.0.1 22")
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        heard: list[str] = []
        with pytest.raises(LockBusy) as exc:
            OperatorLock(path).acquire(timeout=0.3, on_wait=heard.append)
        assert f"pid {holder.pid}" in str(exc.value)
        assert "10.0.0.7 52100" in str(exc.value) and "commit default/web" in str(exc.value)
        assert heard and f"pid {holder.pid}" in heard[0]
        # Killed with SIGKILL, the holder leaves no stale lock.
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        lock = OperatorLock(path)
        lock.acquire(timeout=0)
        lock.release()
    finally:
        holder.kill()
        holder.wait(10)


def test_cli_refuses_while_another_operator_holds_the_lock(tmp_path: Path) -> None:
    jpath = tmp_path / "journal.db"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "journal.db.lock")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        done = subprocess.run(
            [sys.executable, "-m", "workbench", "recover", "--journal", str(jpath), "--wait", "0.2"],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 2
        assert f"pid {holder.pid}" in done.stderr and "Traceback" not in done.stderr
    finally:
        holder.kill()
        holder.wait(10)


def test_an_unwritable_journal_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("")
    done = subprocess.run(
        [sys.executable, "-m", "workbench", "recover", "--journal", str(tmp_path / "file" / "journal.db")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_sqlite_full_is_what_max_page_count_gives() -> None:
    # Guards the disk-full test above: it must be SQLite's own SQLITE_FULL, not some other error.
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (x)")
    db.execute(f"PRAGMA max_page_count={db.execute('PRAGMA page_count').fetchone()[0]}")
    with pytest.raises(sqlite3.OperationalError, match="full"):
        db.execute("INSERT INTO t VALUES (?)", ("x" * 20000,))


def test_recovery_voids_a_transaction_whose_tree_is_gone(tmp_path: Path) -> None:
    import shutil

    fs = make_sandbox(tmp_path / "sb")
    with Journal(tmp_path / "journal.db", boot_id=BOOT_ID) as journal:
        txid = apply_plan(journal, fs, plan(fs), confirm_within=0.01).txid
        shutil.rmtree(fs.root)
        time.sleep(0.05)
        [result] = recover(journal, CgroupFS)
        assert (result.txid, result.state) == (txid, store.VOID)
        assert "is gone" in journal.txn(txid).reason
        # Nothing is left for the next start to trip over.
        assert recover(journal, CgroupFS) == []


def test_ctrl_c_during_apply_undoes_what_was_written(
    sandbox: tuple[CgroupFS, Journal], monkeypatch: pytest.MonkeyPatch
) -> None:
    fs, journal = sandbox
    before = snapshot(fs.root)
    real_write = CgroupFS.write
    calls = []

    def interrupted(self: CgroupFS, cgroup: str, file: str, value: str) -> None:
        calls.append(file)
        if len(calls) == 3:
            raise KeyboardInterrupt
        real_write(self, cgroup, file, value)

    monkeypatch.setattr(CgroupFS, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        apply_plan(journal, fs, plan(fs))
    monkeypatch.setattr(CgroupFS, "write", real_write)
    assert snapshot(fs.root) == before
    txn = journal.txns()[0]
    assert txn.state == store.ROLLED_BACK and "interrupted" in txn.reason
