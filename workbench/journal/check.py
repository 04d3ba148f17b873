"""The journal checks itself when it is opened, before anything is read from it or written.

- the file itself: a journal whose stamp (`journal.db.stamp`, written beside it whenever a
  transaction is begun) says it held transactions must not be missing or empty: a file
  truncated to 0 bytes is damage, never a fresh start;
- SQLite's own `PRAGMA quick_check` (every page and b-tree, without the index cross-check of
  `integrity_check`);
- the schema version (`PRAGMA user_version`), every table and every column this version reads;
- every row's fields typed (one SQL scan per table; the row found is decoded in Python to name
  the field); and no transaction the stamp recorded may be missing.

Any damage raises `schema.JournalDamaged` (an InputError: one line, exit 2). The stamp also
carries the journal's identity (`PRAGMA application_id`, random per journal), so a salvaged
journal moved into place by the operator is taken as a new journal, not as lost transactions.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import InputError
from workbench.journal.schema import (
    ACTIONS,
    COLUMNS,
    SCHEMA_VERSION,
    STEP_STATES,
    TABLES,
    TXN_STATES,
    JournalDamaged,
    decode_event,
    decode_step,
    decode_txn,
)


@dataclass(frozen=True)
class Stamp:
    journal_id: int
    last_txn: int
    # The journal file as this tool left it after a clean close (`fingerprint`): a journal that
    # still matches was checked when it was opened and only written since by us, so the full
    # check (quick_check and the row scans, which grow with the journal) is skipped.
    verified: tuple[int, ...] | None = None


def stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".stamp")


def read_stamp(path: Path) -> Stamp | None:
    try:
        data = json.loads(stamp_path(path).read_text())
        seen = data.get("verified")
        verified = tuple(int(v) for v in seen) if isinstance(seen, list) else None
        return Stamp(int(data["journal_id"]), int(data["last_txn"]), verified)
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        # A stamp that cannot be read proves nothing either way; the next write replaces it.
        return None


def write_stamp(path: Path, stamp: Stamp) -> None:
    """Replace the stamp atomically (no fsync: a stamp that lags the journal by one
    transaction only weakens the check, it never reports damage that is not there)."""
    target = stamp_path(path)
    tmp = target.with_name(target.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        doc = {"journal_id": stamp.journal_id, "last_txn": stamp.last_txn, "verified": stamp.verified}
        os.write(fd, json.dumps(doc).encode())
    finally:
        os.close(fd)
    os.replace(tmp, target)


def fingerprint(path: Path) -> tuple[int, ...] | None:
    """Identity, size and mtime of the journal and its WAL: any outside change alters it."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    try:
        wal = os.stat(str(path) + "-wal")
        side = (wal.st_size, wal.st_mtime_ns)
    except OSError:
        side = (-1, -1)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, *side)


def left_as_verified(path: Path) -> bool:
    """Whether the journal is exactly as this tool left it after its last clean close."""
    stamp = read_stamp(path)
    return stamp is not None and stamp.verified is not None and stamp.verified == fingerprint(path)


def mark_verified(path: Path) -> None:
    """After a clean close: record the file as left (see `Stamp.verified`)."""
    stamp = read_stamp(path)
    if stamp is None:
        return
    try:
        write_stamp(path, Stamp(stamp.journal_id, stamp.last_txn, fingerprint(path)))
    except OSError:
        pass


def new_journal_id() -> int:
    # application_id is a signed 32-bit header field; 0 means "none".
    return secrets.randbelow((1 << 31) - 1) + 1


def check_presence(path: Path) -> bool:
    """Whether the journal file exists with content; JournalDamaged when its stamp says it held
    transactions but the file is missing or empty."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        size = -1
    if size > 0:
        return True
    stamp = read_stamp(path)
    if stamp is not None and stamp.last_txn > 0:
        what = "the file is missing" if size < 0 else "the file is empty (0 bytes)"
        raise JournalDamaged(
            str(path), f"{what} but it held {stamp.last_txn} transaction(s) (its stamp {stamp_path(path)})"
        )
    return False


def is_corruption(exc: sqlite3.Error) -> bool:
    name = getattr(exc, "sqlite_errorname", "")
    text = str(exc)
    return name in ("SQLITE_CORRUPT", "SQLITE_NOTADB") or "malformed" in text or "not a database" in text


def db_error(path: Path, exc: sqlite3.Error, doing: str = "open") -> InputError:
    """The one-line error for a failed SQLite call: damage, or the disk/permission problem."""
    if is_corruption(exc):
        return JournalDamaged(str(path), f"not a sound SQLite database ({exc})")
    return InputError(f"cannot {doing} the journal: {exc}", source=str(path), fix="check the path and disk")


def verify(db: sqlite3.Connection, path: Path, *, thorough: bool = True) -> int:
    """Check an open, existing journal; returns its schema version (0: a new, empty file).
    `thorough=False` (a journal `left_as_verified`) skips quick_check and the row scans."""
    where = str(path)
    try:
        rows = [r[0] for r in db.execute("PRAGMA quick_check(5)")] if thorough else ["ok"]
        if rows != ["ok"]:
            raise JournalDamaged(where, f"SQLite's quick_check fails ({'; '.join(map(str, rows))[:200]})")
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    except sqlite3.DatabaseError as exc:
        raise JournalDamaged(where, f"not a sound SQLite database ({exc})") from None
    ours = tables & set(TABLES)
    if version == 0:
        if ours:
            raise JournalDamaged(where, "the schema version is missing (user_version 0 with tables)")
        return 0
    if version > SCHEMA_VERSION:
        return version
    for table in TABLES:
        if table not in tables:
            raise JournalDamaged(where, f"the {table} table is missing")
        have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
        missing = sorted(set(COLUMNS[table]) - have)
        if missing:
            raise JournalDamaged(where, f"the {table} table lacks column {', '.join(missing)}")
    if thorough:
        _check_rows(db, where)
    return version


def _typeof_test(columns: dict[str, tuple[str, ...]]) -> str:
    return " OR ".join(
        f"typeof({name}) NOT IN ({', '.join(repr(k) for k in kinds)})" for name, kinds in columns.items()
    )


def _check_rows(db: sqlite3.Connection, where: str) -> None:
    """One scan per table for a row whose fields do not decode; the row found is decoded in
    Python, which names the field. Cheap enough for every open: SQLite does it in C."""
    txn_states = ", ".join(repr(s) for s in sorted(TXN_STATES))
    step_states = ", ".join(repr(s) for s in sorted(STEP_STATES))
    actions = ", ".join(repr(a) for a in sorted(ACTIONS))
    checks = (
        (
            "txn",
            f"{_typeof_test(COLUMNS['txn'])} OR state NOT IN ({txn_states})"
            " OR json_valid(plan_json) = 0 OR json_type(plan_json) != 'array'",
            decode_txn,
        ),
        (
            "step",
            f"{_typeof_test(COLUMNS['step'])} OR state NOT IN ({step_states}) OR action NOT IN ({actions})",
            decode_step,
        ),
        ("event", _typeof_test(COLUMNS["event"]), decode_event),
    )
    try:
        for table, test, decode in checks:
            row = db.execute(f"SELECT * FROM {table} WHERE {test} LIMIT 1").fetchone()
            if row is not None:
                decode(row, where)  # raises JournalDamaged naming the field
                raise JournalDamaged(where, f"a {table} row does not decode")
    except sqlite3.DatabaseError as exc:
        raise JournalDamaged(where, f"not a sound SQLite database ({exc})") from None


def stamp_problem(db: sqlite3.Connection, path: Path) -> str | None:
    """What the stamp says is missing from the journal (None: nothing), without writing."""
    journal_id = int(db.execute("PRAGMA application_id").fetchone()[0])
    last = int(db.execute("SELECT coalesce(max(id), 0) FROM txn").fetchone()[0])
    stamp = read_stamp(path)
    if stamp is not None and stamp.journal_id == journal_id and last < stamp.last_txn:
        return (
            f"transactions {last + 1}-{stamp.last_txn} are missing (the file was cut short or "
            "replaced by an older copy)"
        )
    return None


def check_stamp(db: sqlite3.Connection, path: Path) -> None:
    """No transaction the stamp recorded may be missing; stamp an unstamped (older or moved-in)
    journal with what it holds now."""
    problem = stamp_problem(db, path)
    if problem is not None:
        raise JournalDamaged(str(path), problem)
    journal_id = int(db.execute("PRAGMA application_id").fetchone()[0])
    last = int(db.execute("SELECT coalesce(max(id), 0) FROM txn").fetchone()[0])
    stamp = read_stamp(path)
    if stamp is None or stamp.journal_id != journal_id or stamp.last_txn != last:
        try:
            write_stamp(path, Stamp(journal_id, last, stamp.verified if stamp else None))
        except OSError:
            pass  # a read-only directory: the check is weaker, nothing is wrong
