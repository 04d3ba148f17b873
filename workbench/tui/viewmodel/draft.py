"""Editing the pod draft the Draft screen shows: fields as typed, containers added, removed and
switched between exclusive and shared. The draft value and its conversion to a pod (with a reason
for every wrong field) are the application layer's (`services.draft`).

Editing operations return new drafts, so undo and tests are trivial.
"""

from __future__ import annotations

from workbench.kube.model import ContainerKind
from workbench.quantity import format_bytes
from workbench.record import replace
from workbench.services.draft import (
    RESOURCE_FIELDS,
    Draft,
    DraftContainer,
    DraftResult,
    cpu_milli,
    from_podspec,
    memory_bytes,
    to_podspec,
)

__all__ = [
    "KINDS",
    "RESOURCE_FIELDS",
    "Draft",
    "DraftContainer",
    "DraftResult",
    "add_container",
    "cycle_kind",
    "field_paths",
    "from_podspec",
    "get_field",
    "remove_container",
    "set_exclusive",
    "set_field",
    "to_podspec",
    "toggle_exclusive",
]

KINDS: tuple[ContainerKind, ...] = ("app", "sidecar", "init")


# ---- editing operations --------------------------------------------------------------------


def set_field(draft: Draft, path: str, value: str) -> Draft:
    """`path` is `pod.<field>` or `c<index>.<field>`; unknown paths raise KeyError."""
    scope, _, name = path.partition(".")
    if scope == "pod":
        if name not in ("name", "namespace", *RESOURCE_FIELDS):
            raise KeyError(path)
        return replace(draft, **{name: value})
    index = int(scope[1:])
    if name not in ("name", *RESOURCE_FIELDS):
        raise KeyError(path)
    containers = list(draft.containers)
    containers[index] = replace(containers[index], **{name: value})
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
            milli = cpu_milli(c.cpu or c.cpu_limit)
        except ValueError:
            milli = 0
        cpus = max(1, -(-milli // 1000))
        try:
            mem = memory_bytes(c.memory or c.memory_limit)
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


def field_paths(draft: Draft) -> list[str]:
    """Every editable text field in screen order."""
    paths = [f"pod.{f}" for f in ("name", *RESOURCE_FIELDS)]
    for i in range(len(draft.containers)):
        paths += [f"c{i}.{f}" for f in ("name", *RESOURCE_FIELDS)]
    return paths
