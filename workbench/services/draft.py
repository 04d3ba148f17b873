"""Use case "draft -> pod": the text fields of a pod being edited become a Pod manifest, checked by
the API server's validation (`kube.validate`) and read by the one pod reader (`kube.pod`); every
problem is attached to the draft field it came from, so a form can mark that field.

The draft itself is a plain immutable value (`Draft`, `DraftContainer`): editing operations
return new drafts, so undo and tests are trivial.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from workbench.errors import InputError
from workbench.kube.model import CPU, MEMORY, Container, ContainerKind, PodSpec
from workbench.quantity import format_bytes, format_cpu, parse_bytes, parse_quantity
from workbench.record import EMPTY, Record, setfield

if TYPE_CHECKING:
    from workbench.kube.problem import Problem

RESOURCE_FIELDS = ("cpu", "cpu_limit", "memory", "memory_limit")
# draft field -> (requests|limits, resource name)
_FIELD_KEYS = {
    "cpu": ("requests", CPU),
    "cpu_limit": ("limits", CPU),
    "memory": ("requests", MEMORY),
    "memory_limit": ("limits", MEMORY),
}
_KEY_FIELDS = {v: k for k, v in _FIELD_KEYS.items()}
_CONTAINER_PATH = re.compile(r"^spec\.(initContainers|containers)\[(\d+)\](?:\.(.*))?$")


def cpu_milli(text: str) -> int:
    """Millicores of a CPU field ("" is 0); ValueError for a malformed or negative quantity."""
    text = text.strip()
    if not text:
        return 0
    q = parse_quantity(text)
    if q.sign() < 0:
        raise ValueError(f"{text!r} is negative")
    return q.milli_value()


def memory_bytes(text: str) -> int:
    text = text.strip()
    return parse_bytes(text) if text else 0


class DraftContainer(Record):
    name: str
    kind: ContainerKind
    cpu: str
    cpu_limit: str
    memory: str
    memory_limit: str

    __slots__ = _fields = ("name", "kind", "cpu", "cpu_limit", "memory", "memory_limit")

    def __init__(
        self,
        name: str,
        kind: ContainerKind = "app",
        cpu: str = "",
        cpu_limit: str = "",
        memory: str = "",
        memory_limit: str = "",
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "kind", kind)
        setfield(self, "cpu", cpu)
        setfield(self, "cpu_limit", cpu_limit)
        setfield(self, "memory", memory)
        setfield(self, "memory_limit", memory_limit)

    @property
    def exclusive(self) -> bool:
        """Asks for exclusive CPUs: whole CPUs, requests equal to limits for cpu and memory."""
        try:
            cpu = cpu_milli(self.cpu or self.cpu_limit)
            lim = cpu_milli(self.cpu_limit)
            mem = memory_bytes(self.memory or self.memory_limit)
            mem_lim = memory_bytes(self.memory_limit)
        except ValueError:
            return False
        return cpu > 0 and cpu % 1000 == 0 and cpu == lim and mem > 0 and mem == mem_lim


_ONE_APP = (DraftContainer("app"),)


class Draft(Record):
    name: str
    namespace: str
    cpu: str
    cpu_limit: str
    memory: str
    memory_limit: str
    containers: tuple[DraftContainer, ...]
    source: str

    __slots__ = _fields = (
        "name",
        "namespace",
        "cpu",
        "cpu_limit",
        "memory",
        "memory_limit",
        "containers",
        "source",
    )

    def __init__(
        self,
        name: str = "draft",
        namespace: str = "default",
        cpu: str = "",
        cpu_limit: str = "",
        memory: str = "",
        memory_limit: str = "",
        containers: tuple[DraftContainer, ...] = _ONE_APP,
        source: str = "",
    ) -> None:
        setfield(self, "name", name)
        setfield(self, "namespace", namespace)
        setfield(self, "cpu", cpu)
        setfield(self, "cpu_limit", cpu_limit)
        setfield(self, "memory", memory)
        setfield(self, "memory_limit", memory_limit)
        setfield(self, "containers", containers)
        setfield(self, "source", source)


class DraftResult(Record):
    pod: PodSpec | None
    # field path ("pod.cpu", "c1.memory_limit", "pod") -> reason
    errors: Mapping[str, str]

    __slots__ = _fields = ("pod", "errors")

    def __init__(self, pod: PodSpec | None, errors: Mapping[str, str] = EMPTY) -> None:
        setfield(self, "pod", pod)
        setfield(self, "errors", errors)

    @property
    def ok(self) -> bool:
        return self.pod is not None and not self.errors


def _resources(holder: Draft | DraftContainer) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for fname, (group, res) in _FIELD_KEYS.items():
        text = getattr(holder, fname).strip()
        if text:
            out.setdefault(group, {})[res] = text
    return out


def manifest(draft: Draft) -> tuple[dict[str, Any], dict[tuple[str, int], int]]:
    """The Pod manifest of `draft` (quantities as typed), and which draft container each
    manifest container is: (`initContainers`|`containers`, index) -> draft index."""
    groups: dict[str, list[dict[str, Any]]] = {"initContainers": [], "containers": []}
    where: dict[tuple[str, int], int] = {}
    for i, dc in enumerate(draft.containers):
        group = "containers" if dc.kind == "app" else "initContainers"
        c: dict[str, Any] = {"name": dc.name}
        if dc.kind == "sidecar":
            c["restartPolicy"] = "Always"
        res = _resources(dc)
        if res:
            c["resources"] = res
        where[(group, len(groups[group]))] = i
        groups[group].append(c)
    spec: dict[str, Any] = {}
    pod_res = _resources(draft)
    if pod_res:
        spec["resources"] = pod_res
    if groups["initContainers"]:
        spec["initContainers"] = groups["initContainers"]
    spec["containers"] = groups["containers"]
    doc = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": draft.name, "namespace": draft.namespace},
        "spec": spec,
    }
    return doc, where


def _draft_field(path: str, where: Mapping[tuple[str, int], int]) -> str:
    """The draft field a validation problem's field path names ("pod" when none does)."""
    scope, rest = "pod", path.removeprefix("spec.")
    m = _CONTAINER_PATH.match(path)
    if m:
        index = where.get((m.group(1), int(m.group(2))))
        if index is None:
            return "pod"
        scope, rest = f"c{index}", m.group(3) or ""
    if rest == "name" and scope != "pod":
        return f"{scope}.name"
    if path in ("metadata.name", "metadata.namespace"):
        return f"pod.{path.split('.')[1]}"
    parts = rest.split(".")
    if len(parts) >= 3 and parts[0] == "resources" and (parts[1], parts[2]) in _KEY_FIELDS:
        return f"{scope}.{_KEY_FIELDS[(parts[1], parts[2])]}"
    return scope


def _short(message: str) -> str:
    # Parse errors end with a hint in parentheses (names with an example and the regex); the
    # field shows the problem, the hint is long.
    return message.split(" (write")[0].split(" (e.g.")[0]


def to_podspec(draft: Draft) -> DraftResult:
    """The pod the draft describes, or the reason for every field that is wrong."""
    from workbench.kube.pod import pod_from_mapping
    from workbench.kube.validate import validate_pod_doc

    doc, where = manifest(draft)
    source = draft.source or "draft"
    errors: dict[str, str] = {}
    problems: list[Problem] = validate_pod_doc(doc, source)
    for p in problems:
        if p.severity == "error":
            errors.setdefault(_draft_field(p.field, where), _short(p.message))
    if errors:
        return DraftResult(None, MappingProxyType(errors))
    try:
        pod = pod_from_mapping(doc, source=source)
    except InputError as exc:  # validation passed, so this names something it does not check
        return DraftResult(None, MappingProxyType({_draft_field(exc.field, where): exc.problem}))
    return DraftResult(pod)


def _text(values: Mapping[str, int], name: str) -> str:
    v = values.get(name)
    if not v:
        return ""
    return format_cpu(v) if name == CPU else format_bytes(v)


def _draft_container(c: Container) -> DraftContainer:
    r = c.resources
    return DraftContainer(
        c.name,
        c.kind,
        _text(r.requests, CPU),
        _text(r.limits, CPU),
        _text(r.requests, MEMORY),
        _text(r.limits, MEMORY),
    )


def from_podspec(pod: PodSpec) -> Draft:
    r = pod.resources
    return Draft(
        name=pod.name,
        namespace=pod.namespace,
        cpu=_text(r.requests, CPU),
        cpu_limit=_text(r.limits, CPU),
        memory=_text(r.requests, MEMORY),
        memory_limit=_text(r.limits, MEMORY),
        containers=tuple(_draft_container(c) for c in pod.all_containers),
        source=pod.source,
    )
