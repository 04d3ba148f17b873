"""The journal's schema and its rows, each field typed and decoded before use.

A row that does not decode (a field of the wrong type, `plan_json` that is not a JSON list of
writes, a state this version does not know) raises `JournalDamaged` naming the row and the
field: nothing is ever undone from a row that was not fully understood.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from workbench.errors import InputError

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
NEEDS_OPERATOR = "needs_operator"  # an undo failed: what is left is listed, recover retries
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
S_UNDO_FAILED = "undo_failed"  # the undo itself was refused: left for the operator
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


TXN_STATES = frozenset(
    {APPLYING, NEEDS_OPERATOR, PENDING_CONFIRM, APPLIED, CONFIRMED, ROLLING_BACK, ROLLED_BACK, ABORTED, VOID}
)
STEP_STATES = frozenset(
    {S_PLANNED, S_INTENT, S_VERIFIED, S_FAILED, S_UNDONE, S_CONFLICT, S_VOID, S_SKIPPED, S_UNDO_FAILED}
)
ACTIONS = frozenset({"mkdir", "write"})
TABLES = ("txn", "step", "event")

# Column -> SQLite types it may hold ("null" for nullable columns); also what `check.py`
# verifies for every row in SQL when a journal is opened.
TXN_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("integer",),
    "state": ("text",),
    "operator": ("text",),
    "host": ("text",),
    "boot_id": ("text",),
    "created_wall": ("real", "integer"),
    "created_boot": ("real", "integer"),
    "cgroup_root": ("text",),
    "subject": ("text",),
    "plan_json": ("text",),
    "confirm_deadline_boot": ("real", "integer", "null"),
    "timer": ("text",),
    "reason": ("text",),
    "finished_wall": ("real", "integer", "null"),
}
STEP_COLUMNS: dict[str, tuple[str, ...]] = {
    "txn_id": ("integer",),
    "seq": ("integer",),
    "action": ("text",),
    "cgroup": ("text",),
    "file": ("text",),
    "path": ("text",),
    "inode": ("integer", "null"),
    "before": ("text", "null"),
    "value": ("text",),
    "reason": ("text",),
    "origin": ("text", "null"),
    "readback": ("text", "null"),
    "errno": ("integer", "null"),
    "error": ("text",),
    "state": ("text",),
    "written_wall": ("real", "integer", "null"),
    "undone_wall": ("real", "integer", "null"),
}
EVENT_COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("integer",),
    "txn_id": ("integer", "null"),
    "at_wall": ("real", "integer"),
    "at_boot": ("real", "integer"),
    "kind": ("text",),
    "detail": ("text",),
}
COLUMNS = {"txn": TXN_COLUMNS, "step": STEP_COLUMNS, "event": EVENT_COLUMNS}
_PY_TYPES: dict[str, tuple[type, ...]] = {"integer": (int,), "real": (float, int), "text": (str,)}


class Row(Protocol):
    """What the decoders need of a row: `sqlite3.Row`, or a dict-backed stand-in (salvage)."""

    def keys(self) -> Iterable[str]: ...

    def __getitem__(self, key: str) -> Any: ...


class JournalDamaged(InputError):
    """The journal file, or a row in it, cannot be read as this version wrote it.

    Every command refuses to go on (so nothing is written and nothing is undone from a row
    that was not understood) until the operator has looked (`workbench journal --check`) and
    kept what can be read (`workbench journal --salvage OUT.db`).
    """

    def __init__(self, path: str, what: str) -> None:
        super().__init__(
            f"the journal is damaged: {what}; writes are refused",
            source=path,
            fix=f"see what can be read with `workbench journal --check --journal {path}`, "
            "keep it with `workbench journal --salvage OUT.db`",
        )
        self.what = what


def _typed(row: Row, columns: dict[str, tuple[str, ...]], where: str, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kinds in columns.items():
        try:
            value = row[name]
        except (IndexError, KeyError):
            raise JournalDamaged(path, f"{where}: column {name} is missing") from None
        if value is None:
            if "null" not in kinds:
                raise JournalDamaged(path, f"{where}: {name} is empty")
        elif isinstance(value, bool) or not any(
            isinstance(value, t) for k in kinds if k != "null" for t in _PY_TYPES[k]
        ):
            raise JournalDamaged(path, f"{where}: {name} is {_sql_type(value)}, not {' or '.join(kinds)}")
        out[name] = float(value) if "real" in kinds and isinstance(value, int) else value
    return out


def _sql_type(value: object) -> str:
    return {int: "integer", float: "real", str: "text", bytes: "blob"}.get(type(value), type(value).__name__)


def _plan(text: str, where: str, path: str) -> list[dict[str, Any]]:
    try:
        plan = json.loads(text)
    except ValueError:
        raise JournalDamaged(path, f"{where}: plan_json is not JSON") from None
    if not isinstance(plan, list) or not all(isinstance(w, dict) for w in plan):
        raise JournalDamaged(path, f"{where}: plan_json is not a list of writes")
    return plan


def decode_txn(row: Row, path: str) -> Txn:
    where = f"transaction {row['id']!r}" if "id" in row.keys() else "a transaction row"
    fields = _typed(row, TXN_COLUMNS, where, path)
    if fields["state"] not in TXN_STATES:
        raise JournalDamaged(path, f"{where}: unknown state {fields['state']!r}")
    plan = _plan(fields.pop("plan_json"), where, path)
    return Txn(plan=plan, **fields)


def decode_step(row: Row, path: str) -> Step:
    keys = row.keys()
    where = (
        f"transaction {row['txn_id']!r} step {row['seq']!r}"
        if "txn_id" in keys and "seq" in keys
        else "a step row"
    )
    fields = _typed(row, STEP_COLUMNS, where, path)
    if fields["state"] not in STEP_STATES:
        raise JournalDamaged(path, f"{where}: unknown state {fields['state']!r}")
    if fields["action"] not in ACTIONS:
        raise JournalDamaged(path, f"{where}: unknown action {fields['action']!r}")
    fields.pop("written_wall")
    fields.pop("undone_wall")
    return Step(**fields)


def decode_event(row: Row, path: str) -> tuple[float, str, str]:
    fields = _typed(row, EVENT_COLUMNS, f"event {row['id']!r}", path)
    return (fields["at_wall"], fields["kind"], fields["detail"])
