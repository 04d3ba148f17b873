"""The pod draft the Draft screen edits: text fields as typed, turned into a `PodSpec` with a
reason for every field that is wrong (the screen marks the field, not a dialog).

Editing operations return new drafts, so undo and tests are trivial.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from workbench.kube.model import CPU, MEMORY, Container, ContainerKind, PodSpec, Resources
from workbench.quantity import format_bytes, format_cpu, parse_bytes, parse_quantity

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
KINDS: tuple[ContainerKind, ...] = ("app", "sidecar", "init")
RESOURCE_FIELDS = ("cpu", "cpu_limit", "memory", "memory_limit")


@dataclass(frozen=True)
class DraftContainer:
    name: str
    kind: ContainerKind = "app"
    cpu: str = ""
    cpu_limit: str = ""
    memory: str = ""
    memory_limit: str = ""

    @property
    def exclusive(self) -> bool:
        """Asks for exclusive CPUs: whole CPUs, requests equal to limits for cpu and memory."""
        try:
            cpu = _cpu(self.cpu or self.cpu_limit)
            lim = _cpu(self.cpu_limit)
            mem = _mem(self.memory or self.memory_limit)
            mem_lim = _mem(self.memory_limit)
        except ValueError:
            return False
        return cpu > 0 and cpu % 1000 == 0 and cpu == lim and mem > 0 and mem == mem_lim


@dataclass(frozen=True)
class Draft:
    name: str = "draft"
    namespace: str = "default"
    cpu: str = ""
    cpu_limit: str = ""
    memory: str = ""
    memory_limit: str = ""
    containers: tuple[DraftContainer, ...] = (DraftContainer("app"),)
    source: str = ""


@dataclass(frozen=True)
class DraftResult:
    pod: PodSpec | None
    # field path ("pod.cpu", "c1.memory_limit", "pod") -> reason
    errors: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def ok(self) -> bool:
        return self.pod is not None and not self.errors


def _cpu(text: str) -> int:
    text = text.strip()
    if not text:
        return 0
    q = parse_quantity(text)
    if q.sign() < 0:
        raise ValueError(f"{text!r} is negative")
    return q.milli_value()


def _mem(text: str) -> int:
    text = text.strip()
    return parse_bytes(text) if text else 0


def _short(exc: ValueError) -> str:
    # parse errors carry a hint in parentheses; the field shows the problem, the hint is long
    return str(exc).split(" (write")[0]


# ---- editing operations --------------------------------------------------------------------


def set_field(draft: Draft, path: str, value: str) -> Draft:
    """`path` is `pod.<field>` or `c<index>.<field>`; unknown paths raise KeyError."""
    scope, _, name = path.partition(".")
    if scope == "pod":
        if name not in ("name", "namespace", *RESOURCE_FIELDS):
            raise KeyError(path)
        return replace(draft, **{name: value})  # type: ignore[arg-type]
    index = int(scope[1:])
    if name not in ("name", *RESOURCE_FIELDS):
        raise KeyError(path)
    containers = list(draft.containers)
    containers[index] = replace(containers[index], **{name: value})  # type: ignore[arg-type]
    return replace(draft, containers=tuple(containers))


def get_field(draft: Draft, path: str) -> str:
    scope, _, name = path.partition(".")
    target: object = draft if scope == "pod" else draft.containers[int(scope[1:])]
    value = getattr(target, name)
    assert isinstance(value, str)
    return value


def _unique_name(draft: Draft, base: str) -> str:
    names = {c.name for c in draft.containers}
    if base not in names:
        return base
    n = 2
    while f"{base}-{n}" in names:
        n += 1
    return f"{base}-{n}"


def add_container(draft: Draft, kind: ContainerKind = "app") -> Draft:
    base = {"app": "app", "sidecar": "sidecar", "init": "init"}[kind]
    new = DraftContainer(_unique_name(draft, base), kind)
    return replace(draft, containers=(*draft.containers, new))


def remove_container(draft: Draft, index: int) -> Draft:
    if not 0 <= index < len(draft.containers):
        return draft
    return replace(draft, containers=draft.containers[:index] + draft.containers[index + 1 :])


def cycle_kind(draft: Draft, index: int) -> Draft:
    c = draft.containers[index]
    kind = KINDS[(KINDS.index(c.kind) + 1) % len(KINDS)]
    containers = list(draft.containers)
    containers[index] = replace(c, kind=kind)
    return replace(draft, containers=tuple(containers))


def set_exclusive(draft: Draft, index: int, exclusive: bool) -> Draft:
    """Exclusive: whole CPUs with limits equal to requests (cpu rounded up, memory defaulted).
    Shared: no CPU request, so the container runs in the pod (or node) shared pool."""
    c = draft.containers[index]
    if exclusive:
        try:
            milli = _cpu(c.cpu or c.cpu_limit)
        except ValueError:
            milli = 0
        cpus = max(1, -(-milli // 1000))
        try:
            mem = _mem(c.memory or c.memory_limit)
        except ValueError:
            mem = 0
        mem_text = format_bytes(mem) if mem else "256Mi"
        c = replace(c, cpu=str(cpus), cpu_limit=str(cpus), memory=mem_text, memory_limit=mem_text)
    else:
        c = replace(c, cpu="", cpu_limit="", memory_limit="")
    containers = list(draft.containers)
    containers[index] = c
    return replace(draft, containers=tuple(containers))


def toggle_exclusive(draft: Draft, index: int) -> Draft:
    return set_exclusive(draft, index, not draft.containers[index].exclusive)


# ---- conversion --------------------------------------------------------------------------


def _resources(
    prefix: str, cpu: str, cpu_limit: str, memory: str, memory_limit: str, errors: dict[str, str]
) -> Resources:
    requests: dict[str, int] = {}
    limits: dict[str, int] = {}
    values: dict[str, int] = {}
    for fname, text, parse in (
        ("cpu", cpu, _cpu),
        ("cpu_limit", cpu_limit, _cpu),
        ("memory", memory, _mem),
        ("memory_limit", memory_limit, _mem),
    ):
        try:
            values[fname] = parse(text)
        except ValueError as exc:
            errors[f"{prefix}.{fname}"] = _short(exc)
    for res, req_f, lim_f in ((CPU, "cpu", "cpu_limit"), (MEMORY, "memory", "memory_limit")):
        req = values.get(req_f, 0)
        lim = values.get(lim_f, 0)
        if lim and not req:
            req = lim  # the API server defaults requests to limits
        if lim and req > lim:
            errors[f"{prefix}.{req_f}"] = "request is more than the limit"
        if req:
            requests[res] = req
        if lim:
            limits[res] = lim
    return Resources(MappingProxyType(requests), MappingProxyType(limits))


def to_podspec(draft: Draft) -> DraftResult:
    errors: dict[str, str] = {}
    if not _DNS_LABEL.match(draft.name):
        errors["pod.name"] = "must be a DNS label: lower-case letters, digits and '-'"
    if not _DNS_LABEL.match(draft.namespace):
        errors["pod.namespace"] = "must be a DNS label"
    pod_res = _resources("pod", draft.cpu, draft.cpu_limit, draft.memory, draft.memory_limit, errors)
    inits: list[Container] = []
    apps: list[Container] = []
    seen: set[str] = set()
    for i, dc in enumerate(draft.containers):
        if not _DNS_LABEL.match(dc.name):
            errors[f"c{i}.name"] = "must be a DNS label"
        elif dc.name in seen:
            errors[f"c{i}.name"] = f"another container is already called {dc.name!r}"
        seen.add(dc.name)
        res = _resources(f"c{i}", dc.cpu, dc.cpu_limit, dc.memory, dc.memory_limit, errors)
        container = Container(dc.name, dc.kind, res)
        (apps if dc.kind == "app" else inits).append(container)
    if not apps:
        errors["pod"] = "a pod needs at least one app container"
    # Pod-level requests must cover what the containers ask for (API validation of pod resources).
    for res_name, fname, fmt in ((CPU, "cpu", format_cpu), (MEMORY, "memory", format_bytes)):
        budget = pod_res.requests.get(res_name, 0)
        if not budget:
            continue
        asked = sum(c.resources.requests.get(res_name, 0) for c in apps)
        sidecars = sum(c.resources.requests.get(res_name, 0) for c in inits if c.kind == "sidecar")
        if asked + sidecars > budget and f"pod.{fname}" not in errors:
            errors[f"pod.{fname}"] = (
                f"containers ask for {fmt(asked + sidecars)}, more than the pod's {fmt(budget)}"
            )
    if errors:
        return DraftResult(None, MappingProxyType(errors))
    pod = PodSpec(
        name=draft.name,
        namespace=draft.namespace,
        resources=pod_res,
        init_containers=tuple(inits),
        containers=tuple(apps),
        source=draft.source or "draft",
    )
    return DraftResult(pod)


def _text(values: Mapping[str, int], name: str) -> str:
    v = values.get(name)
    if not v:
        return ""
    return format_cpu(v) if name == CPU else format_bytes(v)


def from_podspec(pod: PodSpec) -> Draft:
    def dc(c: Container) -> DraftContainer:
        r = c.resources
        return DraftContainer(
            c.name,
            c.kind,
            _text(r.requests, CPU),
            _text(r.limits, CPU),
            _text(r.requests, MEMORY),
            _text(r.limits, MEMORY),
        )

    r = pod.resources
    return Draft(
        name=pod.name,
        namespace=pod.namespace,
        cpu=_text(r.requests, CPU),
        cpu_limit=_text(r.limits, CPU),
        memory=_text(r.requests, MEMORY),
        memory_limit=_text(r.limits, MEMORY),
        containers=tuple(dc(c) for c in pod.all_containers),
        source=pod.source,
    )


def field_paths(draft: Draft) -> list[str]:
    """Every editable text field in screen order."""
    paths = [f"pod.{f}" for f in ("name", *RESOURCE_FIELDS)]
    for i in range(len(draft.containers)):
        paths += [f"c{i}.{f}" for f in ("name", *RESOURCE_FIELDS)]
    return paths
