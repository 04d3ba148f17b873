"""The journal file: SQLite in WAL mode, one `txn` row per commit, one `step` row per write.

Durability rule: the transaction and all of its steps (target, before-image and intended value
of every write) are committed with `synchronous=FULL` before the kernel is touched, and so is
every final state. Progress in between (a step's intent mark, errno, read-back) is deferred and
committed with the next state change (`set_step(defer=True)`): a crash before that leaves steps
looking "planned" or "intent", and recovery decides what to undo from the live tree with the
same compare-and-swap as any undo. That keeps a commit at two fsyncs, however many writes.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workbench.cgroups.write import Write
from workbench.errors import InputError
from workbench.journal import check, clock
from workbench.journal.schema import (
    ABORTED,
    APPLIED,
    APPLYING,
    CONFIRMED,
    LIVE,
    NEEDS_OPERATOR,
    PENDING_CONFIRM,
    ROLLED_BACK,
    ROLLING_BACK,
    S_CONFLICT,
    S_FAILED,
    S_INTENT,
    S_PLANNED,
    S_SKIPPED,
    S_UNDO_FAILED,
    S_UNDONE,
    S_VERIFIED,
    S_VOID,
    SCHEMA,
    SCHEMA_VERSION,
    STEP_DONE,
    UNFINISHED,
    VOID,
    JournalDamaged,
    Step,
    Txn,
    decode_event,
    decode_step,
    decode_txn,
)

__all__ = [
    "ABORTED", "APPLIED", "APPLYING", "CONFIRMED", "LIVE", "NEEDS_OPERATOR", "PENDING_CONFIRM",
    "ROLLED_BACK", "ROLLING_BACK", "STEP_DONE", "S_CONFLICT", "S_FAILED", "S_INTENT", "S_PLANNED",
    "S_SKIPPED", "S_UNDONE", "S_UNDO_FAILED", "S_VERIFIED", "S_VOID", "UNFINISHED", "VOID", "Journal",
    "JournalDamaged", "Step", "Txn", "journal_exists",
]


def journal_exists(path: Path) -> bool:
    """Whether there is a journal at `path` to read; JournalDamaged when its stamp says there
    should be one with transactions but the file is missing or empty (a read must not take a
    lost journal for "nothing was ever committed")."""
    return check.check_presence(Path(path))

def _create_private(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        st = os.fstat(fd)
        if st.st_mode & 0o077:
            os.fchmod(fd, 0o600)
    finally:
        os.close(fd)


class Journal:
    """One open journal file. Not shared between threads; every writer holds the operator lock."""

    def __init__(self, path: Path | str, *, boot_id: str | None = None) -> None:
        self.path = Path(path)
        self.boot_id = boot_id if boot_id is not None else clock.boot_id()
        self._pending: dict[tuple[int, int], dict[str, Any]] = {}
        self._sync = ""
        where = str(self.path)
        try:
            # Before anything creates the file: a journal that held transactions and is now
            # missing or empty is damage, never a fresh start.
            check.check_presence(self.path)
            # Checked in full unless it is exactly as we left it after a clean close.
            self._trusted = check.left_as_verified(self.path)
            _create_private(self.path)
            # Autocommit mode: transactions are begun and committed explicitly below.
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
        except sqlite3.DatabaseError as exc:
            raise check.db_error(self.path, exc) from exc
        except OSError as exc:
            raise InputError(
                f"cannot open the journal: {exc.strerror or exc}",
                source=where,
                fix="run as the journal's owner or pass --journal PATH",
            ) from exc
        self._damaged = True
        try:
            self._open()
        except BaseException:
            self.db.close()
            raise
        self._damaged = False

    def _open(self) -> None:
        where = str(self.path)
        self.db.row_factory = sqlite3.Row
        # Checked before any pragma could write to a damaged file.
        version = check.verify(self.db, self.path, thorough=not self._trusted)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
        except sqlite3.DatabaseError as exc:
            raise check.db_error(self.path, exc) from None
        if version > SCHEMA_VERSION:
            raise InputError(
                f"journal schema {version} is newer than this workbench ({SCHEMA_VERSION})",
                source=where,
                fix="use the workbench version that wrote it",
            )
        try:
            if version == 0:
                with self.transaction():
                    for stmt in SCHEMA.split(";"):
                        if stmt.strip():
                            self.db.execute(stmt)
                    self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
                    self.db.execute(f"PRAGMA application_id={check.new_journal_id()}")
            elif int(self.db.execute("PRAGMA application_id").fetchone()[0]) == 0:
                # A journal from before stamps: give it its identity.
                self.db.execute(f"PRAGMA application_id={check.new_journal_id()}")
            check.check_stamp(self.db, self.path)
        except sqlite3.DatabaseError as exc:
            raise check.db_error(self.path, exc) from None

    def close(self) -> None:
        clean = True
        try:
            self.flush()
        except sqlite3.Error:
            # Deferred progress only (disk full): recovery decides from the live tree without it.
            self.discard_pending()
            clean = False
        self.db.close()
        if clean and not self._damaged:
            check.mark_verified(self.path)

    def discard_pending(self) -> None:
        """Forget deferred step updates that could not be written (recovery copes without them)."""
        self._pending.clear()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT; `durable=False` skips the fsync (see module docstring).

        Step updates deferred with `set_step(..., defer=True)` are written first, in the same
        SQLite transaction.
        """
        mode = "FULL" if durable else "NORMAL"
        if mode != self._sync:
            self.db.execute(f"PRAGMA synchronous={mode}")
            self._sync = mode
        self.db.execute("BEGIN IMMEDIATE")
        try:
            for (txid, seq), fields in self._pending.items():
                cols = ", ".join(f"{k}=?" for k in fields)
                self.db.execute(
                    f"UPDATE step SET {cols} WHERE txn_id=? AND seq=?", (*fields.values(), txid, seq)
                )
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
        self._pending.clear()

    def flush(self) -> None:
        """Commit deferred step updates (no fsync): called before every kernel write."""
        if self._pending:
            with self.transaction(durable=False):
                pass

    # -- writing -------------------------------------------------------------------------

    def begin(
        self,
        writes: Sequence[Write],
        *,
        cgroup_root: str,
        paths: Sequence[str],
        inodes: Sequence[int | None],
        origins: Sequence[str | None],
        subject: str = "",
        confirm_within: float | None = None,
    ) -> int:
        """Record the whole plan as a durable intent; returns the transaction id."""
        plan = [
            {
                "cgroup": w.cgroup,
                "file": w.file,
                "value": w.value,
                "action": w.action,
                "before": w.before,
                "reason": w.reason,
            }
            for w in writes
        ]
        now_boot = clock.boot_clock()
        deadline = now_boot + confirm_within if confirm_within is not None else None
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO txn (state, operator, host, boot_id, created_wall, created_boot,"
                " cgroup_root, subject, plan_json, confirm_deadline_boot)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    APPLYING,
                    clock.operator(),
                    clock.host(),
                    self.boot_id,
                    clock.wall_clock(),
                    now_boot,
                    cgroup_root,
                    subject,
                    json.dumps(plan),
                    deadline,
                ),
            )
            txid = cur.lastrowid
            assert txid is not None
            db.executemany(
                "INSERT INTO step (txn_id, seq, action, cgroup, file, path, inode, before, value,"
                " reason, origin, state) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                [
                    (
                        txid,
                        i,
                        w.action,
                        w.cgroup,
                        w.file,
                        paths[i],
                        inodes[i],
                        w.before,
                        w.value,
                        w.reason,
                        origins[i],
                        S_PLANNED,
                    )
                    for i, w in enumerate(writes)
                ],
            )
            self._event(db, txid, "intent", f"{len(writes)} writes")
            journal_id = int(db.execute("PRAGMA application_id").fetchone()[0])
        try:
            check.write_stamp(self.path, check.Stamp(journal_id, txid, None))
        except OSError:
            pass  # the check is weaker for it, nothing is lost
        return txid

    def set_step(
        self, txid: int, seq: int, *, durable: bool = False, defer: bool = False, **fields: Any
    ) -> None:
        """Update one step. With `defer`, the update rides along with the next commit (`flush`,
        or any other transaction): a step's outcome only has to be recorded before the next
        kernel write, and recovery's compare-and-swap copes with an outcome that was not.
        """
        if defer:
            # Later updates of the same step win, as they would have in the database.
            self._pending.setdefault((txid, seq), {}).update(fields)
            return
        cols = ", ".join(f"{k}=?" for k in fields)
        with self.transaction(durable=durable) as db:
            db.execute(f"UPDATE step SET {cols} WHERE txn_id=? AND seq=?", (*fields.values(), txid, seq))

    def set_state(
        self,
        txid: int,
        state: str,
        *,
        reason: str | None = None,
        finished: bool = False,
        expect: Sequence[str] | None = None,
        event: str = "",
        durable: bool = True,
    ) -> bool:
        """Move a transaction to `state`; with `expect`, only from one of those states.

        Returns whether it moved: the compare-and-set that makes `confirm` and the watchdog's
        rollback race safely (exactly one of them wins).
        """
        sets = ["state=?"]
        args: list[Any] = [state]
        if reason is not None:
            sets.append("reason=?")
            args.append(reason)
        if finished:
            sets.append("finished_wall=?")
            args.append(clock.wall_clock())
        where = "id=?"
        args.append(txid)
        if expect is not None:
            where += f" AND state IN ({','.join('?' * len(expect))})"
            args.extend(expect)
        with self.transaction(durable=durable) as db:
            moved = db.execute(f"UPDATE txn SET {', '.join(sets)} WHERE {where}", args).rowcount == 1
            if moved:
                self._event(db, txid, event or state, reason or "")
        return moved

    def set_timer(self, txid: int, timer: str) -> None:
        with self.transaction() as db:
            db.execute("UPDATE txn SET timer=? WHERE id=?", (timer, txid))
            self._event(db, txid, "timer", timer)

    def event(self, txid: int | None, kind: str, detail: str = "", *, durable: bool = False) -> None:
        with self.transaction(durable=durable) as db:
            self._event(db, txid, kind, detail)

    @staticmethod
    def _event(db: sqlite3.Connection, txid: int | None, kind: str, detail: str) -> None:
        db.execute(
            "INSERT INTO event (txn_id, at_wall, at_boot, kind, detail) VALUES (?,?,?,?,?)",
            (txid, clock.wall_clock(), clock.boot_clock(), kind, detail),
        )

    # -- reading -------------------------------------------------------------------------

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[sqlite3.Row]:
        try:
            return list(self.db.execute(sql, args))
        except sqlite3.DatabaseError as exc:
            raise check.db_error(self.path, exc, "read") from None

    def txn(self, txid: int) -> Txn:
        rows = self._rows("SELECT * FROM txn WHERE id=?", (txid,))
        if not rows:
            raise InputError(
                f"no transaction {txid}", source=str(self.path), fix="`workbench journal` lists them"
            )
        return decode_txn(rows[0], str(self.path))

    def txns(self, *, states: Sequence[str] | None = None, newest_first: bool = False) -> list[Txn]:
        sql = "SELECT * FROM txn"
        args: list[Any] = []
        if states is not None:
            sql += f" WHERE state IN ({','.join('?' * len(states))})"
            args.extend(states)
        sql += " ORDER BY id DESC" if newest_first else " ORDER BY id"
        return [decode_txn(r, str(self.path)) for r in self._rows(sql, args)]

    def txns_to_recover(self) -> list[Txn]:
        """What recovery must look at: unfinished, waiting for confirmation, left for the operator,
        or live from another boot. Applied transactions of this boot are not read (the journal
        only grows)."""
        unfinished = (*UNFINISHED, PENDING_CONFIRM, NEEDS_OPERATOR)
        sql = (
            f"SELECT * FROM txn WHERE state IN ({','.join('?' * len(unfinished))})"
            f" OR (state IN ({','.join('?' * len(LIVE))}) AND boot_id != ?) ORDER BY id"
        )
        return [decode_txn(r, str(self.path)) for r in self._rows(sql, (*unfinished, *LIVE, self.boot_id))]

    def overdue(self) -> list[int]:
        """Transactions of this boot whose confirm window has closed unconfirmed (their watchdog
        did not roll them back: killed, or the machine was suspended past the deadline)."""
        rows = self._rows(
            "SELECT id FROM txn WHERE state=? AND confirm_deadline_boot <= ? AND boot_id=? ORDER BY id",
            (PENDING_CONFIRM, clock.boot_clock(), self.boot_id),
        )
        return [int(r[0]) for r in rows]

    def steps(self, txid: int) -> list[Step]:
        rows = self._rows("SELECT * FROM step WHERE txn_id=? ORDER BY seq", (txid,))
        return [decode_step(r, str(self.path)) for r in rows]

    def events(self, txid: int) -> list[tuple[float, str, str]]:
        rows = self._rows("SELECT * FROM event WHERE txn_id=? ORDER BY id", (txid,))
        return [decode_event(r, str(self.path)) for r in rows]

    def integrity(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])
