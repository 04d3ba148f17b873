"""Commit-confirmed: a rollback timer that lives outside the operator's login.

Where systemd is PID 1 (and we are root), the timer is a transient `systemd-run --on-active`
unit owned by PID 1. Elsewhere it is a detached watchdog: double fork + setsid, so it has no
controlling terminal and is in no login's process group or session; closing the SSH session
(SIGHUP to the session, or killing its process group) does not reach it. The watchdog sleeps
on CLOCK_BOOTTIME up to the deadline stored in the journal and then runs
`workbench rollback --if-unconfirmed TXID`, which does nothing if `confirm` came first: the
confirm and the rollback each move the transaction out of `pending_confirm` in one SQLite
transaction, so exactly one of them wins.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from workbench.errors import InputError
from workbench.journal import clock, store
from workbench.journal.store import Journal


def rollback_command(journal_path: Path, txid: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "workbench",
        "rollback",
        "--if-unconfirmed",
        str(txid),
        "--journal",
        str(journal_path),
        "--wait",
        "600",
    ]


def _systemd_usable() -> bool:
    choice = os.environ.get("WORKBENCH_CONFIRM_TIMER", "")
    if choice in ("detached", "systemd"):
        return choice == "systemd"
    return (
        os.geteuid() == 0 and Path("/run/systemd/system").is_dir() and shutil.which("systemd-run") is not None
    )


def _unit_name(journal_path: Path, txid: int) -> str:
    tag = hashlib.sha256(str(journal_path.resolve()).encode()).hexdigest()[:8]
    return f"workbench-confirm-{tag}-{txid}"


def arm(journal: Journal, txid: int) -> str:
    """Start the timer for `txid`'s confirm deadline; records and returns its description."""
    txn = journal.txn(txid)
    if txn.confirm_deadline_boot is None:
        raise ValueError(f"transaction {txid} has no confirm deadline")
    argv = rollback_command(journal.path, txid)
    if _systemd_usable():
        unit = _unit_name(journal.path, txid)
        secs = max(0.0, txn.confirm_deadline_boot - clock.boot_clock())
        cmd = [
            "systemd-run",
            "--quiet",
            f"--unit={unit}",
            f"--on-active={secs:.3f}s",
            "--timer-property=AccuracySec=100ms",
            f"--description=workbench confirm window for txn {txid}",
            *(f"--setenv={k}={v}" for k, v in os.environ.items() if k in ("WORKBENCH_BOOT_ID",)),
            "--",
            *argv,
        ]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise InputError(
                f"systemd-run failed: {done.stderr.strip()}", fix="set WORKBENCH_CONFIRM_TIMER=detached"
            )
        timer = f"systemd:{unit}"
    else:
        timer = f"pid:{_spawn_watchdog(txn.confirm_deadline_boot, txid, argv)}"
    journal.set_timer(txid, timer)
    return timer


def _spawn_watchdog(deadline: float, txid: int, argv: list[str]) -> int:
    env = {k: v for k, v in os.environ.items() if k != "WORKBENCH_FAULT"}
    cmd = [sys.executable, "-m", "workbench.journal.watchdog", f"{deadline:.6f}", str(txid), "--", *argv]
    rfd, wfd = os.pipe()
    child = os.fork()
    if child == 0:  # first child: new session, fork again so the watchdog is no session leader
        try:
            os.close(rfd)
            os.setsid()
            grandchild = os.fork()
            if grandchild == 0:
                null = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(null, fd)
                os.close(wfd)
                os.chdir("/")
                os.execve(cmd[0], cmd, env)
            os.write(wfd, str(grandchild).encode())
        finally:
            os._exit(0)
    os.close(wfd)
    os.waitpid(child, 0)
    with os.fdopen(rfd, "rb") as r:
        text = r.read().decode()
    if not text:
        raise InputError("could not start the confirm watchdog", fix="check that fork is allowed")
    return int(text)


def disarm(timer: str, txid: int) -> None:
    """Stop the timer if it is still there; harmless when it already fired or is gone."""
    kind, _, ref = timer.partition(":")
    if kind == "systemd":
        subprocess.run(["systemctl", "stop", f"{ref}.timer"], capture_output=True)
    elif kind == "pid":
        pid = int(ref)
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            return
        # Only our own watchdog for this transaction: the pid may have been reused.
        if b"workbench.journal.watchdog" in cmdline and str(txid).encode() in cmdline:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


def confirm(journal: Journal, txid: int) -> str:
    """Make `txid` permanent; returns a one-line message. Raises when it is too late."""
    txn = journal.txn(txid)
    if txn.state == store.CONFIRMED:
        return f"transaction {txid} was already confirmed"
    if txn.state != store.PENDING_CONFIRM:
        raise InputError(
            f"transaction {txid} is {txn.state}, not waiting for confirmation",
            source=str(journal.path),
            fix="`workbench journal` shows its history",
        )
    if txn.confirm_deadline_boot is not None and clock.boot_clock() >= txn.confirm_deadline_boot:
        raise InputError(
            f"transaction {txid}: the confirm window has closed; it is being rolled back",
            source=str(journal.path),
            fix="commit again, or run `workbench recover`",
        )
    if not journal.set_state(txid, store.CONFIRMED, expect=[store.PENDING_CONFIRM], event="confirm"):
        raise InputError(
            f"transaction {txid} was rolled back before the confirmation arrived",
            source=str(journal.path),
            fix="commit again",
        )
    disarm(txn.timer, txid)
    return f"transaction {txid} confirmed"
