"""`workbench rollback [TXID]`: undo a transaction (default: the newest live one); values
changed since by someone else are kept. The confirm timer runs `rollback --if-unconfirmed`."""

from __future__ import annotations

import argparse

from workbench.cli.common import (
    add_format_option,
    add_journal_option,
    add_wait_option,
    emit,
    journal_path,
    warn,
)

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def register(sub: Any) -> None:
    r = sub.add_parser(
        "rollback",
        help="undo a transaction (default: the newest live one); values changed since by others are kept",
    )
    r.add_argument("txid", nargs="?", type=int, metavar="TXID")
    r.add_argument("--cgroup-root", metavar="DIR", help="the tree to undo in (default: where it was applied)")
    r.add_argument(
        "--if-unconfirmed", action="store_true", help="only if TXID still waits for confirmation (the timer)"
    )
    add_journal_option(r)
    add_wait_option(r)
    add_format_option(r)
    r.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.services import transactions as t

    journal = t.JournalAccess(journal_path(args), wait=args.wait, report_waiting=True)
    done = t.rollback(journal, args.txid, if_unconfirmed=args.if_unconfirmed, cgroup_root=args.cgroup_root)
    warn(t.recovery_lines(done.recovered))
    emit(args.format, done, t.rollback_json, t.rollback_text)
    return done.exit_code
