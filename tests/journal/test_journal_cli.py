"""The write-side commands as an operator runs them: commit (dry run, apply), journal, rollback, drift."""

from __future__ import annotations

import contextlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from workbench.cgroups.kernel import Kernel
from workbench.cgroups.sandbox import snapshot
from workbench.cli.main import main

FIXTURES = Path(__file__).with_name("fixtures")
POD = FIXTURES / "pod-two-containers.yaml"


@dataclass
class Done:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("WORKBENCH_FAULT", "WORKBENCH_CGROUP_FAULTS", "WORKBENCH_JOURNAL"):
        monkeypatch.delenv(key, raising=False)


def wb(*args: str) -> Done:
    """Run `workbench ARGS` in this process (the CLI's own entry point), capturing its output."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse errors
            code = int(exc.code or 0)
    return Done(code, out.getvalue(), err.getvalue())


@pytest.fixture
def sandbox(tmp_path: Path) -> tuple[Path, Path]:
    root = tmp_path / "sb"
    done = wb("sandbox", "init", str(root), "--demo")
    assert done.returncode == 0, done.stderr
    return root, tmp_path / "state" / "journal.db"


def test_sandbox_init_makes_a_writable_v2_tree(sandbox: tuple[Path, Path]) -> None:
    from workbench.cgroups.fs import CgroupFS

    root, _ = sandbox
    fs = CgroupFS(root)
    assert fs.mode == "sandbox" and fs.refuse_writes_reason() is None
    assert fs.read("", "cpuset.cpus.effective")


def test_commit_without_apply_writes_nothing(sandbox: tuple[Path, Path]) -> None:
    root, jpath = sandbox
    before = snapshot(root)
    done = wb("commit", str(POD), "--demo", "--cgroup-root", str(root), "--journal", str(jpath))
    assert done.returncode == 0, done.stderr
    assert "dry run: nothing written" in done.stdout
    assert "-> 1073741824" in done.stdout  # the diff shows old -> new
    assert snapshot(root) == before
    assert not jpath.exists()


def test_commit_apply_journal_and_rollback(sandbox: tuple[Path, Path]) -> None:
    root, jpath = sandbox
    before = snapshot(root)
    done = wb(
        "commit",
        str(POD),
        "--demo",
        "--cgroup-root",
        str(root),
        "--journal",
        str(jpath),
        "--apply",
        "-o",
        "json",
    )
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["applied"] and doc["state"] == "applied"
    assert {s["state"] for s in doc["steps"]} == {"verified"}
    after = snapshot(root)
    # Every write landed under the cgroup root, as the plan said.
    changed = {k for k in set(after) | set(before) if after.get(k) != before.get(k)}
    assert changed and all(not k.startswith("/") for k in changed)
    assert all(w["path"].startswith(str(root)) for w in doc["writes"])

    listing = json.loads(wb("journal", "--journal", str(jpath), "-o", "json").stdout)
    [txn] = listing["transactions"]
    assert txn["id"] == doc["txid"] and txn["state"] == "applied" and txn["boot_id"]
    detail = json.loads(wb("journal", str(doc["txid"]), "--journal", str(jpath), "-o", "json").stdout)
    assert len(detail["steps"]) == len(doc["writes"])
    assert all(s["readback"] is not None for s in detail["steps"])

    assert wb("drift", "--cgroup-root", str(root), "--journal", str(jpath)).returncode == 0

    back = wb("rollback", "--journal", str(jpath))
    assert back.returncode == 0, back.stderr
    assert "rolled_back" in back.stdout
    assert snapshot(root) == before


def test_drift_reports_a_value_changed_after_the_journal_wrote_it(sandbox: tuple[Path, Path]) -> None:
    root, jpath = sandbox
    done = wb(
        "commit",
        str(POD),
        "--demo",
        "--cgroup-root",
        str(root),
        "--journal",
        str(jpath),
        "--apply",
        "-o",
        "json",
    )
    doc = json.loads(done.stdout)
    target = next(w for w in doc["writes"] if w["file"] == "memory.max")
    Kernel(root).write(target["cgroup"], "memory.max", "2147483648")
    drift = wb("drift", "--cgroup-root", str(root), "--journal", str(jpath), "-o", "json")
    assert drift.returncode == 1
    found = json.loads(drift.stdout)["drift"]
    assert [d["path"] for d in found] == [f"{target['cgroup']}/memory.max"]
    assert found[0]["actual"] == "2147483648"


def test_a_rejected_pod_exits_1_and_writes_nothing(sandbox: tuple[Path, Path]) -> None:
    root, jpath = sandbox
    before = snapshot(root)
    done = wb(
        "commit",
        str(FIXTURES / "pod-too-big.yaml"),
        "--demo",
        "--cgroup-root",
        str(root),
        "--journal",
        str(jpath),
        "--apply",
    )
    assert done.returncode == 1
    assert "rejected" in done.stdout
    assert snapshot(root) == before and not jpath.exists()


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--confirm-within", "soon", "--apply"], "cannot read duration"),
        (["--confirm-within", "2m"], "needs --apply"),
        (["--attach", "app"], "NAME=PID"),
    ],
)
def test_bad_options_are_one_line_and_exit_2(
    sandbox: tuple[Path, Path], extra: list[str], message: str
) -> None:
    root, jpath = sandbox
    done = wb("commit", str(POD), "--demo", "--cgroup-root", str(root), "--journal", str(jpath), *extra)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_tree_that_is_not_cgroup_v2_is_refused(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    done = wb(
        "commit",
        str(POD),
        "--demo",
        "--cgroup-root",
        str(plain),
        "--journal",
        str(tmp_path / "j.db"),
        "--apply",
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert list(plain.iterdir()) == []


def test_default_journal_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from workbench.journal.paths import default_journal_path

    monkeypatch.delenv("WORKBENCH_JOURNAL", raising=False)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    expected = (
        Path("/var/lib/workbench/journal.db") if os.geteuid() == 0 else tmp_path / "workbench" / "journal.db"
    )
    assert default_journal_path() == expected
    monkeypatch.setenv("WORKBENCH_JOURNAL", str(tmp_path / "x.db"))
    assert default_journal_path() == tmp_path / "x.db"


@pytest.mark.parametrize(
    "text, seconds", [("2m", 120), ("90s", 90), ("1m30s", 90), ("1h", 3600), ("500ms", 0.5), ("45", 45)]
)
def test_durations(text: str, seconds: float) -> None:
    from workbench.services.commit_pod import parse_duration

    assert parse_duration(text) == seconds


def test_cli_commit_killed_mid_apply_is_rolled_back_by_the_next_command(sandbox: tuple[Path, Path]) -> None:
    import subprocess
    import sys

    root, jpath = sandbox
    before = snapshot(root)
    env = {k: v for k, v in os.environ.items() if not k.startswith("WORKBENCH_")}
    killed = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench",
            "commit",
            str(POD),
            "--demo",
            "--cgroup-root",
            str(root),
            "--journal",
            str(jpath),
            "--apply",
        ],
        env={**env, "WORKBENCH_FAULT": "kill-after-write:3"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -9
    assert snapshot(root) != before
    done = wb("recover", "--journal", str(jpath))
    assert done.returncode == 0
    assert "transaction 1: rolled_back" in done.stdout
    assert snapshot(root) == before


def test_attach_moves_the_process_and_rollback_moves_it_back(sandbox: tuple[Path, Path]) -> None:
    root, jpath = sandbox
    kernel = Kernel(root)
    kernel.mkdir("elsewhere")
    kernel.add_process("elsewhere", 4242)
    done = wb(
        "commit",
        str(POD),
        "--demo",
        "--cgroup-root",
        str(root),
        "--journal",
        str(jpath),
        "--attach",
        "app=4242",
        "--apply",
        "-o",
        "json",
    )
    assert done.returncode == 0, done.stderr
    [attach] = [w for w in json.loads(done.stdout)["writes"] if w["file"] == "cgroup.procs"]
    assert "4242" in (root / attach["cgroup"] / "cgroup.procs").read_text().split()
    assert "4242" not in (root / "elsewhere" / "cgroup.procs").read_text().split()
    assert wb("rollback", "--journal", str(jpath)).returncode == 0
    assert (root / "elsewhere" / "cgroup.procs").read_text().split() == ["4242"]


def test_drift_reports_a_checkpoint_pod_without_a_cgroup(sandbox: tuple[Path, Path]) -> None:
    root, jpath = sandbox
    done = wb(
        "drift",
        "--kubelet-dir",
        str(FIXTURES / "kubelet-dual-socket-v1"),
        "--topology",
        str(FIXTURES / "kubelet-topoDualSocketHT.yaml"),
        "--cgroup-root",
        str(root),
        "--journal",
        str(jpath),
        "-o",
        "json",
    )
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    assert doc["checked"]["checkpoint"] is True
    assert [d["source"] for d in doc["drift"]] == ["checkpoint"]
    assert doc["drift"][0]["actual"] is None
