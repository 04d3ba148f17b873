"""Use case "fleet top" (`workbench fleet top --bundles ...`): every pool of every captured
node (exclusive containers, pod shared pools, node shared pools), over each capture's whole
span, sorted by throttled share: where the fleet's CPU limits bite hardest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import InputError

if TYPE_CHECKING:
    from workbench.usage.attribution import PoolFigures


@dataclass(frozen=True)
class FleetPools:
    pools: tuple[tuple[str, PoolFigures], ...]  # (node, pool), most throttled first
    errors: tuple[str, ...]

    @property
    def exit_code(self) -> int:
        return 2 if self.errors else 0


def fleet_top(bundles: list[Path]) -> FleetPools:
    from workbench.bundle.reader import Bundle
    from workbench.services.bundle_replay import replay_reports
    from workbench.services.fleet_nodes import bundle_files, node_name
    from workbench.services.source import NodeSource
    from workbench.services.usage import UsageRequest

    rows: list[tuple[str, PoolFigures]] = []
    errors: list[str] = []
    for path in bundle_files(bundles):
        try:
            with Bundle(path) as b:
                name = node_name(b)
            report = replay_reports(UsageRequest(NodeSource(bundle=path)), whole=True)[0]
        except InputError as exc:
            errors.append(exc.at(str(path)).line())
            continue
        rows += [(name, p) for p in report.attribution.pools]
    rows.sort(key=lambda r: (-(r[1].throttled_ratio or 0.0), -(r[1].throttled_s or 0.0), r[0]))
    return FleetPools(tuple(rows), tuple(errors))


def fleet_top_json(f: FleetPools) -> dict[str, Any]:
    from workbench.services.usage_render import pool_json

    return {"pools": [{"node": node, **pool_json(p)} for node, p in f.pools], "errors": list(f.errors)}


def fleet_top_text(f: FleetPools) -> str:
    rows = [["NODE", "POOL", "OWNER", "CPUS", "USED", "THR", "THR_S"]]
    for node, p in f.pools:
        s = p.spec
        owner = " ".join(x for x in (s.pod, s.container) if x) or "-"
        used = "-" if p.usage_cores is None else f"{p.usage_cores:.2f}"
        thr = "-" if p.throttled_ratio is None else f"{p.throttled_ratio * 100:.0f}%"
        thr_s = "-" if p.throttled_s is None else f"{p.throttled_s:.2f}"
        rows.append([node, s.kind, owner, str(s.cpus), used, thr, thr_s])
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n" for r in rows
    )
