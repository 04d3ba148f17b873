"""`workbench journal [TXID]`: the journal's transactions, or one transaction's writes and events."""

from __future__ import annotations

import argparse
from typing import Any

from workbench.cli.common import add_format_option, add_journal_option, emit, journal_path


def register(sub: Any) -> None:
    j = sub.add_parser("journal", help="list the journal's transactions, or one transaction's writes")
    j.add_argument(
        "txid", nargs="?", type=int, metavar="TXID", help="show this transaction's writes and events"
    )
    add_journal_option(j)
    add_format_option(j)
    j.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.services import journal_query as q
    from workbench.services.transactions import JournalAccess

    view = q.read_journal(JournalAccess(journal_path(args)).resolved(), args.txid)
    emit(args.format, view, q.journal_json, q.journal_text)
    return 0
