"""A damaged journal as an operator meets it: one line saying what is damaged, nothing written or
rolled back, and `journal --check` / `--salvage OUT.db` keeping every transaction still readable.

Damage kinds (issue 14): truncated, random bytes at 8 KiB, a row whose plan_json is not JSON or
whose created_wall is text, a missing step table, and a file truncated to 0 bytes (which must not
pass for an empty journal).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from workbench.cgroups.sandbox import snapshot
from workbench.cli.main import main

FIXTURES = Path(__file__).with_name("fixtures")
POD = FIXTURES / "pod-two-containers.yaml"
OTHER_POD = Path(__file__).resolve().parents[2] / "fixtures" / "pods" / "burstable.yaml"


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


def _sql(path: Path, statement: str) -> None:
    db = sqlite3.connect(path)
    db.execute(statement)
    db.commit()
    db.close()


def truncate_half(path: Path) -> None:
    os.truncate(path, path.stat().st_size // 2)


def truncate_zero(path: Path) -> None:
    os.truncate(path, 0)


def random_at_8k(path: Path) -> None:
    with path.open("r+b") as f:
        f.seek(8192)
        f.write(random.Random(8192).randbytes(4096))


def plan_not_json(path: Path) -> None:
    _sql(path, "UPDATE txn SET plan_json='{not json' WHERE id=1")


def wall_is_text(path: Path) -> None:
    _sql(path, "UPDATE txn SET created_wall='yesterday' WHERE id=1")


def no_step_table(path: Path) -> None:
    _sql(path, "DROP TABLE step")


DAMAGE: dict[str, tuple[Callable[[Path], None], str]] = {
    "truncated": (truncate_half, "not a sound SQLite database"),
    "zero-bytes": (truncate_zero, "empty (0 bytes) but it held 2 transaction(s)"),
    "random-8k": (random_at_8k, "not a sound SQLite database"),
    "plan-not-json": (plan_not_json, "transaction 1: plan_json is not JSON"),
    "wall-is-text": (wall_is_text, "transaction 1: created_wall is text"),
    "no-step-table": (no_step_table, "the step table is missing"),
}


@pytest.fixture
def committed(tmp_path: Path) -> tuple[Path, Path]:
    """A sandbox with two transactions: 1 rolled back, 2 applied (live)."""
    root, jpath = tmp_path / "sb", tmp_path / "journal.db"
    assert wb("sandbox", "init", str(root), "--demo")[0] == 0
    args = ("commit", str(POD), "--demo", "--cgroup-root", str(root), "--journal", str(jpath), "--apply")
    assert wb(*args)[0] == 0
    assert wb("rollback", "--journal", str(jpath))[0] == 0
    (tmp_path / "before.json").write_text(json.dumps(snapshot(root)))
    assert wb(*args)[0] == 0
    # Checkpointed into the main file, as after any clean exit.
    _sql(jpath, "PRAGMA wal_checkpoint(TRUNCATE)")
    return root, jpath


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "-"


@pytest.mark.parametrize("kind", DAMAGE)
def test_every_command_says_in_one_line_what_is_damaged_and_writes_nothing(
    committed: tuple[Path, Path], kind: str
) -> None:
    root, jpath = committed
    damage, what = DAMAGE[kind]
    damage(jpath)
    tree, file = snapshot(root), _digest(jpath)
    commands = [
        ("journal",),
        ("journal", "1"),
        ("journal", "-o", "json"),
        ("rollback",),
        ("rollback", "2"),
        ("confirm", "1"),
        ("recover",),
        ("drift", "--cgroup-root", str(root)),
        ("commit", str(OTHER_POD), "--demo", "--cgroup-root", str(root), "--apply"),
    ]
    for cmd in commands:
        code, out, err = wb(*cmd, "--journal", str(jpath))
        assert code == 2, (cmd, code, out, err)
        assert err.count("\n") == 1 and "Traceback" not in err, (cmd, err)
        assert "the journal is damaged" in err and what in err, (cmd, err)
        assert "--salvage" in err
    # Nothing was rolled back (or written) from a journal that does not decode.
    assert snapshot(root) == tree
    assert _digest(jpath) == file


@pytest.mark.parametrize("kind", DAMAGE)
def test_check_lists_what_can_still_be_read(committed: tuple[Path, Path], kind: str) -> None:
    _, jpath = committed
    DAMAGE[kind][0](jpath)
    file = _digest(jpath)
    code, out, err = wb("journal", "--check", "--journal", str(jpath), "-o", "json")
    assert code == 1, (out, err)
    doc = json.loads(out)
    assert doc["sound"] is False and DAMAGE[kind][1] in doc["damage"]
    seen = set(doc["readable"]) | {u["txid"] for u in doc["unreadable"]}
    assert seen == {1, 2}, doc  # every transaction is accounted for, readable or not
    assert _digest(jpath) == file


def test_check_of_a_sound_journal(committed: tuple[Path, Path]) -> None:
    _, jpath = committed
    code, out, _ = wb("journal", "--check", "--journal", str(jpath))
    assert code == 0 and "sound, 2 transaction(s)" in out
    assert "may be live: transaction 2 applied" in out


@pytest.mark.parametrize("kind", ["random-8k", "plan-not-json"])
def test_salvage_keeps_the_readable_transactions_and_the_damaged_file(
    committed: tuple[Path, Path], kind: str
) -> None:
    root, jpath = committed
    before_commit = json.loads(jpath.with_name("before.json").read_text())
    DAMAGE[kind][0](jpath)
    file = _digest(jpath)
    out_db = jpath.with_name("salvaged.db")
    code, out, err = wb("journal", "--salvage", str(out_db), "--journal", str(jpath))
    assert code == 0, err
    assert _digest(jpath) == file  # the damaged journal itself is untouched
    assert _digest(Path(f"{out_db}.damaged")) == file  # and kept beside the salvage
    code, out, err = wb("journal", "-o", "json", "--journal", str(out_db))
    assert code == 0, err
    kept = {t["id"]: t["state"] for t in json.loads(out)["transactions"]}
    assert kept.get(2) == "applied", (kept, out)
    # The salvaged journal is a working journal: the live change can be undone from it.
    code, out, err = wb("rollback", "2", "--journal", str(out_db))
    assert code == 0 and "rolled_back" in out, out + err
    assert snapshot(root) == before_commit
    # Salvage never overwrites.
    code, _, err = wb("journal", "--salvage", str(out_db), "--journal", str(jpath))
    assert code == 2 and "never overwrites" in err


def test_a_journal_emptied_to_zero_bytes_is_not_a_fresh_start(committed: tuple[Path, Path]) -> None:
    root, jpath = committed
    truncate_zero(jpath)
    code, _, err = wb("rollback", "--journal", str(jpath))
    assert code == 2 and "empty (0 bytes) but it held 2" in err
    assert "nothing to roll back" not in err
    assert jpath.stat().st_size == 0  # not re-initialised either
    # Deleted outright: the same.
    jpath.unlink()
    code, _, err = wb("journal", "--journal", str(jpath))
    assert code == 2 and "the file is missing but it held 2" in err
    assert not jpath.exists()


def test_a_salvaged_journal_moved_into_place_is_accepted(committed: tuple[Path, Path]) -> None:
    _, jpath = committed
    plan_not_json(jpath)
    out_db = jpath.with_name("salvaged.db")
    assert wb("journal", "--salvage", str(out_db), "--journal", str(jpath))[0] == 0
    for suffix in ("", "-wal", "-shm"):
        Path(f"{jpath}{suffix}").unlink(missing_ok=True)
    out_db.rename(jpath)
    code, out, err = wb("journal", "--journal", str(jpath))
    assert code == 0, err
    assert "applied" in out
