"""Text of the Preview panel: verdict, kubelet reason and message, the hint table (providers x
NUMA masks and the merged hint), each container's cpuset/mems/isolation/cpu.max, the pod bubble,
and advice for a rejection (clearly marked as ours, not the kubelet's)."""

from __future__ import annotations

from workbench.services.admit import Decision, Hint, ProviderHints
from workbench.topology.cpuset import CPUSet
from workbench.tui.viewmodel.session import Preview


def _hint(h: Hint) -> str:
    mask = "any" if h.mask is None else str(CPUSet(h.mask))
    return f"{mask}{'*' if h.preferred else ''}"


def hint_rows(providers: ProviderHints, merged: Hint | None) -> list[tuple[str, str, str]]:
    """(provider, resource, hints) rows; `*` marks a preferred hint, as the report does."""
    rows: list[tuple[str, str, str]] = []
    for provider, per in providers.items():
        for res, hints in sorted(per.items()):
            if hints is None:
                text = "no preference"
            elif not hints:
                text = "none possible"
            else:
                text = " ".join(_hint(h) for h in hints[:8]) + (" …" if len(hints) > 8 else "")
            rows.append((provider, res, text))
    rows.append(("merged", "", _hint(merged) if merged else "-"))
    return rows


def container_rows(decision: Decision) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = [("container", "kind", "cpuset", "mems", "isolation", "cpu.max")]
    for c in decision.containers:
        rows.append((c.name, c.kind, str(c.cpus) or "-", str(c.mems) or "-", c.isolation, c.cpu_max))
    return rows


def _table(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(x.ljust(w) for x, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def preview_lines(
    preview: Preview, show_timing: bool = True, ascii_only: bool = False
) -> list[tuple[str, str]]:
    """(style tag, text) lines: tags are '', 'ok', 'bad', 'head', 'dim', 'err', 'advice'."""
    out: list[tuple[str, str]] = []
    result = preview.result
    if preview.decision is None:
        out.append(("bad", "INVALID DRAFT · fix the marked fields"))
        for path, reason in sorted(result.errors.items()):
            out.append(("err", f"  {path}: {reason}"))
        return out
    d = preview.decision
    ms = preview.seconds * 1000
    where = f"{d.policy}/{d.scope} · QoS {d.qos_class or '-'}"
    if show_timing:
        where += f" · decided in {ms:.1f} ms"
    if d.admitted:
        out.append(("ok", f"ADMITTED · {where}"))
    else:
        out.append(("bad", f"REJECTED · {d.reason} · {where}"))
        out.append(("err", d.message))
        if d.failed_container:
            out.append(("dim", f"failed at container {d.failed_container}"))
    out.append(("head", "Topology hints (* preferred)"))
    out += [
        ("", line)
        for line in _table([("provider", "resource", "NUMA masks"), *hint_rows(d.providers, d.hint)])
    ]
    if d.admitted:
        out.append(("head", f"Placement ({'*' if ascii_only else '◆'} on the grid)"))
        out += [("", line) for line in _table(container_rows(d))]
        if d.pod is not None:
            out.append(
                (
                    "",
                    f"pod bubble {d.pod.cpus or '-'} · shared pool {d.pod.shared_pool or '-'} · "
                    f"mems {d.pod.mems or '-'} · cpu.max {d.pod.cpu_max} · memory.max {d.pod.memory_max}",
                )
            )
        out.append(("dim", f"node shared pool after: {d.default_cpuset or '-'}"))
    if not d.admitted and not preview.advised:
        out.append(("dim", "working out the smallest change that would admit it…"))
    if d.advice:
        out.append(("head", "Advice (the workbench's, not the kubelet's)"))
        out += [("advice", f"• {a}") for a in d.advice]
    return out
