"""`workbench confirm TXID`: keep a change applied with --confirm-within."""

from __future__ import annotations

import argparse

from workbench.cli.common import add_journal_option, journal_path

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any) -> None:
    f = sub.add_parser("confirm", help="keep a change applied with --confirm-within")
    f.add_argument("txid", type=int, metavar="TXID")
    add_journal_option(f)
    f.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.services import transactions as t

    print(t.confirm(t.JournalAccess(journal_path(args)), args.txid))
    return 0
