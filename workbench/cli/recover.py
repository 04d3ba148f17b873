"""`workbench recover`: finish what a crash or a reboot left (every writing command does it
first anyway)."""

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
    v = sub.add_parser(
        "recover", help="finish what a crash or reboot left: roll back interrupted transactions"
    )
    add_journal_option(v)
    add_wait_option(v)
    add_format_option(v)
    v.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from workbench.services import transactions as t

    done = t.recover(t.JournalAccess(journal_path(args), wait=args.wait, report_waiting=True))
    warn(t.recovery_lines(done))
    emit(args.format, done, t.recover_json, t.recover_text)
    return 0
