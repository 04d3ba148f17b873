"""Running one input through the CLI in-process and checking the contract a user relies on.

`Workspace` is a temporary node: a copy of the kubelet directory, a cgroup sandbox made by
`workbench sandbox init`, a journal path. `run_case` writes the input where its kind goes and
runs each of the kind's commands through `workbench.cli.main.main(argv)` with stdout/stderr
captured as a terminal would encode them (UTF-8, strict), under a time guard. `check` states
the contract: exit 0, 1 or 2 only; exit 2 with exactly one stderr line; no traceback; nothing
unprintable on either stream; JSON output that parses; within the time guard; nothing written
unless a commit --apply succeeded (a failed apply leaves the tree as it was).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import shutil
import signal
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from fuzz_corpus import NODE, InputKind

from workbench.cli.main import main
from workbench.errors import InputError

# Characters that must never reach a terminal raw: C0 (but newline/tab), DEL, C1, bidi
# controls, line/paragraph separators, surrogates.
_UNSAFE = frozenset(
    [chr(c) for c in range(0x20) if chr(c) not in "\n\t"]
    + [chr(0x7F)]
    + [chr(c) for c in range(0x80, 0xA0)]
    + [chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029, 0x200E, 0x200F)]
)


class GuardTimeout(BaseException):
    """Raised in the main thread when one command runs past the guard (BaseException: the
    code under test cannot swallow it with `except Exception`)."""


@dataclass(frozen=True)
class Outcome:
    argv: tuple[str, ...]
    code: int | None
    stdout: str
    stderr: str
    seconds: float
    # The traceback of an exception that escaped main(), or of the guard's timeout.
    crash: str = ""
    # CPU time of the run (the machine may be loaded: wall time alone overstates the cost).
    cpu: float = 0.0


@contextlib.contextmanager
def _guard(seconds: float) -> Iterator[None]:
    def fire(signum: int, frame: object) -> None:
        raise GuardTimeout(f"still running after {seconds:g} s")

    old = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _stream() -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(), encoding="utf-8", errors="strict", write_through=True)


def _text(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode("utf-8", "replace")


def run_cli(argv: tuple[str, ...], guard: float) -> Outcome:
    out, err = _stream(), _stream()
    crash = ""
    code: int | None = None
    start, cpu = time.perf_counter(), time.process_time()
    try:
        with _guard(guard), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(argv))
    except SystemExit as exc:  # argparse: a usage error
        code = exc.code if isinstance(exc.code, int) else 2
    except BaseException:  # noqa: BLE001 - anything escaping main() is the finding
        crash = traceback.format_exc(limit=-6)
    seconds = time.perf_counter() - start
    return Outcome(argv, code, _text(out), _text(err), seconds, crash, time.process_time() - cpu)


def check(outcome: Outcome, *, wrote: str, guard: float) -> list[str]:
    """Every broken promise of one run, as short signatures (stable across runs, for dedupe)."""
    problems: list[str] = []
    if outcome.crash:
        last = outcome.crash.strip().splitlines()[-1]
        where = [ln.strip() for ln in outcome.crash.splitlines() if "/workbench/" in ln]
        site = where[-1].split(", in ")[-1] if where else "?"
        problems.append(f"crash: {last.split(':')[0]} in {site}")
        return problems
    if outcome.code not in (0, 1, 2):
        problems.append(f"exit code {outcome.code}")
    lines = outcome.stderr.splitlines()
    if outcome.code == 2 and len(lines) != 1:
        problems.append(f"exit 2 with {len(lines)} stderr lines")
    if "Traceback" in outcome.stderr or "Traceback" in outcome.stdout:
        problems.append("traceback printed")
    for name, text in (("stdout", outcome.stdout), ("stderr", outcome.stderr)):
        if any(ch in _UNSAFE for ch in text):
            problems.append(f"unprintable character on {name}")
    if "json" in outcome.argv and outcome.stdout.strip():
        try:
            json.loads(outcome.stdout)
        except ValueError:
            problems.append("-o json printed something that is not JSON")
    if outcome.seconds > guard:
        problems.append(f"slower than the {guard:g} s guard")
    if wrote:
        problems.append(f"wrote on exit {outcome.code}: {wrote}")
    return problems


class Workspace:
    """A throwaway node for one kind's run: kubelet dir copy, sandbox, journal, input file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.kubelet = root / "kubelet"
        self.sandbox = root / "cgroup"
        self.journal_dir = root / "journal"
        self.journal = self.journal_dir / "journal.db"
        self._pristine = root / "cgroup.pristine"
        root.mkdir(parents=True, exist_ok=True)
        code = run_cli(
            ("sandbox", "init", str(self._pristine), "--topology", str(NODE / "topology.yaml")), 60
        )
        assert code.code == 0, code
        self.reset()

    def reset(self) -> None:
        for d in (self.kubelet, self.sandbox, self.journal_dir):
            shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(NODE, self.kubelet)
        shutil.copytree(self._pristine, self.sandbox)
        self.journal_dir.mkdir()

    def place(self, kind: InputKind, data: bytes, suffix: str) -> Path:
        if kind.place == "input":
            path = self.root / f"input{suffix}"
        else:
            shutil.rmtree(self.kubelet, ignore_errors=True)
            shutil.copytree(NODE, self.kubelet)
            path = self.kubelet / kind.place
        path.write_bytes(data)
        return path

    def argv(self, template: tuple[str, ...], path: Path) -> tuple[str, ...]:
        values = {
            "input": str(path),
            "kubelet": str(self.kubelet),
            "sandbox": str(self.sandbox),
            "journal": str(self.journal),
            "topology": str(NODE / "topology.yaml"),
        }
        return tuple(part.format(**values) for part in template)

    def snapshot(self) -> tuple[dict[str, str], dict[str, str]]:
        """(sandbox files -> content hash, everything else but the input -> content hash)."""
        tree: dict[str, str] = {}
        rest: dict[str, str] = {}
        for p in sorted(self.root.rglob("*")):
            if p.is_file() and self._pristine not in p.parents:
                digest = hashlib.blake2b(p.read_bytes(), digest_size=8).hexdigest()
                (tree if self.sandbox in p.parents else rest)[str(p.relative_to(self.root))] = digest
        return tree, rest


def _changes(before: dict[str, str], after: dict[str, str]) -> str:
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return ", ".join(changed[:3]) + (" ..." if len(changed) > 3 else "")


def run_command(
    ws: Workspace, template: tuple[str, ...], path: Path, guard: float
) -> tuple[Outcome, list[str]]:
    """One command on the placed input: its outcome and its broken promises."""
    argv = ws.argv(template, path)
    tree0, rest0 = ws.snapshot()
    outcome = run_cli(argv, guard)
    tree1, rest1 = ws.snapshot()
    applied = "--apply" in argv and outcome.code == 0
    wrote = ""
    if not applied:
        # A failed apply may journal its attempt, but the tree must be as it was; anything
        # else (dry runs, validate, admit, bad input) writes nothing at all.
        wrote = _changes(tree0, tree1)
        if not wrote and (outcome.code == 2 or "--apply" not in argv):
            wrote = _changes(rest0, rest1)
    problems = check(outcome, wrote=wrote, guard=guard)
    if "--apply" in argv and outcome.code in (0, 1):
        ws.reset()  # the next input starts from the same node
    return outcome, problems


def run_call(kind: InputKind, path: Path, guard: float) -> tuple[Outcome, list[str]]:
    """A reader with no command (themes, keymaps): InputError is its clean refusal."""
    assert kind.call is not None
    start, cpu = time.perf_counter(), time.process_time()
    crash, code, stderr = "", 0, ""
    try:
        with _guard(guard):
            kind.call(path)
    except InputError as exc:
        code, stderr = 2, exc.line() + "\n"  # what a face prints for it
    except BaseException:  # noqa: BLE001
        crash = traceback.format_exc(limit=-6)
    outcome = Outcome(
        ("call", kind.name), code, "", stderr, time.perf_counter() - start, crash, time.process_time() - cpu
    )
    return outcome, check(outcome, wrote="", guard=guard)


def run_case(ws: Workspace, kind: InputKind, data: bytes, suffix: str, extra: tuple[str, ...], guard: float,
             only: int | None = None) -> list[tuple[Outcome, list[str]]]:  # fmt: skip
    path = ws.place(kind, data, suffix)
    if kind.call is not None:
        return [run_call(kind, path, guard)]
    results = []
    for i, template in enumerate(kind.commands):
        if only is not None and i != only:
            continue
        # --pod NAME picks the seed's pod, for the commands that take it.
        full = template + (extra if "{input}" in template and template[0] in ("admit", "commit") else ())
        results.append(run_command(ws, full, path, guard))
    return results


def subprocess_env() -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    env.pop("PYTHONIOENCODING", None)
    return env


PYTHON = sys.executable
