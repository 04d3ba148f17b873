"""Use case "read the journal": every transaction, or one with its steps and events, as the
`journal` command prints them (text and JSON) and the Journal screen lists them."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.journal.store import Step, Txn
from workbench.journal.undo import UndoResult

__all__ = [
    "Event",
    "History",
    "JournalView",
    "Step",
    "Txn",
    "history",
    "journal_json",
    "journal_text",
    "read_journal",
    "transaction",
]

Event = tuple[float, str, str]  # wall time, kind, detail
History = tuple[Txn, list[Step], list[Event]]


@dataclass(frozen=True)
class JournalView:
    path: Path
    exists: bool
    txns: tuple[Txn, ...] = ()  # the listing, newest first
    detail: History | None = None  # one transaction, when asked for by id
    # Confirm windows found closed and rolled back before reading (the CLI says so on stderr).
    expired: tuple[UndoResult, ...] = ()


def read_journal(path: Path, txid: int | None = None) -> JournalView:
    """The listing, or transaction `txid` with its steps and events (InputError if unknown).
    Confirm windows that closed unconfirmed are rolled back first (`expire_overdue`)."""
    from workbench.journal.store import Journal, journal_exists
    from workbench.services.transactions import JournalAccess, expire_overdue

    if not journal_exists(path):
        return JournalView(path, False)
    expired = expire_overdue(JournalAccess(path))
    with Journal(path) as journal:
        if txid is not None:
            txn = journal.txn(txid)
            detail = (txn, journal.steps(txn.id), journal.events(txn.id))
            return JournalView(path, True, detail=detail, expired=expired)
        return JournalView(path, True, tuple(journal.txns(newest_first=True)), expired=expired)


def history(path: Path) -> list[History]:
    """Every transaction with its steps and events, newest first (the Journal screen); closed
    confirm windows are rolled back first, as at every start."""
    from workbench.journal.store import Journal, journal_exists
    from workbench.services.transactions import JournalAccess, expire_overdue

    if not journal_exists(path):
        return []
    expire_overdue(JournalAccess(path))
    with Journal(path) as journal:
        return [(t, journal.steps(t.id), journal.events(t.id)) for t in journal.txns(newest_first=True)]


def transaction(path: Path, txid: int) -> Txn:
    from workbench.journal.store import Journal

    with Journal(path) as journal:
        return journal.txn(txid)


# ---- renderings ----------------------------------------------------------------------------
def when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _step_json(s: Step) -> dict[str, Any]:
    return {
        "seq": s.seq,
        "action": s.action,
        "path": s.path,
        "cgroup": s.cgroup,
        "file": s.file,
        "inode": s.inode,
        "before": s.before,
        "value": s.value,
        "readback": s.readback,
        "errno": s.errno,
        "state": s.state,
        "detail": s.error,
        "origin": s.origin,
    }


def txn_json(txn: Txn, steps: Sequence[Step] | None = None) -> dict[str, Any]:
    from workbench.journal.clock import boot_clock

    doc: dict[str, Any] = {
        "id": txn.id,
        "state": txn.state,
        "subject": txn.subject,
        "operator": txn.operator,
        "host": txn.host,
        "boot_id": txn.boot_id,
        "created": when(txn.created_wall),
        "created_boot_seconds": txn.created_boot,
        "finished": when(txn.finished_wall) if txn.finished_wall else None,
        "cgroup_root": txn.cgroup_root,
        "writes": len(txn.plan),
        "reason": txn.reason,
        "timer": txn.timer or None,
    }
    if txn.confirm_deadline_boot is not None:
        doc["confirm_deadline_boot_seconds"] = txn.confirm_deadline_boot
        doc["confirm_seconds_left"] = round(txn.confirm_deadline_boot - boot_clock(), 3)
        doc["expired"] = txn.state == "pending_confirm" and doc["confirm_seconds_left"] <= 0
    if steps is not None:
        doc["steps"] = [_step_json(s) for s in steps]
    return doc


def journal_json(view: JournalView) -> dict[str, Any]:
    if view.detail is not None:
        txn, steps, events = view.detail
        doc = txn_json(txn, steps)
        doc["events"] = [{"at": when(a), "kind": k, "detail": d} for a, k, d in events]
        return doc
    return {"journal": str(view.path), "transactions": [txn_json(t) for t in view.txns]}


def _detail_text(detail: History) -> list[str]:
    txn, steps, events = detail
    lines = [
        f"transaction {txn.id}: {txn.state}  {txn.subject}",
        f"  by {txn.operator} on {txn.host} at {when(txn.created_wall)} UTC, boot {txn.boot_id}",
        f"  cgroup root {txn.cgroup_root}",
    ]
    if txn.reason:
        lines.append(f"  reason: {txn.reason}")
    for s in steps:
        what = "mkdir" if s.action == "mkdir" else f"{s.before!r} -> {s.value!r}"
        extra = f"  [{s.error}]" if s.error else ""
        lines.append(f"  {s.seq + 1:>3}. {s.state:<14} {s.target}: {what}{extra}")
    lines += [f"  {when(at)} {kind}{': ' + detail if detail else ''}" for at, kind, detail in events]
    return lines


def _listing_text(txns: Sequence[Txn]) -> list[str]:
    from workbench.journal.clock import boot_clock

    lines = [f"{'ID':>4}  {'STATE':<15} {'CREATED (UTC)':<19}  {'OPERATOR':<12} {'WRITES':>6}  SUBJECT"]
    for t in txns:
        extra = ""
        if t.state == "pending_confirm" and t.confirm_deadline_boot is not None:
            left = t.confirm_deadline_boot - boot_clock()
            extra = (
                f"  (confirm within {left:.0f}s: workbench confirm {t.id})"
                if left > 0
                else "  (expired: not confirmed in time; the next command that gets the lock rolls it back)"
            )
        lines.append(
            f"{t.id:>4}  {t.state:<15} {when(t.created_wall):<19}  {t.operator[:12]:<12} "
            f"{len(t.plan):>6}  {t.subject}{extra}"
        )
    return lines


def journal_text(view: JournalView) -> str:
    if not view.exists:
        lines = [f"{view.path}: no journal yet (nothing was ever committed)"]
    elif view.detail is not None:
        lines = _detail_text(view.detail)
    elif not view.txns:
        lines = [f"{view.path}: empty"]
    else:
        lines = _listing_text(view.txns)
    return "".join(f"{line}\n" for line in lines)
