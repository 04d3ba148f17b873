"""Use cases "check the journal" and "salvage it" (`workbench journal --check`, `--salvage OUT`):
what a damaged journal still holds, and a new journal keeping all of it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.services.journal_query import when

if TYPE_CHECKING:
    from workbench.journal.salvage import Inspection


def check_journal(path: Path) -> Inspection:
    from workbench.journal.salvage import inspect

    return inspect(path)


def salvage_journal(path: Path, out: Path) -> Inspection:
    from workbench.journal.salvage import salvage

    return salvage(path, out)


def exit_code(report: Inspection) -> int:
    """0 sound, 1 damaged (what can be read is listed)."""
    return 0 if report.sound else 1


def check_json(report: Inspection, salvaged_to: Path | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "journal": str(report.path),
        "sound": report.sound,
        "damage": report.damage,
        "readable": [r.txn.id for r in report.readable],
        "unreadable": [{"txid": t, "why": why} for t, why in report.unreadable],
        "live": [{"txid": t.id, "state": t.state, "subject": t.subject} for t in report.live()],
    }
    if salvaged_to is not None:
        doc["salvaged_to"] = str(salvaged_to)
        doc["damaged_copy"] = f"{salvaged_to}.damaged"
    return doc


def check_text(report: Inspection, salvaged_to: Path | None = None) -> str:
    lines: list[str] = []
    count = len(report.readable)
    if report.sound and not report.path.exists():
        lines.append(f"{report.path}: no journal yet (nothing was ever committed)")
    elif report.sound:
        lines.append(f"{report.path}: sound, {count} transaction(s)")
    else:
        lines.append(f"{report.path}: DAMAGED: {report.damage}")
        lines.append(f"  readable: {count} transaction(s){_ids([r.txn.id for r in report.readable])}")
    for txid, why in report.unreadable:
        lines.append(f"  unreadable: transaction {txid}: {why} (never rolled back from here)")
    for t in report.live():
        created = when(t.created_wall)
        lines.append(f"  may be live: transaction {t.id} {t.state} {t.subject} (created {created} UTC)")
    if salvaged_to is not None:
        lines.append(f"salvaged {count} transaction(s) into {salvaged_to}; the damaged journal is kept as "
                     f"{salvaged_to}.damaged")
        lines.append(f"  to go on with it: workbench ... --journal {salvaged_to}  (or move it over "
                     f"{report.path} after removing {report.path}-wal)")
    elif not report.sound:
        lines.append(f"  keep what can be read: workbench journal --journal {report.path} --salvage OUT.db")
    return "".join(f"{line}\n" for line in lines)


def _ids(ids: list[int]) -> str:
    return f" ({', '.join(map(str, ids))})" if ids else ""
