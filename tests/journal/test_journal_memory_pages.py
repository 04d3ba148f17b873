"""A memory limit that is not a whole number of pages commits, reads back and rolls back.

The kernel keeps memory limits in whole pages, rounded down (`page_counter_memparse`): the
PostgreSQL fixture with `100M`/`60M` asks for 60000000 bytes, which reads back as 59998208.
Before the one normaliser (`workbench.cgroups.normalise`) the journal rounded up and refused
its own commit ("read back '59998208' after writing '60000000'").
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from workbench.cgroups.sandbox import snapshot
from workbench.cli.main import main

REPO = Path(__file__).resolve().parents[2]
POSTGRES = REPO / "fixtures" / "pods" / "postgres.yaml"
POD_CGROUP = "workbench.slice/db_postgres-0"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key in ("WORKBENCH_FAULT", "WORKBENCH_CGROUP_FAULTS", "WORKBENCH_JOURNAL"):
        monkeypatch.delenv(key, raising=False)


def wb(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(args))
        except SystemExit as exc:
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


def postgres_100m(tmp_path: Path) -> Path:
    """fixtures/pods/postgres.yaml with its 16Gi/12Gi changed to 100M/60M (as the issue did)."""
    text = POSTGRES.read_text().replace("16Gi", "100M").replace("12Gi", "60M")
    assert "60M" in text and "Gi" not in text.split("spec:", 1)[1]
    pod = tmp_path / "postgres-100m.yaml"
    pod.write_text(text)
    return pod


def test_a_100m_memory_limit_commits_reads_back_and_rolls_back(tmp_path: Path) -> None:
    root, jpath = tmp_path / "sb", tmp_path / "journal.db"
    assert wb("sandbox", "init", str(root), "--demo")[0] == 0
    before = snapshot(root)
    pod = postgres_100m(tmp_path)
    code, out, err = wb(
        "commit", str(pod), "--demo", "--cgroup-root", str(root), "--journal", str(jpath), "--apply"
    )
    assert code == 0, out + err
    assert "applied" in out and "not applied" not in out
    # What the kernel keeps: 60000000 bytes is 14648 whole pages.
    assert (root / POD_CGROUP / "postgres" / "memory.max").read_text().strip() == "59998208"
    assert (root / POD_CGROUP / "memory.max").read_text().strip() == "99999744"

    code, out, _ = wb("journal", "1", "-o", "json", "--journal", str(jpath))
    steps = {s["cgroup"] + "/" + s["file"]: s for s in json.loads(out)["steps"]}
    mem = steps[f"{POD_CGROUP}/postgres/memory.max"]
    assert (mem["value"], mem["readback"], mem["state"]) == ("60000000", "59998208", "verified")

    # Drift compares with the same rule: the rounded value is what we wrote.
    code, out, err = wb("drift", "--cgroup-root", str(root), "--journal", str(jpath))
    assert code == 0, out + err

    code, out, err = wb("rollback", "--journal", str(jpath))
    assert code == 0, out + err
    assert "rolled_back" in out and "left" not in out
    assert snapshot(root) == before


def test_a_second_commit_of_the_same_pod_plans_nothing(tmp_path: Path) -> None:
    """The plan leaves out writes whose file already reads as the target (59998208 for 60000000)."""
    root, jpath = tmp_path / "sb", tmp_path / "journal.db"
    assert wb("sandbox", "init", str(root), "--demo")[0] == 0
    pod = postgres_100m(tmp_path)
    args = ("commit", str(pod), "--demo", "--cgroup-root", str(root), "--journal", str(jpath))
    assert wb(*args, "--apply")[0] == 0
    code, out, err = wb(*args, "-o", "json")
    assert code == 0, err
    assert json.loads(out)["writes"] == [], out
