"""Where the journal lives."""

from __future__ import annotations

import os
from pathlib import Path


def default_journal_path() -> Path:
    """`WORKBENCH_JOURNAL`, else /var/lib/workbench as root, else the XDG state directory."""
    env = os.environ.get("WORKBENCH_JOURNAL")
    if env:
        return Path(env)
    if os.geteuid() == 0:
        return Path("/var/lib/workbench/journal.db")
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "workbench" / "journal.db"


def lock_path(journal: Path) -> Path:
    return journal.with_name(journal.name + ".lock")
