"""Use case "commit a pod manifest" (`workbench commit`): admit it, plan its writes, and with
`apply` write them through the journal. Two steps so a face can show the plan before anything is
written: `prepare_commit` (no writes) and `finish_commit` (the apply, if asked for).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from workbench.errors import InputError
from workbench.kube.duration import SECOND, parse_duration_ns
from workbench.services.commit import Applied, CgroupTarget, PlannedCommit
from workbench.services.source import NodeSource
from workbench.services.transactions import JournalAccess

if TYPE_CHECKING:
    from workbench.admission.decision import Decision

# A bare number is seconds here (`--confirm-within 45`); Go's parser wants a unit.
_PLAIN_SECONDS = re.compile(r"\d+(\.\d+)?")


def parse_duration(text: str) -> float:
    """ "2m", "90s", "1m30s", "1h", "500ms" (Go's `time.ParseDuration`) or plain seconds -> seconds."""
    t = text.strip()
    try:
        ns = parse_duration_ns(t + "s" if _PLAIN_SECONDS.fullmatch(t) else t)
    except ValueError as exc:
        raise InputError(
            f"cannot read duration: {exc}", field="--confirm-within", fix="write e.g. 2m, 90s or 1m30s"
        ) from None
    if ns <= 0:
        raise InputError(
            "the confirm window must be longer than zero", field="--confirm-within", fix="e.g. 2m"
        )
    return ns / SECOND


def parse_pairs(items: Sequence[str] | None, option: str, what: str) -> dict[str, str]:
    """`NAME=VALUE` options (`--container-id app=ID`) -> {NAME: VALUE}."""
    out: dict[str, str] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise InputError(
                f"expected NAME={what}, got {item!r}", field=option, fix=f"e.g. {option} app={what}"
            )
        out[name] = value
    return out


def parse_attach(items: Sequence[str] | None) -> dict[str, int]:
    """`--attach CONTAINER=PID` options -> {container: pid}."""
    attach: dict[str, int] = {}
    for name, pid in parse_pairs(items, "--attach", "PID").items():
        if not pid.isdigit() or int(pid) <= 0:
            raise InputError(
                f"PID {pid!r} is not a process id", field="--attach", fix="e.g. --attach app=1234"
            )
        attach[name] = int(pid)
    return attach


@dataclass(frozen=True)
class CommitRequest:
    pod_file: str
    source: NodeSource
    target: CgroupTarget
    journal: JournalAccess
    pod_name: str | None = None
    apply: bool = False
    # The confirm window as the operator wrote it ("2m"); None: no window.
    confirm_within: str | None = None

    def __post_init__(self) -> None:
        if self.confirm_within is not None:
            parse_duration(self.confirm_within)  # a bad duration fails before any work is done
            if not self.apply:
                raise InputError(
                    "--confirm-within needs --apply", field="--confirm-within", fix="add --apply"
                )

    @property
    def confirm_seconds(self) -> float | None:
        return parse_duration(self.confirm_within) if self.confirm_within is not None else None


@dataclass(frozen=True)
class CommitOutcome:
    request: CommitRequest
    decision: Decision
    planned: PlannedCommit | None = None  # None: rejected, nothing planned
    applied: Applied | None = None

    @property
    def exit_code(self) -> int:
        """0 planned or applied, 1 rejected or not applied."""
        if self.planned is None or (self.applied is not None and not self.applied.ok):
            return 1
        return 0


def prepare_commit(request: CommitRequest) -> CommitOutcome:
    """Admit the pod and plan its writes against the live tree; nothing is written."""
    from workbench.services.admit import decide
    from workbench.services.commit import plan_decision
    from workbench.services.pods import load_pod_file
    from workbench.services.source import load_node

    pod = load_pod_file(request.pod_file, request.pod_name)
    node = load_node(request.source)
    decision = decide(node.topology, node.config, node.state, pod)
    if not decision.admitted:
        return CommitOutcome(request, decision)
    return CommitOutcome(request, decision, plan_decision(decision, request.target))


def finish_commit(outcome: CommitOutcome) -> CommitOutcome:
    """Apply the plan when the request asks for it and there is anything to write."""
    from workbench.services.commit import apply_planned

    planned, request = outcome.planned, outcome.request
    if planned is None or not request.apply or not planned.writes:
        return outcome
    applied = apply_planned(
        planned, request.journal, subject=planned.decision.pod_key, confirm_within=request.confirm_seconds
    )
    return replace(outcome, applied=applied)


# ---- renderings ----------------------------------------------------------------------------
def commit_json(outcome: CommitOutcome) -> dict[str, Any]:
    d, applied = outcome.decision, outcome.applied
    # The writes that were applied: the plan made again when recovery changed the tree first.
    planned = applied.planned if applied is not None else outcome.planned
    if planned is None:
        return {
            "pod": d.pod_key,
            "admitted": False,
            "reason": d.reason,
            "message": d.message,
            "writes": [],
            "applied": False,
        }
    fs = planned.fs
    doc: dict[str, Any] = {
        "pod": d.pod_key,
        "admitted": True,
        "cgroup_root": str(fs.root),
        "layout": planned.target.layout,
        "pod_cgroup": planned.pod_cgroup,
        "writes": [
            {
                "path": fs.display(w.cgroup, w.file),
                "cgroup": w.cgroup,
                "file": w.file,
                "action": w.action,
                "before": w.before,
                "value": w.value,
                "reason": w.reason,
            }
            for w in planned.writes
        ],
        "notes": list(planned.notes),
        "applied": False,
    }
    if applied is not None:
        r = applied.result
        doc.update(
            applied=r.ok,
            txid=r.txid,
            state=applied.txn.state,
            reason=r.reason,
            steps=[{"target": t, "state": s, "detail": dt} for t, s, dt in r.steps],
        )
        if outcome.request.confirm_within is not None:
            doc["confirm_within_seconds"] = outcome.request.confirm_seconds
            doc["timer"] = applied.txn.timer
    return doc


def plan_text(outcome: CommitOutcome) -> str:
    """The verdict or the diff: what is printed before anything is written."""
    d, planned = outcome.decision, outcome.planned
    if planned is None:
        return f"rejected: {d.reason}: {d.message}; nothing planned or written\n"
    lines = [f"plan for {d.pod_key} under {planned.fs.root} ({planned.target.layout} layout):"]
    lines.append(planned.diff_text())
    lines += [f"note: {note}" for note in planned.notes]
    return "".join(f"{line}\n" for line in lines)


def result_text(outcome: CommitOutcome) -> str:
    """What happened after the plan: a dry run, nothing to do, or the transaction's outcome."""
    planned, applied, request = outcome.planned, outcome.applied, outcome.request
    if planned is None:
        return ""
    if applied is None:
        if not planned.writes:
            return "nothing to do: the live tree already matches\n"
        return "dry run: nothing written (add --apply to write it)\n"
    r = applied.result
    lines = []
    if applied.replanned:
        lines.append("recovery changed the tree since the plan above; planned again and applied:")
        lines.append(applied.planned.diff_text())
    if not r.ok:
        from workbench.services.transactions import leftover_lines

        lines.append(f"transaction {r.txid} not applied: {r.reason}")
        if r.undo is not None:
            lines += leftover_lines(r.undo)
        return "".join(f"{line}\n" for line in lines)
    lines.append(
        f"transaction {r.txid} applied: {len(applied.planned.writes)} writes, each read back as intended"
    )
    if request.confirm_within is not None:
        lines.append(
            f"confirm within {request.confirm_within} with `workbench confirm {r.txid}`, "
            f"or it is rolled back (timer: {applied.txn.timer})"
        )
    else:
        lines.append(f"undo with `workbench rollback {r.txid}`")
    return "".join(f"{line}\n" for line in lines)
