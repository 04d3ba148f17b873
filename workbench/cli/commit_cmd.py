"""The write side: `commit`, `journal`, `rollback`, `confirm`, `recover`, `drift`, `sandbox init`.

Nothing is written without `commit --apply`, and nothing is written without a journal entry
first. Every command that may write takes the operator lock and runs recovery before
anything else, so a crash or a reboot is dealt with by whoever comes next.
"""

from __future__ import annotations

import argparse
import datetime
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.cli.common import add_format_option, add_node_options, emit_json, load_node, require_file
from workbench.errors import InputError

if TYPE_CHECKING:
    from workbench.cgroups.fs import CgroupFS
    from workbench.journal.session import Session
    from workbench.journal.store import Journal, Step, Txn
    from workbench.journal.undo import UndoResult

_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str) -> float:
    """ "2m", "90s", "1m30s", "1h", "500ms" or plain seconds -> seconds."""
    t = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", t):
        secs = float(t)
    else:
        parts = _DURATION.findall(t)
        if not parts or "".join(n + u for n, u in parts) != t:
            raise InputError(
                f"cannot read duration {text!r}", field="--confirm-within", fix="write e.g. 2m, 90s or 1m30s"
            )
        secs = sum(float(n) * _UNIT[u] for n, u in parts)
    if secs <= 0:
        raise InputError(
            "the confirm window must be longer than zero", field="--confirm-within", fix="e.g. 2m"
        )
    return secs


def _pairs(items: Sequence[str] | None, option: str, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise InputError(
                f"expected NAME={what}, got {item!r}", field=option, fix=f"e.g. {option} app={what}"
            )
        out[name] = value
    return out


def _add_journal_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--journal",
        metavar="PATH",
        help="journal file (default: $WORKBENCH_JOURNAL, /var/lib/workbench/journal.db as root, "
        "else $XDG_STATE_HOME/workbench/journal.db)",
    )


def _add_wait_option(p: argparse.ArgumentParser, default: float = 10.0) -> None:
    p.add_argument(
        "--wait",
        type=float,
        default=default,
        metavar="SECONDS",
        help=f"how long to wait for another operator's lock (default {default:g})",
    )


def register(sub: Any) -> None:
    c: argparse.ArgumentParser = sub.add_parser(
        "commit",
        help="turn a pod's admission decision into cgroup writes: show the diff, or --apply it",
        description=(
            "Plan the cgroup v2 writes that give POD the placement the kubelet would decide, and "
            "print them as a diff (path: old -> new). Nothing is written without --apply; with it, "
            "each write is journaled first, read back after, and undone on any failure. "
            "Exit 0 planned/applied, 1 rejected or not applied, 2 bad input."
        ),
    )
    c.add_argument("pod_file", metavar="POD.yaml", help="a Pod or workload manifest; - reads stdin")
    c.add_argument("--pod", metavar="NAME", help="which pod, when the file holds several")
    add_node_options(c)
    c.add_argument(
        "--cgroup-root",
        required=True,
        metavar="DIR",
        help="the cgroup v2 root (only paths under it are written)",
    )
    c.add_argument("--layout", choices=("standalone", "systemd", "cgroupfs"), default="standalone")
    c.add_argument(
        "--parent", default="workbench.slice", metavar="CGROUP", help="standalone layout: parent cgroup"
    )
    c.add_argument(
        "--attach",
        action="append",
        metavar="CONTAINER=PID",
        help="standalone: move PID into the container's cgroup",
    )
    c.add_argument(
        "--container-id", action="append", metavar="NAME=ID", help="kubelet layouts: a container's runtime ID"
    )
    c.add_argument("--apply", action="store_true", help="write the plan (default: dry run)")
    c.add_argument("--force", action="store_true", help="apply even a memory.max below current usage")
    c.add_argument(
        "--confirm-within",
        metavar="DURATION",
        help="roll back unless `workbench confirm` comes in time (e.g. 2m)",
    )
    _add_journal_option(c)
    _add_wait_option(c)
    add_format_option(c)
    c.set_defaults(func=run_commit)

    j = sub.add_parser("journal", help="list the journal's transactions, or one transaction's writes")
    j.add_argument(
        "txid", nargs="?", type=int, metavar="TXID", help="show this transaction's writes and events"
    )
    _add_journal_option(j)
    add_format_option(j)
    j.set_defaults(func=run_journal)

    r = sub.add_parser(
        "rollback",
        help="undo a transaction (default: the newest live one); values changed since by others are kept",
    )
    r.add_argument("txid", nargs="?", type=int, metavar="TXID")
    r.add_argument("--cgroup-root", metavar="DIR", help="the tree to undo in (default: where it was applied)")
    r.add_argument(
        "--if-unconfirmed", action="store_true", help="only if TXID still waits for confirmation (the timer)"
    )
    _add_journal_option(r)
    _add_wait_option(r)
    add_format_option(r)
    r.set_defaults(func=run_rollback)

    f = sub.add_parser("confirm", help="keep a change applied with --confirm-within")
    f.add_argument("txid", type=int, metavar="TXID")
    _add_journal_option(f)
    f.set_defaults(func=run_confirm)

    v = sub.add_parser(
        "recover", help="finish what a crash or reboot left: roll back interrupted transactions"
    )
    _add_journal_option(v)
    _add_wait_option(v)
    add_format_option(v)
    v.set_defaults(func=run_recover)

    d = sub.add_parser(
        "drift",
        help="compare the kubelet's checkpoint and our journal with the live cgroups (exit 1 if drift)",
    )
    add_node_options(d)
    d.add_argument("--cgroup-root", required=True, metavar="DIR")
    d.add_argument(
        "--layout", choices=("systemd", "cgroupfs"), default="systemd", help="the kubelet's cgroup driver"
    )
    _add_journal_option(d)
    add_format_option(d)
    d.set_defaults(func=run_drift)

    s = sub.add_parser("sandbox", help="a directory the tool treats as a cgroup v2 root (no root needed)")
    ssub = s.add_subparsers(dest="sandbox_command", metavar="COMMAND", required=True)
    si = ssub.add_parser("init", help="make DIR a sandbox cgroup v2 root for a node topology")
    si.add_argument("dir", metavar="DIR")
    src = si.add_mutually_exclusive_group()
    src.add_argument("--topology", metavar="FILE", help="a topology spec YAML (default: the demo node)")
    src.add_argument("--demo", action="store_true", help="the built-in demo node")
    si.add_argument(
        "--memory-below-current", choices=("ebusy", "oom"), default="ebusy", help="how the model answers"
    )
    si.set_defaults(func=run_sandbox_init)


# ---- shared plumbing ----------------------------------------------------------------------


def _journal_path(args: argparse.Namespace) -> Path:
    from workbench.journal.paths import default_journal_path

    return Path(args.journal) if getattr(args, "journal", None) else default_journal_path()


def _open_journal(args: argparse.Namespace) -> Journal:
    from workbench.journal.store import Journal

    return Journal(_journal_path(args))


def _session(args: argparse.Namespace) -> Session:
    from workbench.journal.lock import print_waiting
    from workbench.journal.session import Session

    return Session(
        _journal_path(args),
        wait=float(getattr(args, "wait", 10.0)),
        on_wait=print_waiting,
        cgroup_root=getattr(args, "cgroup_root", None) if args.command == "rollback" else None,
    )


def _report_recovery(done: Sequence[UndoResult]) -> None:
    for r in done:
        print(f"workbench: recovery: transaction {r.txid} -> {r.state}{_undo_summary(r)}", file=sys.stderr)
        for problem in r.failed:
            print(f"workbench: recovery: transaction {r.txid}: {problem}", file=sys.stderr)


def _undo_summary(r: UndoResult) -> str:
    bits = []
    if r.undone:
        bits.append(f"{r.undone} undone")
    if r.conflicts:
        bits.append(f"{len(r.conflicts)} left (changed by someone else)")
    if r.voided:
        bits.append(f"{len(r.voided)} void")
    if r.failed:
        bits.append(f"{len(r.failed)} could not be undone")
    return f" ({', '.join(bits)})" if bits else ""


def _when(ts: float | None) -> str:
    if ts is None:
        return "-"
    return datetime.datetime.fromtimestamp(ts, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _undo_json(r: UndoResult) -> dict[str, Any]:
    return {
        "txid": r.txid,
        "state": r.state,
        "undone": r.undone,
        "conflicts": r.conflicts,
        "void": r.voided,
        "failed": r.failed,
    }


# ---- commit -------------------------------------------------------------------------------


def run_commit(args: argparse.Namespace) -> int:
    from workbench.admission.admit import admit
    from workbench.cgroups.layout import make_layout
    from workbench.cgroups.plan import build_plan, format_diff
    from workbench.kube.pod import load_pod

    confirm_within = parse_duration(args.confirm_within) if args.confirm_within else None
    if confirm_within is not None and not args.apply:
        raise InputError("--confirm-within needs --apply", field="--confirm-within", fix="add --apply")
    attach_text = _pairs(args.attach, "--attach", "PID")
    attach: dict[str, int] = {}
    for name, pid in attach_text.items():
        if not pid.isdigit() or int(pid) <= 0:
            raise InputError(
                f"PID {pid!r} is not a process id", field="--attach", fix="e.g. --attach app=1234"
            )
        attach[name] = int(pid)
    container_ids = _pairs(args.container_id, "--container-id", "ID")
    require_file(args.pod_file, "a pod manifest")
    pod = load_pod(args.pod_file, args.pod)
    node = load_node(args)
    decision = admit(node.topology, node.config, node.state, pod)
    if not decision.admitted:
        msg = f"rejected: {decision.reason}: {decision.message}; nothing planned or written"
        if args.format == "json":
            emit_json(
                {
                    "pod": decision.pod_key,
                    "admitted": False,
                    "reason": decision.reason,
                    "message": decision.message,
                    "writes": [],
                    "applied": False,
                }
            )
        else:
            print(msg)
        return 1
    from workbench.cgroups.fs import CgroupFS

    if not Path(args.cgroup_root).is_dir():
        raise InputError(
            "no such directory", source=args.cgroup_root, fix="give the cgroup v2 root (or a sandbox)"
        )
    fs = CgroupFS(args.cgroup_root)
    layout = make_layout(args.layout, parent=args.parent, container_ids=container_ids)
    planned = build_plan(decision, layout, fs, attach=attach, force=args.force)
    writes = list(planned.writes)
    doc: dict[str, Any] = {
        "pod": decision.pod_key,
        "admitted": True,
        "cgroup_root": str(fs.root),
        "layout": args.layout,
        "pod_cgroup": planned.cgroups.pod,
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
            for w in writes
        ],
        "notes": list(planned.notes),
        "applied": False,
    }
    if args.format != "json":
        print(f"plan for {decision.pod_key} under {fs.root} ({args.layout} layout):")
        print(format_diff(writes, fs))
        for note in planned.notes:
            print(f"note: {note}")
    if not args.apply or not writes:
        if args.format == "json":
            emit_json(doc)
        elif not writes:
            print("nothing to do: the live tree already matches")
        else:
            print("dry run: nothing written (add --apply to write it)")
        return 0
    reason = fs.refuse_writes_reason()
    if reason is not None:
        raise InputError(reason, fix="run on a cgroup v2 node, or try `workbench sandbox init DIR`")
    result, txn = _apply(args, fs, writes, decision.pod_key, confirm_within)
    doc.update(
        applied=result.ok,
        txid=result.txid,
        state=txn.state,
        reason=result.reason,
        steps=[{"target": t, "state": s, "detail": d} for t, s, d in result.steps],
    )
    if confirm_within is not None:
        doc["confirm_within_seconds"] = confirm_within
        doc["timer"] = txn.timer
    if args.format == "json":
        emit_json(doc)
    elif result.ok:
        print(f"transaction {result.txid} applied: {len(writes)} writes, each read back as intended")
        if confirm_within is not None:
            print(
                f"confirm within {args.confirm_within} with `workbench confirm {result.txid}`, "
                f"or it is rolled back (timer: {txn.timer})"
            )
        else:
            print(f"undo with `workbench rollback {result.txid}`")
    else:
        print(f"transaction {result.txid} not applied: {result.reason}")
    return 0 if result.ok else 1


def _apply(
    args: argparse.Namespace, fs: CgroupFS, writes: list[Any], subject: str, confirm_within: float | None
) -> tuple[Any, Txn]:
    result, txn, recovered = _session(args).commit(fs, writes, subject=subject, confirm_within=confirm_within)
    _report_recovery(recovered)
    return result, txn


# ---- journal ------------------------------------------------------------------------------


def _txn_json(txn: Txn, steps: Sequence[Step] | None = None) -> dict[str, Any]:
    from workbench.journal.clock import boot_clock

    doc: dict[str, Any] = {
        "id": txn.id,
        "state": txn.state,
        "subject": txn.subject,
        "operator": txn.operator,
        "host": txn.host,
        "boot_id": txn.boot_id,
        "created": _when(txn.created_wall),
        "created_boot_seconds": txn.created_boot,
        "finished": _when(txn.finished_wall) if txn.finished_wall else None,
        "cgroup_root": txn.cgroup_root,
        "writes": len(txn.plan),
        "reason": txn.reason,
        "timer": txn.timer or None,
    }
    if txn.confirm_deadline_boot is not None:
        doc["confirm_deadline_boot_seconds"] = txn.confirm_deadline_boot
        doc["confirm_seconds_left"] = round(txn.confirm_deadline_boot - boot_clock(), 3)
    if steps is not None:
        doc["steps"] = [
            {
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
            for s in steps
        ]
    return doc


def run_journal(args: argparse.Namespace) -> int:
    path = _journal_path(args)
    if not path.exists():
        if args.format == "json":
            emit_json({"journal": str(path), "transactions": []})
        else:
            print(f"{path}: no journal yet (nothing was ever committed)")
        return 0
    journal = _open_journal(args)
    try:
        if args.txid is not None:
            txn = journal.txn(args.txid)
            steps = journal.steps(txn.id)
            if args.format == "json":
                doc = _txn_json(txn, steps)
                doc["events"] = [
                    {"at": _when(a), "kind": k, "detail": d} for a, k, d in journal.events(txn.id)
                ]
                emit_json(doc)
                return 0
            print(f"transaction {txn.id}: {txn.state}  {txn.subject}")
            print(f"  by {txn.operator} on {txn.host} at {_when(txn.created_wall)} UTC, boot {txn.boot_id}")
            print(f"  cgroup root {txn.cgroup_root}")
            if txn.reason:
                print(f"  reason: {txn.reason}")
            for s in steps:
                what = "mkdir" if s.action == "mkdir" else f"{s.before!r} -> {s.value!r}"
                extra = f"  [{s.error}]" if s.error else ""
                print(f"  {s.seq + 1:>3}. {s.state:<14} {s.target}: {what}{extra}")
            for at, kind, detail in journal.events(txn.id):
                print(f"  {_when(at)} {kind}{': ' + detail if detail else ''}")
            return 0
        txns = journal.txns(newest_first=True)
        if args.format == "json":
            emit_json({"journal": str(path), "transactions": [_txn_json(t) for t in txns]})
            return 0
        if not txns:
            print(f"{path}: empty")
            return 0
        print(f"{'ID':>4}  {'STATE':<15} {'CREATED (UTC)':<19}  {'OPERATOR':<12} {'WRITES':>6}  SUBJECT")
        from workbench.journal.clock import boot_clock

        for t in txns:
            who, when = t.operator[:12], _when(t.created_wall)
            extra = ""
            if t.state == "pending_confirm" and t.confirm_deadline_boot is not None:
                left = t.confirm_deadline_boot - boot_clock()
                extra = (
                    f"  (confirm within {left:.0f}s: workbench confirm {t.id})" if left > 0 else "  (overdue)"
                )
            print(f"{t.id:>4}  {t.state:<15} {when:<19}  {who:<12} {len(t.plan):>6}  {t.subject}{extra}")
        return 0
    finally:
        journal.close()


# ---- rollback / confirm / recover ---------------------------------------------------------


def run_rollback(args: argparse.Namespace) -> int:
    if args.if_unconfirmed and args.txid is None:
        raise InputError(
            "--if-unconfirmed needs a TXID",
            field="--if-unconfirmed",
            fix="workbench rollback --if-unconfirmed 3",
        )
    result, txn, recovered = _session(args).rollback(args.txid, if_unconfirmed=args.if_unconfirmed)
    _report_recovery(recovered)
    if args.format == "json":
        emit_json(_undo_json(result))
    else:
        print(f"transaction {result.txid}: {result.state}{_undo_summary(result)}")
        if txn.reason:
            print(f"  reason: {txn.reason}")
        for c in result.conflicts:
            print(f"  kept: {c}")
        for v in result.voided:
            print(f"  void: {v}")
        for f in result.failed:
            print(f"  FAILED: {f}")
    return 0 if not result.failed else 1


def run_confirm(args: argparse.Namespace) -> int:
    from workbench.journal.timer import confirm

    journal = _open_journal(args)
    try:
        print(confirm(journal, args.txid))
    finally:
        journal.close()
    return 0


def run_recover(args: argparse.Namespace) -> int:
    done = _session(args).recover()
    _report_recovery(done)
    if args.format == "json":
        emit_json({"recovered": [_undo_json(r) for r in done]})
    elif not done:
        print("nothing to recover")
    else:
        for r in done:
            print(f"transaction {r.txid}: {r.state}{_undo_summary(r)}")
    return 0


# ---- drift / sandbox ----------------------------------------------------------------------


def journal_expectations(journal: Journal, cgroup_root: Path) -> list[tuple[str, str]]:
    """(path, value) the journal last wrote under `cgroup_root` in transactions still live."""
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


def run_drift(args: argparse.Namespace) -> int:
    from workbench.cgroups.drift import find_drift
    from workbench.cgroups.fs import CgroupFS

    if not Path(args.cgroup_root).is_dir():
        raise InputError(
            "no such directory", source=args.cgroup_root, fix="give the cgroup v2 root (or a sandbox)"
        )
    fs = CgroupFS(args.cgroup_root)
    state = load_node(args).state if args.kubelet_dir else None
    expectations: list[tuple[str, str]] = []
    path = _journal_path(args)
    if path.exists():
        journal = _open_journal(args)
        try:
            expectations = journal_expectations(journal, fs.root)
        finally:
            journal.close()
    found = find_drift(
        fs,
        state=state,
        driver="cgroupfs" if args.layout == "cgroupfs" else "systemd",
        expectations=expectations,
    )
    if args.format == "json":
        emit_json(
            {
                "cgroup_root": str(fs.root),
                "checked": {"checkpoint": state is not None, "journal_values": len(expectations)},
                "drift": [
                    {
                        "path": d.path,
                        "expected": d.expected,
                        "actual": d.actual,
                        "source": d.source,
                        "detail": d.detail,
                    }
                    for d in found
                ],
            }
        )
    elif not found:
        what = ["the kubelet checkpoint"] if state is not None else []
        what.append(f"{len(expectations)} values from the journal")
        print(f"no drift under {fs.root} (checked {' and '.join(what)})")
    else:
        for d in found:
            actual = "(missing)" if d.actual is None else repr(d.actual)
            print(f"{d.source}: {fs.root / d.path}: expected {d.expected!r}, live {actual}  {d.detail}")
    return 1 if found else 0


def run_sandbox_init(args: argparse.Namespace) -> int:
    from workbench import topology
    from workbench.cgroups.sandbox import init_sandbox

    topo = topology.load_spec(Path(args.topology)) if args.topology else topology.demo_topology()
    init_sandbox(args.dir, topo, memory_max_below_current=args.memory_below_current)
    root = Path(args.dir).resolve()
    print(f"sandbox ready at {root}: cpus {topo.all_cpus}, a cgroup v2 tree governed by the kernel model")
    print(f"try: workbench commit POD.yaml --cgroup-root {root} --topology ... [--apply]")
    return 0
