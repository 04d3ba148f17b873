"""A `Decision` as the JSON document scripts read and as the text an operator reads at 80 columns."""

from __future__ import annotations

import textwrap

from workbench.admission.decision import ContainerPlacement, Decision, Hint, ProviderHints
from workbench.admission.errors import (
    EMPTY_POD_SHARED_POOL_ERROR,
    SMT_ALIGNMENT_ERROR,
    TOPOLOGY_AFFINITY_ERROR,
    UNEXPECTED_ADMISSION_ERROR,
)
from workbench.admission.hint_list import is_empty
from workbench.admission.report_fit import fit_rule, fit_to_json, fit_to_text
from workbench.admission.resource_fit import OUT_OF_PREFIX
from workbench.kube.model import MemoryBlock
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any

WIDTH = 80
PREFERRED_GLYPH = "*"
# How many hints of one resource the text shows before summarising the rest.
_MAX_HINTS_SHOWN = 12


# ---- JSON -----------------------------------------------------------------------------------


def _mask(mask: frozenset[int] | None) -> str | None:
    return None if mask is None else str(CPUSet(mask))


def hint_to_json(hint: Hint | None) -> dict[str, Any] | None:
    if hint is None:
        return None
    return {"numa": _mask(hint.mask), "preferred": hint.preferred}


def providers_to_json(providers: ProviderHints) -> dict[str, dict[str, list[dict[str, Any]] | None]]:
    out: dict[str, dict[str, list[dict[str, Any]] | None]] = {}
    for name, per in providers.items():
        out[name] = {
            res: None if hints is None else [{"numa": _mask(h.mask), "preferred": h.preferred} for h in hints]
            for res, hints in sorted(per.items())
        }
    return out


def _blocks(blocks: tuple[MemoryBlock, ...]) -> list[dict[str, Any]]:
    return [{"numa": str(CPUSet(b.numa_affinity)), "type": b.type, "size": b.size} for b in blocks]


def _container_json(c: ContainerPlacement) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "name": c.name,
        "kind": c.kind,
        "cpus": str(c.cpus),
        "mems": str(c.mems),
        "isolation": c.isolation,
        "cpu_max": c.cpu_max,
        "memory_max": c.memory_max,
        "exclusive_cpus": c.exclusive_cpus,
        "memory_blocks": _blocks(c.memory_blocks),
    }
    if c.hint is not None or c.providers:
        doc["hint"] = hint_to_json(c.hint)
        doc["providers"] = providers_to_json(c.providers)
    return doc


def decision_to_json(decision: Decision) -> dict[str, Any]:
    """The `admit -o json` document (snake_case keys, CPU sets as list strings)."""
    pod = decision.pod
    return {
        "admitted": decision.admitted,
        "reason": decision.reason,
        "message": decision.message,
        "pod_key": decision.pod_key,
        "policy": decision.policy,
        "scope": decision.scope,
        "hint": hint_to_json(decision.hint),
        "providers": providers_to_json(decision.providers),
        # `pod` describes the pod bubble and exists only where there is one (pod scope with
        # pod-level resource managers); the pod cgroup's limits apply to every admitted pod.
        "pod": None
        if pod is None or not pod.cpus
        else {
            "cpus": str(pod.cpus),
            "shared_pool": str(pod.shared_pool),
            "mems": str(pod.mems),
            "memory_blocks": _blocks(pod.memory_blocks),
        },
        "pod_cgroup": None if pod is None else {"cpu_max": pod.cpu_max, "memory_max": pod.memory_max},
        "containers": [_container_json(c) for c in decision.containers],
        "default_cpuset": str(decision.default_cpuset),
        "qos_class": decision.qos_class,
        "failed_container": decision.failed_container or None,
        "advice": list(decision.advice),
        "resource_fit": fit_to_json(decision.fit),
        "kubelet_differs_from_kep": decision.deviation or None,
    }


# ---- text ------------------------------------------------------------------------------------


def _human_bytes(value: str) -> str:
    if not value.isdigit():
        return value
    n = int(value)
    for suffix, size in (("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size}{suffix}"
    for suffix, size in (("Ti", 1 << 40), ("Gi", 1 << 30), ("Mi", 1 << 20)):
        if n >= size:
            # Tenths in integers (n / size overflows a float for huge values), rounded half to
            # even as the "%.1f" this replaces.
            tenths, rest = divmod(n * 10, size)
            if 2 * rest > size or (2 * rest == size and tenths % 2):
                tenths += 1
            return f"{tenths // 10}.{tenths % 10}{suffix}"
    return str(n)


def _hint_cell(h: Hint) -> str:
    m = "any" if h.mask is None else str(CPUSet(h.mask))
    return m + (PREFERRED_GLYPH if h.preferred else "")


def _wrap(label: str, cells: list[str], label_width: int, indent: str) -> list[str]:
    body = "  ".join(cells) if cells else "-"
    room = WIDTH - len(indent) - label_width - 1
    wrapped = textwrap.wrap(body, width=room, break_on_hyphens=False, break_long_words=False) or [""]
    # cells keep their inner spaces as no-break spaces until wrapped
    lines = [line.replace("\u00a0", " ") for line in wrapped]
    out = [f"{indent}{label:<{label_width}} {lines[0]}"]
    out.extend(indent + " " * (label_width + 1) + rest for rest in lines[1:])
    return out


def hint_table(providers: ProviderHints, merged: Hint | None, indent: str = "  ") -> list[str]:
    """Providers x NUMA masks: one row per provider/resource, the merged hint last."""
    rows: list[tuple[str, list[str]]] = []
    for name, per in providers.items():
        if not per:
            rows.append((f"{name}", ["any" + PREFERRED_GLYPH + " (no preference)"]))
            continue
        for res, hints in sorted(per.items()):
            label = f"{name}/{res}" if res != name else name
            if hints is None:
                rows.append((label, ["any" + PREFERRED_GLYPH + " (no preference)"]))
            elif not hints:
                rows.append((label, ["none possible"]))
            else:
                cells = [_hint_cell(h) for h in hints[:_MAX_HINTS_SHOWN]]
                if len(hints) > _MAX_HINTS_SHOWN:
                    cells.append(f"(+{len(hints) - _MAX_HINTS_SHOWN}\u00a0more)")
                rows.append((label, cells))
    if merged is not None:
        rows.append(("=> merged", [_hint_cell(merged)]))
    width = min(28, max((len(label) for label, _ in rows), default=8))
    out: list[str] = []
    for label, cells in rows:
        if len(label) > width:
            label = label[: width - 1] + "~"
        out.extend(_wrap(label, cells, width, indent))
    return out


def _fit(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "~"


def container_table(containers: tuple[ContainerPlacement, ...]) -> list[str]:
    """NAME KIND ISOLATION CPUS MEMS CPU.MAX MEMORY.MAX, long CPU lists on their own line."""
    head = f"  {'NAME':<14} {'KIND':<7} {'ISOL':<9} {'CPUS':<11} {'MEMS':<5} {'CPU.MAX':<14} MEM.MAX"
    out = [head]
    for c in containers:
        cpus = str(c.cpus) or '""'
        short = cpus if len(cpus) <= 11 else "(below)"
        out.append(
            f"  {_fit(c.name, 14):<14} {c.kind:<7} {c.isolation:<9} {short:<11} "
            f"{_fit(str(c.mems), 5):<5} {c.cpu_max:<14} {_human_bytes(c.memory_max)}"
        )
        if short != cpus:
            out.extend(textwrap.wrap(cpus, WIDTH - 6, initial_indent="    cpus ", subsequent_indent=" " * 9))
    return out


def _empty_lists(providers: ProviderHints) -> list[str]:
    return [
        f"{name}/{res}"
        for name, per in providers.items()
        for res, hints in per.items()
        if hints is not None and is_empty(hints)
    ]


def failed_rule(decision: Decision) -> str:
    """The kubelet rule that produced the rejection, in words."""
    best = decision.hint
    if best is None:
        best_text = "none"
    elif best.mask is None and not best.preferred:
        best_text = "no NUMA node every provider could use"
    else:
        best_text = _hint_cell(best)
    who = f" for container {decision.failed_container}" if decision.failed_container else ""
    if decision.reason == TOPOLOGY_AFFINITY_ERROR:
        if decision.policy == "single-numa-node":
            rule = (
                "single-numa-node admits only a merged hint on exactly one NUMA node that every "
                f"provider prefers; the best merged hint{who} was {best_text}"
            )
        else:
            rule = (
                f"{decision.policy} admits only a preferred merged hint (every provider prefers "
                f"the same NUMA nodes); the best merged hint{who} was {best_text}"
            )
        empty = _empty_lists(decision.providers)
        if empty:
            rule += f". No hint at all from {', '.join(empty)}"
            if "pod-level" in decision.message and "cpu/cpu" in empty:
                rule += (
                    " (validatePodScopeResources: the exclusive containers leave no CPU of the pod "
                    "budget for the containers that share the pod pool)"
                )
        return rule
    if decision.reason == EMPTY_POD_SHARED_POOL_ERROR:
        return (
            "AllocatePod checks the pod budget (validatePodScopeResources): the exclusive "
            "containers must leave room for every container that shares the pod pool"
        )
    if decision.reason == SMT_ALIGNMENT_ERROR:
        return "full-pcpus-only: exclusive CPUs are handed out as whole physical cores only" + who
    if decision.reason.startswith(OUT_OF_PREFIX) and decision.fit is not None and decision.fit.insufficient:
        return fit_rule(decision.fit)
    if decision.reason == UNEXPECTED_ADMISSION_ERROR:
        rule = "the topology manager admitted the pod but allocation failed" + who
        return f"{rule}. {decision.deviation}" if decision.deviation else rule
    return "admission failed" + who


def decision_to_text(decision: Decision, topology: Topology) -> str:
    lines: list[str] = []
    verdict = "ADMITTED" if decision.admitted else f"REJECTED  {decision.reason}"
    lines.append(f"{verdict}  pod {decision.pod_key}")
    if not decision.admitted:
        lines.extend(textwrap.wrap(decision.message, WIDTH - 2, initial_indent="  ", subsequent_indent="  "))
    scope = decision.scope if decision.policy != "none" else f"{decision.scope} (ignored under policy none)"
    lines.extend(
        textwrap.wrap(
            f"node {topology.name}: policy {decision.policy}, scope {scope}, QoS {decision.qos_class or '-'}",
            WIDTH,
            subsequent_indent="  ",
        )
    )
    lines.append("")
    if decision.policy == "none":
        lines.append("Topology hints: none (policy none merges no hints)")
    else:
        lines.append(f"Topology hints (NUMA masks, {PREFERRED_GLYPH} = preferred)")
        per_container = [c for c in decision.containers if c.providers]
        if per_container and decision.scope == "container":
            for c in per_container:
                lines.append(f"  container {c.name}")
                lines.extend(hint_table(c.providers, c.hint, indent="    "))
        else:
            if decision.failed_container and decision.scope == "container":
                lines.append(f"  container {decision.failed_container}")
                lines.extend(hint_table(decision.providers, decision.hint, indent="    "))
            else:
                lines.extend(hint_table(decision.providers, decision.hint))
    if decision.admitted:
        lines.append("")
        pod = decision.pod
        if pod is not None:
            if pod.cpus:
                lines.append(
                    f"Pod bubble {pod.cpus} ({len(pod.cpus)} CPUs), shared pool "
                    f"{pod.shared_pool or '-'}, mems {pod.mems}"
                )
            lines.append(f"Pod cgroup cpu.max {pod.cpu_max}, memory.max {_human_bytes(pod.memory_max)}")
        lines.append("Containers")
        lines.extend(container_table(decision.containers))
        lines.extend(
            textwrap.wrap(
                f"Node shared pool after admission: {decision.default_cpuset or '-'}",
                WIDTH,
                subsequent_indent="  ",
            )
        )
    else:
        lines.append("")
        lines.append("Rule that failed")
        lines.extend(
            textwrap.wrap(failed_rule(decision), WIDTH - 2, initial_indent="  ", subsequent_indent="  ")
        )
    if decision.fit is not None:
        lines.append("")
        lines.extend(fit_to_text(decision.fit))
    if decision.advice:
        lines.append("")
        if decision.admitted:
            lines.append("Notes (this tool's explanation, not the kubelet's)")
        else:
            lines.append("Advice (what-if by this tool, not the kubelet's decision)")
        for a in decision.advice:
            lines.extend(textwrap.wrap(a, WIDTH - 4, initial_indent="  - ", subsequent_indent="    "))
    return "\n".join(lines) + "\n"
