"""Use case "drift" (`workbench drift`): compare the kubelet's checkpoint and the values our
journal wrote with the live cgroups."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from workbench.services.commit import open_tree
from workbench.services.source import NodeSource

if TYPE_CHECKING:
    from workbench.cgroups.drift import Drift
    from workbench.journal.store import Journal


@dataclass(frozen=True)
class DriftReport:
    cgroup_root: Path
    checkpoint_checked: bool
    journal_values: int
    found: tuple[Drift, ...]

    @property
    def exit_code(self) -> int:
        return 1 if self.found else 0


def journal_expectations(journal: Journal, cgroup_root: Path) -> list[tuple[str, str]]:
    """(path, value) the journal last wrote under `cgroup_root` in transactions still live
    (this boot's only: cgroups do not survive a reboot)."""
    from workbench.journal import store

    last: dict[str, str] = {}
    for txn in journal.txns(states=store.LIVE):
        if txn.boot_id != journal.boot_id or Path(txn.cgroup_root).resolve() != cgroup_root.resolve():
            continue
        for step in journal.steps(txn.id):
            if step.state != store.S_VERIFIED:
                continue
            if step.action == "mkdir":
                last[step.cgroup] = ""
            else:
                last[f"{step.cgroup}/{step.file}" if step.cgroup else step.file] = step.value
    return sorted(last.items())


def check_drift(
    cgroup_root: Path | None,
    source: NodeSource,
    *,
    driver: Literal["systemd", "cgroupfs"] = "systemd",
    journal_path: Path | None = None,
) -> DriftReport:
    """Checkpoint drift when `source` names a kubelet directory, then journal drift. A bundle
    brings its cgroup tree and kubelet files; this machine's journal says nothing about it."""
    from workbench.cgroups.drift import find_drift
    from workbench.errors import InputError
    from workbench.journal.store import Journal, journal_exists
    from workbench.services.source import load_node, opened
    from workbench.services.transactions import JournalAccess

    with opened(source, cgroup=True) as o:
        if source.bundle is not None:
            if cgroup_root is not None:
                raise InputError("--bundle brings its own cgroup tree", fix="drop --cgroup-root")
            if o.cgroup_root is None:
                raise InputError(
                    "the bundle holds no cgroup tree",
                    source=str(source.bundle),
                    fix="capture with --cgroup-root",
                )
        elif cgroup_root is None:
            raise InputError("no cgroup tree", fix="give --cgroup-root DIR (or --bundle FILE)")
        fs = open_tree(o.cgroup_root or cgroup_root or Path())
        state = load_node(o.source).state if o.source.kubelet_dir is not None else None
        expectations: list[tuple[str, str]] = []
        path = JournalAccess(journal_path).resolved()
        if source.bundle is None and journal_exists(path):
            from workbench.services.transactions import expire_overdue

            expire_overdue(JournalAccess(path))
            with Journal(path) as journal:
                expectations = journal_expectations(journal, fs.root)
        found = find_drift(fs, state=state, driver=driver, expectations=expectations)
    shown = Path(f"{source.bundle}:cgroup") if source.bundle is not None else fs.root
    return DriftReport(shown, state is not None, len(expectations), tuple(found))


def drift_json(report: DriftReport) -> dict[str, Any]:
    return {
        "cgroup_root": str(report.cgroup_root),
        "checked": {"checkpoint": report.checkpoint_checked, "journal_values": report.journal_values},
        "drift": [
            {
                "path": d.path,
                "expected": d.expected,
                "actual": d.actual,
                "source": d.source,
                "detail": d.detail,
            }
            for d in report.found
        ],
    }


def drift_text(report: DriftReport) -> str:
    if not report.found:
        what = ["the kubelet checkpoint"] if report.checkpoint_checked else []
        what.append(f"{report.journal_values} values from the journal")
        return f"no drift under {report.cgroup_root} (checked {' and '.join(what)})\n"
    lines = []
    for d in report.found:
        actual = "(missing)" if d.actual is None else repr(d.actual)
        lines.append(
            f"{d.source}: {report.cgroup_root / d.path}: expected {d.expected!r}, live {actual}  {d.detail}"
        )
    return "".join(f"{line}\n" for line in lines)
