"""Commit-confirmed: the rollback timer outlives the operator's login; confirm disarms it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from journal_plan import BOOT_ID, make_sandbox

from workbench.cgroups.sandbox import snapshot
from workbench.journal import clock, store
from workbench.journal.store import Journal

DRIVER = Path(__file__).with_name("journal_driver.py")


def _env() -> dict[str, str]:
    env = dict(os.environ, WORKBENCH_CONFIRM_TIMER="detached", WORKBENCH_BOOT_ID=BOOT_ID)
    for key in ("WORKBENCH_FAULT", "WORKBENCH_CGROUP_FAULTS"):
        env.pop(key, None)
    return env


def _state(jpath: Path, txid: int) -> str:
    with Journal(jpath, boot_id=BOOT_ID) as journal:
        return journal.txn(txid).state


def _wait_for(jpath: Path, txid: int, states: tuple[str, ...], timeout: float) -> str:
    end = time.monotonic() + timeout
    while True:
        state = _state(jpath, txid)
        if state in states or time.monotonic() > end:
            return state
        time.sleep(0.1)


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    # A zombie nobody reaped yet has finished too.
    return status.rsplit(")", 1)[1].split()[0] != "Z"


def test_the_timer_rolls_back_after_the_operators_login_is_killed(tmp_path: Path) -> None:
    root, jpath = tmp_path / "sb", tmp_path / "journal.db"
    make_sandbox(root)
    before = snapshot(root)
    # The "SSH login": a shell in its own session that commits with a 2 s window, then idles.
    login = subprocess.Popen(
        ["sh", "-c", f'"{sys.executable}" "{DRIVER}" apply "{root}" "{jpath}" 2; sleep 60'],
        env=_env(),
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert login.stdout is not None
        timer = login.stdout.readline().strip()
        result = json.loads(login.stdout.readline())
        assert result["ok"] and timer.startswith("pid:")
        watchdog = int(timer.split(":")[1])
        assert _state(jpath, result["txid"]) == store.PENDING_CONFIRM
        assert snapshot(root) != before
        # The watchdog is in no process group or session of the login.
        assert os.getsid(watchdog) != os.getsid(login.pid)
        assert os.getpgid(watchdog) != os.getpgid(login.pid)
        os.killpg(login.pid, signal.SIGHUP)
        os.killpg(login.pid, signal.SIGKILL)
        login.wait(10)
        assert _alive(watchdog)
        state = _wait_for(jpath, result["txid"], (store.ROLLED_BACK,), timeout=20)
    finally:
        if login.poll() is None:
            os.killpg(login.pid, signal.SIGKILL)
            login.wait(10)
    assert state == store.ROLLED_BACK
    assert snapshot(root) == before
    with Journal(jpath, boot_id=BOOT_ID) as journal:
        assert "not confirmed in time" in journal.txn(result["txid"]).reason


def test_confirm_in_time_keeps_the_change_and_stops_the_timer(tmp_path: Path) -> None:
    root, jpath = tmp_path / "sb", tmp_path / "journal.db"
    make_sandbox(root)
    # The window only has to outlast starting the confirming process, also on a loaded machine.
    done = subprocess.run(
        [sys.executable, str(DRIVER), "apply", str(root), str(jpath), "15"],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    timer, line = done.stdout.strip().splitlines()
    txid = json.loads(line)["txid"]
    after = snapshot(root)
    confirm = subprocess.run(
        [sys.executable, "-m", "workbench", "confirm", str(txid), "--journal", str(jpath)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert confirm.returncode == 0, confirm.stderr
    assert "confirmed" in confirm.stdout
    watchdog = int(timer.split(":")[1])
    end = time.monotonic() + 5
    while _alive(watchdog) and time.monotonic() < end:
        time.sleep(0.05)
    assert not _alive(watchdog)
    # A timer that fires late anyway (say it could not be stopped) changes nothing.
    late = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench",
            "rollback",
            "--if-unconfirmed",
            str(txid),
            "--journal",
            str(jpath),
        ],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert late.returncode == 0, late.stderr
    assert _state(jpath, txid) == store.CONFIRMED
    assert snapshot(root) == after


def test_confirm_after_the_window_is_refused_and_rolls_back(tmp_path: Path) -> None:
    from journal_plan import plan

    from workbench.journal.apply import apply_plan

    root, jpath = tmp_path / "sb", tmp_path / "journal.db"
    fs = make_sandbox(root)
    before = snapshot(root)
    with Journal(jpath, boot_id=BOOT_ID) as journal:
        txid = apply_plan(journal, fs, plan(fs), confirm_within=0.2).txid
        txn = journal.txn(txid)
        # The deadline is on the boot clock, not wall time.
        assert txn.confirm_deadline_boot == pytest.approx(txn.created_boot + 0.2, abs=0.05)
        assert abs(txn.created_boot - clock.boot_clock()) < 30
    time.sleep(0.3)
    confirm = subprocess.run(
        [sys.executable, "-m", "workbench", "confirm", str(txid), "--journal", str(jpath)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert confirm.returncode == 2 and "window has closed" in confirm.stderr
    # The late confirm found the window closed and rolled it back there and then.
    assert f"transaction {txid}: rolled_back" in confirm.stderr
    assert snapshot(root) == before
    recover = subprocess.run(
        [sys.executable, "-m", "workbench", "recover", "--journal", str(jpath)],
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert recover.returncode == 0, recover.stderr
    assert recover.stdout == "nothing to recover\n"
    assert _state(jpath, txid) == store.ROLLED_BACK


def test_with_systemd_the_timer_is_a_transient_unit_of_pid_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No systemd here: stand-in `systemd-run`/`systemctl` record what the journal asks of them."""
    from journal_plan import plan

    from workbench.journal.apply import apply_plan
    from workbench.journal.timer import confirm

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "calls"
    for tool in ("systemd-run", "systemctl"):
        script = bin_dir / tool
        script.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{calls}"\n')
        script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")
    monkeypatch.setenv("WORKBENCH_CONFIRM_TIMER", "systemd")
    from workbench.journal.timer import arm

    fs = make_sandbox(tmp_path / "sb")
    with Journal(tmp_path / "journal.db", boot_id=BOOT_ID) as journal:
        result = apply_plan(
            journal, fs, plan(fs), confirm_within=120, on_intent=lambda t: print(arm(journal, t))
        )
        txn = journal.txn(result.txid)
        assert txn.timer.startswith("systemd:workbench-confirm-")
        [run] = calls.read_text().splitlines()
        assert f"--unit={txn.timer.split(':', 1)[1]}" in run
        assert "--on-active=1" in run and "AccuracySec" in run
        assert f"rollback --if-unconfirmed {result.txid} --journal {journal.path}" in run
        assert confirm(journal, result.txid) == f"transaction {result.txid} confirmed"
        assert calls.read_text().splitlines()[1] == f"systemctl stop {txn.timer.split(':', 1)[1]}.timer"


def _commit_and_kill_the_watchdog(root: Path, jpath: Path) -> None:
    env = _env()
    proc = subprocess.run(
        [sys.executable, str(DRIVER), "apply", str(root), str(jpath), "2"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    timer = proc.stdout.splitlines()[0]
    assert timer.startswith("pid:"), timer
    os.kill(int(timer[4:]), signal.SIGKILL)
    with Journal(jpath, boot_id=BOOT_ID) as journal:
        deadline = journal.txn(1).confirm_deadline_boot
    assert deadline is not None
    while clock.boot_clock() < deadline:
        time.sleep(0.05)
    # Nobody rolled it back: its watchdog is dead.
    assert _state(jpath, 1) == store.PENDING_CONFIRM


def _cli(jpath: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args, "--journal", str(jpath)],
        env=_env(), capture_output=True, text=True, timeout=60,
    )  # fmt: skip


@pytest.mark.parametrize("command", [("journal",), ("journal", "-o", "json"), ("confirm", "1"), ("recover",)])
def test_a_closed_window_whose_watchdog_was_killed_is_rolled_back_by_the_next_command(
    tmp_path: Path, command: tuple[str, ...]
) -> None:
    root, jpath = tmp_path / "sb", tmp_path / "journal.db"
    make_sandbox(root)
    before = snapshot(root)
    _commit_and_kill_the_watchdog(root, jpath)
    done = _cli(jpath, *command)
    assert "Traceback" not in done.stderr
    assert _state(jpath, 1) == store.ROLLED_BACK, done.stdout + done.stderr
    assert snapshot(root) == before
    if command[0] == "confirm":
        assert done.returncode == 2 and "confirm window has closed" in done.stderr
        assert done.stderr.count("\n") == 1


def test_journal_shows_expired_while_the_rollback_must_wait_for_the_lock(tmp_path: Path) -> None:
    from workbench.journal.lock import OperatorLock
    from workbench.journal.paths import lock_path

    root, jpath = tmp_path / "sb", tmp_path / "journal.db"
    make_sandbox(root)
    _commit_and_kill_the_watchdog(root, jpath)
    with OperatorLock(lock_path(jpath), command="someone else"):
        text = _cli(jpath, "journal")
        doc = json.loads(_cli(jpath, "journal", "-o", "json").stdout)
    assert text.returncode == 0, text.stderr
    assert "expired" in text.stdout and "pending_confirm" in text.stdout
    assert doc["transactions"][0]["expired"] is True
    # Once the lock is free, the next command rolls it back.
    assert _cli(jpath, "journal").returncode == 0
    assert _state(jpath, 1) == store.ROLLED_BACK
