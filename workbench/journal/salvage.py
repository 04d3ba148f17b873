"""`journal --check` and `journal --salvage OUT.db`: what of a damaged journal can still be read.

Both work on a private copy of the journal (and its `-wal`), so the damaged file is never
written, not even by SQLite replaying its WAL. A transaction can be read when its row and every
one of its steps decode (`schema.decode_*`); its events are kept when they decode too. Rows are
found by id even when a table's b-tree is broken (each id is looked up on its own), up to the
largest id the stamp, `sqlite_sequence` or a scan knows of.

Salvage writes the readable transactions, ids unchanged, into a new journal at OUT (refused if
OUT exists) and copies the damaged journal beside it as `OUT.damaged` (again refused if that
exists): nothing is ever overwritten. Unreadable transactions are listed, never rolled back.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from workbench.errors import InputError
from workbench.journal import check
from workbench.journal.schema import (
    COLUMNS,
    LIVE,
    NEEDS_OPERATOR,
    UNFINISHED,
    JournalDamaged,
    Step,
    Txn,
    decode_event,
    decode_step,
    decode_txn,
)

# Ids probed one by one when no scan of the txn table works and nothing else says how many.
PROBE_WITHOUT_HINT = 10_000


@dataclass
class Readable:
    txn: Txn
    steps: list[sqlite3.Row]
    events: list[sqlite3.Row]
    events_lost: bool = False


@dataclass
class Inspection:
    path: Path
    damage: str | None  # the one-line description, None when the journal is sound
    readable: list[Readable] = field(default_factory=list)
    unreadable: list[tuple[int, str]] = field(default_factory=list)  # (txid, why)

    @property
    def sound(self) -> bool:
        return self.damage is None

    def live(self) -> list[Txn]:
        """Readable transactions whose change may be in the kernel (or half done)."""
        states = (*LIVE, *UNFINISHED, NEEDS_OPERATOR)
        return [r.txn for r in self.readable if r.txn.state in states]


def _damage(path: Path, db: sqlite3.Connection | None) -> str | None:
    """The open-time checks of `check.py`, run on the private copy (nothing is written)."""
    try:
        if not check.check_presence(path) or db is None:
            return None
        if check.verify(db, path) == 0:
            return None
        return check.stamp_problem(db, path)
    except JournalDamaged as exc:
        return exc.what
    except sqlite3.DatabaseError as exc:
        return f"not a sound SQLite database ({exc})"


@contextmanager
def _copy(path: Path) -> Iterator[sqlite3.Connection | None]:
    """A connection to a private copy of the journal; None when there is no file to copy."""
    with tempfile.TemporaryDirectory(prefix="workbench-salvage-") as tmp:
        copy = Path(tmp) / "journal.db"
        try:
            shutil.copyfile(path, copy)
        except FileNotFoundError:
            yield None
            return
        for suffix in ("-wal",):
            side = Path(str(path) + suffix)
            if side.exists():
                shutil.copyfile(side, Path(str(copy) + suffix))
        db = sqlite3.connect(copy, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            yield db
        finally:
            db.close()


def _try(db: sqlite3.Connection, sql: str, args: tuple[object, ...] = ()) -> list[sqlite3.Row] | None:
    try:
        return list(db.execute(sql, args))
    except sqlite3.DatabaseError:
        return None


def _ids(db: sqlite3.Connection, path: Path) -> list[int]:
    scanned = _try(db, "SELECT id FROM txn ORDER BY id")
    if scanned is not None:
        return [int(r[0]) for r in scanned if isinstance(r[0], int)]
    hints = [0]
    stamp = check.read_stamp(path)
    if stamp is not None:
        hints.append(stamp.last_txn)
    seq = _try(db, "SELECT seq FROM sqlite_sequence WHERE name='txn'")
    if seq and isinstance(seq[0][0], int):
        hints.append(seq[0][0])
    top = max(hints) or PROBE_WITHOUT_HINT
    return list(range(1, top + 1))


def _read(db: sqlite3.Connection, txid: int, where: str) -> Readable | str | None:
    """The transaction, a reason it cannot be read, or None when there is no such row."""
    rows = _try(db, "SELECT * FROM txn WHERE id=?", (txid,))
    if rows is None:
        return "its row is on a damaged page"
    if not rows:
        return None
    prefix = f"transaction {txid}"
    steps = _try(db, "SELECT * FROM step WHERE txn_id=? ORDER BY seq", (txid,))
    if steps is None:
        return "its steps cannot be read (damaged page, or the step table is missing)"
    try:
        decoded: list[Step] = [decode_step(s, where) for s in steps]
    except JournalDamaged as exc:
        return exc.what.removeprefix(prefix + " ")
    try:
        txn = decode_txn(rows[0], where)
    except JournalDamaged as exc:
        if "plan_json" not in exc.what or not decoded:
            return exc.what.removeprefix(prefix + ": ")
        # The steps hold all the plan did (target, value, before-image): rebuild it from them.
        fixed = _Row({k: rows[0][k] for k in rows[0].keys()}, plan_json=json.dumps(_plan_of(decoded)))
        try:
            txn = decode_txn(fixed, where)
        except JournalDamaged as again:
            return again.what.removeprefix(prefix + ": ")
    if len(decoded) != len(txn.plan):
        return f"{len(txn.plan) - len(decoded)} of its {len(txn.plan)} steps are missing"
    events = _try(db, "SELECT * FROM event WHERE txn_id=? ORDER BY id", (txid,))
    lost = events is None
    try:
        for e in events or []:
            decode_event(e, where)
    except JournalDamaged:
        lost, events = True, []
    return Readable(txn, steps, events or [], events_lost=lost)


class _Row(dict[str, object]):
    def __init__(self, base: dict[str, object], **override: object) -> None:
        super().__init__(base)
        self.update(override)


def _plan_of(steps: list[Step]) -> list[dict[str, object]]:
    return [
        {"cgroup": s.cgroup, "file": s.file, "value": s.value, "action": s.action, "before": s.before,
         "reason": s.reason}
        for s in steps
    ]


def inspect(path: Path) -> Inspection:
    """What the journal at `path` holds that can still be read (the file is not written)."""
    path = Path(path)
    with _copy(path) as db:
        report = Inspection(path, _damage(path, db))
        if db is None:
            return report
        has_table = _try(db, "SELECT 1 FROM sqlite_master WHERE type='table' AND name='txn'")
        for txid in _ids(db, path):
            if not has_table:
                report.unreadable.append((txid, "lost with the file (no txn table left)"))
                continue
            got = _read(db, txid, str(path))
            if isinstance(got, Readable):
                report.readable.append(got)
            elif got is not None:
                report.unreadable.append((txid, got))
    return report


def salvage(path: Path, out: Path) -> Inspection:
    """Write every readable transaction of `path` into a new journal at `out`; keep the damaged
    journal beside it as `out.damaged`. Neither `out` nor `out.damaged` may exist."""
    from workbench.journal.store import Journal

    path, out = Path(path), Path(out)
    kept = Path(str(out) + ".damaged")
    for target in (out, kept, check.stamp_path(out)):
        if target.exists() or target.is_symlink():
            raise InputError(
                f"{target} exists; salvage never overwrites a file", field="--salvage", fix="give a new path"
            )
    if out.resolve() == path.resolve():
        raise InputError("salvage writes a new journal, not over the damaged one", field="--salvage")
    report = inspect(path)
    try:
        out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if path.exists():
            shutil.copyfile(path, kept)
            wal = Path(str(path) + "-wal")
            if wal.exists():
                shutil.copyfile(wal, Path(str(kept) + "-wal"))
    except OSError as exc:
        raise InputError(f"cannot write {kept}: {exc.strerror or exc}", field="--salvage") from exc
    with Journal(out) as journal, journal.transaction() as db:
        for r in report.readable:
            _insert(db, r.txn, r.steps, r.events)
        lost = ", ".join(str(t) for t, _ in report.unreadable) or "none"
        journal._event(db, None, "salvaged", f"from {path}: kept {len(report.readable)}, lost {lost}")
    with Journal(out):
        pass  # re-stamps the new journal with its last transaction
    return report


def _insert(db: sqlite3.Connection, txn: Txn, steps: list[sqlite3.Row], events: list[sqlite3.Row]) -> None:
    cols = list(COLUMNS["txn"])
    values = [json.dumps(txn.plan) if c == "plan_json" else getattr(txn, c) for c in cols]
    db.execute(f"INSERT INTO txn ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})", values)
    step_cols = list(COLUMNS["step"])
    db.executemany(
        f"INSERT INTO step ({', '.join(step_cols)}) VALUES ({', '.join('?' * len(step_cols))})",
        [[s[c] for c in step_cols] for s in steps],
    )
    event_cols = [c for c in COLUMNS["event"] if c != "id"]
    db.executemany(
        f"INSERT INTO event ({', '.join(event_cols)}) VALUES ({', '.join('?' * len(event_cols))})",
        [[e[c] for c in event_cols] for e in events],
    )
