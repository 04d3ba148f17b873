"""The two commands operators run in loops stay light: `topology -o json` and `admit` load
neither `dataclasses` nor `inspect` (about 15 ms of a ~50 ms command, plus ~0.7 ms for each
class `@dataclass` would compile); their value classes are `workbench.record` classes. The
`topology` and `admit` paths do not import `typing` either (~5 ms): their annotations only need it
for mypy (`TYPE_CHECKING = False`, then `if TYPE_CHECKING: from typing import ...`)."""

from __future__ import annotations

import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
_CODE = (
    "import contextlib, io, sys\n"
    "heavy = set(sys.argv[1].split(','))\n"
    # What the interpreter's start-up (site, an editable install's finder) loaded does not count.
    "for name in heavy:\n    sys.modules.pop(name, None)\n"
    "from workbench.cli.main import main\n"
    "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
    "    code = main(sys.argv[2:])\n"
    "assert code == 0 and out.getvalue(), (code, out.getvalue())\n"
    "print(sorted(heavy & set(sys.modules)), file=sys.stderr)"
)
_HEAVY = ("dataclasses", "inspect", "typing")


def _heavy_imports(*argv: str, heavy: tuple[str, ...] = _HEAVY) -> str:
    code = [sys.executable, "-c", _CODE, ",".join(heavy), *argv]
    out = subprocess.run(code, capture_output=True, text=True, check=True)
    return out.stderr.strip().splitlines()[-1]


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dest = tmp_path_factory.mktemp("sysfs")
    with tarfile.open(REPO / "fixtures/sysfs/16amd64-8n2c.tar.xz") as archive:
        archive.extractall(dest, filter="tar")
    return dest / "16amd64-8n2c"


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_topology_of_a_sysfs_tree_loads_no_dataclasses(tree: Path, fmt: str) -> None:
    assert _heavy_imports("topology", "--sysfs-root", str(tree), "-o", fmt) == "[]"


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_admit_on_the_demo_node_loads_no_dataclasses(fmt: str) -> None:
    pod = str(REPO / "workbench/data/pods/postgres.yaml")
    assert _heavy_imports("admit", pod, "--demo", "-o", fmt) == "[]"


def test_admit_on_the_demo_node_loads_no_pathlib_fractions_or_json() -> None:
    """pathlib (~3 ms with urllib and ipaddress), fractions with decimal (~2 ms) and json (~1.3
    ms) are not needed to preview a YAML pod on the demo node and print text."""
    pod = str(REPO / "workbench/data/pods/postgres.yaml")
    heavy = ("pathlib", "fractions", "decimal", "json")
    assert _heavy_imports("admit", pod, "--demo", heavy=heavy) == "[]"


@pytest.mark.parametrize(
    ("argv", "collecting"),
    [
        (["topology", "--demo"], False),
        (["admit", "pod.yaml", "--demo"], False),
        (["top", "--once"], True),
        (["commit", "pod.yaml", "--demo"], True),
        (["fleet", "admit", "pod.yaml"], True),
        (["journal", "--help"], False),
        (["demo"], True),
        ([], True),
    ],
)
def test_the_launcher_skips_garbage_collection_only_for_help_and_read_only_commands(
    monkeypatch: pytest.MonkeyPatch, argv: list[str], collecting: bool
) -> None:
    import gc

    from workbench.cli import launch, main

    seen: list[bool] = []
    monkeypatch.setattr(main, "main", lambda words: seen.append(gc.isenabled()) or 0)
    monkeypatch.setattr(launch, "end_now", lambda code: None)
    monkeypatch.setattr(sys, "argv", ["workbench", *argv])
    try:
        assert launch.run() == 0
    finally:
        gc.enable()
    assert seen == [collecting]


def test_a_read_only_command_ends_without_tear_down_and_loses_no_output(tree: Path) -> None:
    """`topology` ends through `os._exit` once its output is flushed: the whole document
    arrives (in a pipe, where stdout is block-buffered) and the exit code is the command's."""
    argv = ["topology", "--sysfs-root", str(tree), "-o", "json"]
    hooked = (
        "import atexit; atexit.register(print, 'tear-down ran')\nfrom workbench.cli.launch import run\nrun()"
    )
    out = subprocess.run([sys.executable, "-c", hooked, *argv], capture_output=True, text=True)
    assert out.returncode == 0 and "tear-down ran" not in out.stdout
    plain = "from workbench.cli.main import main\nraise SystemExit(main())"
    whole = subprocess.run([sys.executable, "-c", plain, *argv], capture_output=True, text=True, check=True)
    assert out.stdout == whole.stdout and whole.stdout.rstrip().endswith("}")
    missing = str(tree / "missing.yaml")
    bad = subprocess.run(
        [sys.executable, "-m", "workbench", "admit", missing, "--demo"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and bad.stderr.startswith("workbench: ")
