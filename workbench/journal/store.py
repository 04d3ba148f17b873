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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.cgroups.write import Write
from workbench.errors import InputError
from workbench.journal import clock

SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE IF NOT EXISTS txn (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    state TEXT NOT NULL,
    operator TEXT NOT NULL,
    host TEXT NOT NULL,
    boot_id TEXT NOT NULL,
    created_wall REAL NOT NULL,
    created_boot REAL NOT NULL,
    cgroup_root TEXT NOT NULL,
    subject TEXT NOT NULL DEFAULT '',
    plan_json TEXT NOT NULL,
    confirm_deadline_boot REAL,
    timer TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    finished_wall REAL
);
CREATE INDEX IF NOT EXISTS txn_state ON txn (state);
CREATE TABLE IF NOT EXISTS step (
    txn_id INTEGER NOT NULL REFERENCES txn(id),
    seq INTEGER NOT NULL,
    action TEXT NOT NULL,
    cgroup TEXT NOT NULL,
    file TEXT NOT NULL,
    path TEXT NOT NULL,
    inode INTEGER,
    before TEXT,
    value TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    origin TEXT,
    readback TEXT,
    errno INTEGER,
    error TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    written_wall REAL,
    undone_wall REAL,
    PRIMARY KEY (txn_id, seq)
);
CREATE TABLE IF NOT EXISTS event (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    txn_id INTEGER REFERENCES txn(id),
    at_wall REAL NOT NULL,
    at_boot REAL NOT NULL,
    kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
"""

# Transaction states.
APPLYING = "applying"
PENDING_CONFIRM = "pending_confirm"
APPLIED = "applied"
CONFIRMED = "confirmed"
ROLLING_BACK = "rolling_back"
ROLLED_BACK = "rolled_back"
ABORTED = "aborted"
VOID = "void"
# Still to be finished by recovery.
UNFINISHED = (APPLYING, ROLLING_BACK)
# The change is live in the kernel.
LIVE = (PENDING_CONFIRM, APPLIED, CONFIRMED)

# Step states.
S_PLANNED = "planned"  # durable intent of the whole plan; not started
S_INTENT = "intent"  # about to write (or written, not yet read back)
S_VERIFIED = "verified"  # written and read back as intended
S_FAILED = "failed"  # the kernel refused it, or it read back differently
S_UNDONE = "undone"  # taken back to the before-image (or never reached the kernel)
S_CONFLICT = "undo_conflict"  # someone else changed it after us: left alone
S_VOID = "void"  # the cgroup is gone or re-created, or another boot: nothing written
S_SKIPPED = "skipped"  # never attempted
STEP_DONE = (S_UNDONE, S_CONFLICT, S_VOID, S_SKIPPED)


@dataclass(frozen=True)
class Step:
    txn_id: int
    seq: int
    action: str
    cgroup: str
    file: str
    path: str
    inode: int | None
    before: str | None
    value: str
    reason: str
    origin: str | None
    readback: str | None
    errno: int | None
    error: str
    state: str

    @property
    def target(self) -> str:
        return f"{self.cgroup}/{self.file}" if self.file else self.cgroup


@dataclass(frozen=True)
class Txn:
    id: int
    state: str
    operator: str
    host: str
    boot_id: str
    created_wall: float
    created_boot: float
    cgroup_root: str
    subject: str
    plan: list[dict[str, Any]]
    confirm_deadline_boot: float | None
    timer: str
    reason: str
    finished_wall: float | None


def _txn(row: sqlite3.Row) -> Txn:
    return Txn(
        id=row["id"],
        state=row["state"],
        operator=row["operator"],
        host=row["host"],
        boot_id=row["boot_id"],
        created_wall=row["created_wall"],
        created_boot=row["created_boot"],
        cgroup_root=row["cgroup_root"],
        subject=row["subject"],
        plan=json.loads(row["plan_json"]),
        confirm_deadline_boot=row["confirm_deadline_boot"],
        timer=row["timer"],
        reason=row["reason"],
        finished_wall=row["finished_wall"],
    )


def _step(row: sqlite3.Row) -> Step:
    return Step(**{k: row[k] for k in Step.__dataclass_fields__})


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
        try:
            _create_private(self.path)
            # Autocommit mode: transactions are begun and committed explicitly below.
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=ON")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise InputError(
                    f"journal schema {version} is newer than this workbench ({SCHEMA_VERSION})",
                    source=str(self.path),
                    fix="use the workbench version that wrote it",
                )
            if version < SCHEMA_VERSION:
                with self.transaction():
                    for stmt in SCHEMA.split(";"):
                        if stmt.strip():
                            self.db.execute(stmt)
                    self.db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except sqlite3.DatabaseError as exc:
            raise InputError(
                f"cannot open the journal: {exc}", source=str(self.path), fix="check the path and disk"
            ) from exc
        except OSError as exc:
            raise InputError(
                f"cannot open the journal: {exc.strerror or exc}",
                source=str(self.path),
                fix="run as the journal's owner or pass --journal PATH",
            ) from exc

    def close(self) -> None:
        self.flush()
        self.db.close()

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

    def txn(self, txid: int) -> Txn:
        row = self.db.execute("SELECT * FROM txn WHERE id=?", (txid,)).fetchone()
        if row is None:
            raise InputError(
                f"no transaction {txid}", source=str(self.path), fix="`workbench journal` lists them"
            )
        return _txn(row)

    def txns(self, *, states: Sequence[str] | None = None, newest_first: bool = False) -> list[Txn]:
        sql = "SELECT * FROM txn"
        args: list[Any] = []
        if states is not None:
            sql += f" WHERE state IN ({','.join('?' * len(states))})"
            args.extend(states)
        sql += " ORDER BY id DESC" if newest_first else " ORDER BY id"
        return [_txn(r) for r in self.db.execute(sql, args)]

    def txns_to_recover(self) -> list[Txn]:
        """What recovery must look at: unfinished, waiting for confirmation, or live from
        another boot. Applied transactions of this boot are not read (the journal only grows)."""
        unfinished = (*UNFINISHED, PENDING_CONFIRM)
        sql = (
            f"SELECT * FROM txn WHERE state IN ({','.join('?' * len(unfinished))})"
            f" OR (state IN ({','.join('?' * len(LIVE))}) AND boot_id != ?) ORDER BY id"
        )
        return [_txn(r) for r in self.db.execute(sql, (*unfinished, *LIVE, self.boot_id))]

    def steps(self, txid: int) -> list[Step]:
        rows = self.db.execute("SELECT * FROM step WHERE txn_id=? ORDER BY seq", (txid,))
        return [_step(r) for r in rows]

    def events(self, txid: int) -> list[tuple[float, str, str]]:
        rows = self.db.execute("SELECT at_wall, kind, detail FROM event WHERE txn_id=? ORDER BY id", (txid,))
        return [(r[0], r[1], r[2]) for r in rows]

    def integrity(self) -> str:
        return str(self.db.execute("PRAGMA integrity_check").fetchone()[0])
