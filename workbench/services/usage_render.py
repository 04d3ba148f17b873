"""Renderings of a usage report: the `-o json` document of `workbench top` and its text.

JSON contract (`top --once -o json`): top-level `interval_s`, `containers`, `pools` (plus
`findings`, `tasks`, `notes`). A container: `pod`, `container`, `pool`, `cpus`, `usage_cores`,
`throttled_ratio`, `throttled_s`, `memory_bytes`, `memory_numa_bytes` (NUMA node id as a string
-> bytes), and `binds`, `quota_cores`, `psi_some`, `psi_full`, `oom_kills`, `planned_mems`,
`off_plan_bytes`, `cgroup`. A pool: `kind`, `pod`, `container`, `cpus`, `capacity_cores`,
`usage_cores`, `throttled_ratio`, and `headroom_cores`, `throttled_s`, `psi_some`, `psi_full`,
`busy_cores`, `foreign_cores`, `binds`. A pod (`pods`, from its own cgroup: the whole pod with
its pause process, and where a pod-level limit without an exclusive container is enforced):
`pod`, `cgroup`, `usage_cores`, `throttled_ratio`, `throttled_s`, `memory_bytes`. A gap (a
vanished, new or restarted cgroup, a counter reset) is `null`, never a made-up figure.
"""

from __future__ import annotations

from typing import Any

from workbench.services.usage import UsageReport
from workbench.usage.attribution import ContainerFigures, PodFigures, PoolFigures

BINDS_TEXT = {
    "cpuset width": "capped by cpuset width",
    "CFS quota": "capped by CFS quota",
    "nothing": "not capped",
}


def _r(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(x, digits)


def container_json(c: ContainerFigures) -> dict[str, Any]:
    m, r = c.member, c.rates
    return {
        "pod": m.pod,
        "container": m.container,
        "pool": m.pool,
        "cpus": str(m.cpus),
        "usage_cores": _r(c.usage_cores),
        "throttled_ratio": _r(r.throttled_ratio) if r else None,
        "throttled_s": _r(r.throttled_s) if r else None,
        "memory_bytes": c.memory_bytes,
        "memory_numa_bytes": {str(n): b for n, b in sorted(c.numa_bytes.items())},
        "binds": c.binds or None,
        "quota_cores": _r(c.quota_cores),
        "psi_some": _r(r.psi_some) if r else None,
        "psi_full": _r(r.psi_full) if r else None,
        "oom_kills": c.oom_kills,
        "planned_mems": str(m.planned_mems),
        "off_plan_bytes": c.off_plan_bytes,
        "cgroup": m.cgroup,
    }


def pool_json(p: PoolFigures) -> dict[str, Any]:
    s = p.spec
    return {
        "kind": s.kind,
        "pod": s.pod,
        "container": s.container,
        "cpus": str(s.cpus),
        "capacity_cores": p.capacity_cores,
        "usage_cores": _r(p.usage_cores),
        "throttled_ratio": _r(p.throttled_ratio),
        "headroom_cores": _r(p.headroom_cores),
        "throttled_s": _r(p.throttled_s),
        "psi_some": _r(p.psi_some),
        "psi_full": _r(p.psi_full),
        "busy_cores": _r(p.busy_cores),
        "foreign_cores": _r(p.foreign_cores),
        "binds": p.binds or None,
    }


def pod_json(p: PodFigures) -> dict[str, Any]:
    r = p.rates
    return {
        "pod": p.pod,
        "cgroup": p.cgroup,
        "usage_cores": _r(r.usage_cores) if r else None,
        "throttled_ratio": _r(r.throttled_ratio) if r else None,
        "throttled_s": _r(r.throttled_s) if r else None,
        "memory_bytes": p.memory_bytes,
    }


def usage_json(report: UsageReport) -> dict[str, Any]:
    a = report.attribution
    return {
        "interval_s": round(report.interval_s, 4),
        "source": report.source,
        "containers": [container_json(c) for c in a.containers],
        "pools": [pool_json(p) for p in a.pools],
        "pods": [pod_json(p) for p in a.pods],
        "findings": [{"kind": f.kind, "subject": f.subject, "text": f.text} for f in report.findings],
        "tasks": [
            {"pid": t.pid, "tid": t.tid, "comm": t.comm, "cpu": t.cpu, "pool": t.pool, "cgroup": t.cgroup}
            for t in report.tasks
        ],
        "notes": list(report.notes),
    }


def _f(x: float | None, fmt: str = "{:.2f}") -> str:
    return "-" if x is None else fmt.format(x)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x * 100:.0f}%"


def _mib(n: int | None) -> str:
    if n is None:
        return "-"
    return f"{n / (1 << 30):.1f}G" if n >= 1 << 30 else f"{n / (1 << 20):.0f}M"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return [fmt.format(*headers).rstrip(), *(fmt.format(*r).rstrip() for r in rows)]


def _pool_row(p: PoolFigures) -> list[str]:
    s = p.spec
    owner = s.container or (s.pod or "")
    if s.container and s.pod:
        owner = f"{s.pod} {s.container}"
    return [
        s.kind, owner or "-", str(s.cpus) or "-", f"{p.capacity_cores:g}", _f(p.usage_cores),
        _f(p.headroom_cores), _f(p.busy_cores), _f(p.foreign_cores), _pct(p.throttled_ratio),
        _pct(p.psi_some), BINDS_TEXT.get(p.binds, "-"),
    ]  # fmt: skip


def _short(name: str) -> str:
    """A runtime's 64-hex container ID as `crictl ps` shows it (13 characters); names as they are."""
    hexdigits = set("0123456789abcdef")
    return name[:13] if len(name) > 20 and set(name) <= hexdigits else name


def _container_row(c: ContainerFigures) -> list[str]:
    m, r = c.member, c.rates
    numa = " ".join(f"N{n}:{_mib(b)}" for n, b in sorted(c.numa_bytes.items()) if b) or "-"
    return [
        m.pod, _short(m.container), m.pool, str(m.cpus) or "-", _f(c.usage_cores), _f(c.quota_cores, "{:g}"),
        _pct(r.throttled_ratio if r else None), _f(r.throttled_s if r else None),
        _pct(r.psi_some if r else None), _mib(c.memory_bytes), numa, BINDS_TEXT.get(c.binds, "-"),
    ]  # fmt: skip


def usage_text(report: UsageReport) -> str:
    a = report.attribution
    lines = [f"usage over {report.interval_s:.2f} s · {report.source}", ""]
    lines += _table(
        ["POOL", "OWNER", "CPUS", "CAP", "USED", "HEAD", "BUSY", "FOREIGN", "THR", "PSI", "LIMIT"],
        [_pool_row(p) for p in a.pools],
    )
    lines.append("")
    lines += _table(
        ["POD", "CONTAINER", "POOL", "CPUS", "USED", "QUOTA", "THR", "THR_S", "PSI", "MEM", "NUMA", "LIMIT"],
        [_container_row(c) for c in a.containers],
    )
    if report.findings:
        lines += ["", "findings:"] + [f"  ! {f.text}" for f in report.findings]
    if report.tasks:
        lines += ["", "foreign tasks (pid/tid comm, cpu, pool, cgroup):"]
        lines += [f"  {t.pid}/{t.tid} {t.comm} cpu {t.cpu} {t.pool} {t.cgroup or '-'}" for t in report.tasks]
    lines += [f"note: {n}" for n in report.notes]
    return "\n".join(lines) + "\n"
