"""Use case "validate files" (`workbench validate`): pods and workload pod templates checked as
the API server would, KubeletConfigurations as the kubelet does at start, every problem with its
file and field path."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.errors import InputError

if TYPE_CHECKING:
    from workbench.kube.problem import Problem
    from workbench.services.source import NodeSource
    from workbench.topology.model import Topology


@dataclass(frozen=True)
class Validation:
    files: tuple[str, ...]
    problems: tuple[Problem, ...] = ()
    # One line per file that could not be read at all.
    unreadable: tuple[str, ...] = ()
    strict: bool = False

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors

    @property
    def unreadable_line(self) -> str | None:
        """The one stderr line of an exit 2 (the first unreadable file; the JSON lists all)."""
        if not self.unreadable:
            return None
        more = len(self.unreadable) - 1
        return self.unreadable[0] + (f" (and {more} more file(s) could not be read)" if more else "")

    @property
    def exit_code(self) -> int:
        """2 a file could not be read, 1 problems (warnings too when strict), else 0."""
        if self.unreadable:
            return 2
        return 1 if self.errors or (self.warnings and self.strict) else 0


def validate_file(path: str, topology: Topology | None = None) -> list[Problem]:
    """Problems of one file (raises InputError if it cannot be read or parsed)."""
    from workbench.kube import config as kcfg
    from workbench.kube.pod import spec_path_of
    from workbench.kube.problem import Problem
    from workbench.kube.validate import validate_pod_doc
    from workbench.kube.yamlio import load_documents, read_text

    text, label = read_text(path)
    docs = load_documents(text, label)
    problems: list[Problem] = []
    checked = 0
    for index, doc in enumerate(docs):
        if not isinstance(doc, Mapping):
            problems.append(Problem(f"document {index + 1}", "is not an object", "error", label))
            continue
        objects = doc.get("items") if doc.get("kind") == "List" else [doc]
        for obj in objects if isinstance(objects, list) else []:
            if not isinstance(obj, Mapping):
                continue
            if obj.get("kind") == kcfg.KIND:
                checked += 1
                problems.extend(kcfg.config_problems(obj, label, topology))
            elif spec_path_of(obj) is not None:
                checked += 1
                problems.extend(validate_pod_doc(obj, label))
    if not checked:
        problems.append(
            Problem("", "no Pod, workload or KubeletConfiguration found (nothing to check)", "error", label)
        )
    return problems


def validate_files(paths: Sequence[str], source: NodeSource, *, strict: bool = False) -> Validation:
    """Every file's problems; kubelet configs are checked against the machine only when the
    source names one explicitly."""
    from workbench.services.source import load_topology

    topology = load_topology(source) if source.machine_given else None
    unreadable: list[str] = []
    problems: list[Problem] = []
    for path in paths:
        try:
            problems.extend(validate_file(path, topology))
        except InputError as exc:
            unreadable.append(exc.line())
    return Validation(tuple(paths), tuple(problems), tuple(unreadable), strict)


def validation_json(v: Validation) -> dict[str, Any]:
    return {
        "files": list(v.files),
        "problems": [p.as_dict() for p in v.problems],
        "unreadable": list(v.unreadable),
        "errors": v.errors,
        "warnings": v.warnings,
    }


def validation_text(v: Validation) -> str:
    """stdout's text; the unreadable files go to stderr, one line each (the face prints them)."""
    lines = [p.line() for p in v.problems]
    if not v.problems and not v.unreadable:
        lines.append(f"ok: {len(v.files)} file(s), no problems")
    elif v.problems:
        lines.append(f"{v.errors} error(s), {v.warnings} warning(s)")
    return "".join(f"{line}\n" for line in lines)
