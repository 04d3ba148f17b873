"""`workbench journal [TXID]`: the journal's transactions, or one transaction's writes and events."""

from __future__ import annotations

import argparse

from workbench.cli.common import add_format_option, add_journal_option, emit, journal_path, warn

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any) -> None:
    j = sub.add_parser("journal", help="list the journal's transactions, or one transaction's writes")
    j.add_argument(
        "txid", nargs="?", type=int, metavar="TXID", help="show this transaction's writes and events"
    )
    mode = j.add_mutually_exclusive_group()
    mode.add_argument(
        "--check", action="store_true", help="check the journal: what is damaged, what can still be read"
    )
    mode.add_argument(
        "--salvage",
        metavar="OUT.db",
        help="copy every transaction that can still be read into a new journal OUT.db "
        "(the damaged one is kept as OUT.db.damaged; nothing is overwritten)",
    )
    add_journal_option(j)
    add_format_option(j)
    j.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from workbench.services import journal_query as q
    from workbench.services.transactions import JournalAccess, recovery_lines

    path = JournalAccess(journal_path(args)).resolved()
    if args.check or args.salvage:
        from workbench.services import journal_repair as r

        out = Path(args.salvage) if args.salvage else None
        report = r.salvage_journal(path, out) if out is not None else r.check_journal(path)
        emit(args.format, report, lambda x: r.check_json(x, out), lambda x: r.check_text(x, out))
        return r.exit_code(report) if out is None else 0
    view = q.read_journal(path, args.txid)
    warn(recovery_lines(view.expired))
    emit(args.format, view, q.journal_json, q.journal_text)
    return 0
