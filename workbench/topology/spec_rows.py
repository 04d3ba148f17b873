"""The `cpus:` rows of a topology spec <-> the machine's CPUs.

A row's `socket`, `numa` and `core` are what they always were: for a spec written for the
kubelet, its `CPUDetails`. The optional keys describe a machine the kubelet sees otherwise:
`socket: -1` (physical_package_id unknown; null: no such file) with `package` (the package hwloc
forms), `numa: null`
(a CPU in no NUMA node), `core_id` (sysfs core_id when it does not follow `core`; null: none),
`cluster`, `book`, `drawer`.
"""

from __future__ import annotations

from collections.abc import Mapping

from workbench.topology.machine import MachineCPU
from workbench.topology.spec_check import SpecContext, kind_of

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any

CPU_KEYS = (
    "id", "socket", "numa", "core", "die", "l3", "online", "package", "core_id", "cluster", "book", "drawer",
)  # fmt: skip


def _numa(ctx: SpecContext, row: Mapping[Any, Any], field: str) -> int | None:
    if "numa" in row and row["numa"] is None:
        return None  # in no NUMA node: the kubelet does not see this CPU
    return ctx.integer(row, "numa", field, required=True)


def _core_id(ctx: SpecContext, row: Mapping[Any, Any], field: str, core: int) -> int | None:
    if "core_id" not in row:
        return core
    if row["core_id"] is None:
        return None  # no topology/core_id in sysfs
    return ctx.integer(row, "core_id", field, required=True)


def _socket(ctx: SpecContext, row: Mapping[Any, Any], field: str) -> int | None:
    if "socket" in row and row["socket"] is None:
        return None  # no topology/physical_package_id in sysfs
    return ctx.integer(row, "socket", field, required=True, minimum=-1)


def _package(ctx: SpecContext, row: Mapping[Any, Any], field: str, socket: int | None) -> int:
    package = ctx.integer(row, "package", field, required=False)
    if package is not None:
        return package
    if socket is None or socket < 0:
        raise ctx.fail(
            f"{field}.package",
            "missing: the socket is unknown, so the machine's package must be given",
            fix="add package: N (the package hwloc shows for this CPU)",
        )
    return socket


def parse_cpu(ctx: SpecContext, raw: object, field: str) -> tuple[int, MachineCPU | None]:
    """(id, the CPU) for an online row, (id, None) for an offline one."""
    row = ctx.mapping(raw, field)
    ctx.check_keys(row, CPU_KEYS, field)
    cid = ctx.integer(row, "id", field, required=True)
    assert cid is not None
    online = row.get("online", True)
    if not isinstance(online, bool):
        raise ctx.fail(f"{field}.online", f"expected true or false, got {kind_of(online)}")
    if not online:
        return cid, None
    core = ctx.integer(row, "core", field, required=True)
    socket = _socket(ctx, row, field)
    assert core is not None
    return cid, MachineCPU(
        id=cid,
        package=_package(ctx, row, field, socket),
        core=core,
        numa=_numa(ctx, row, field),
        socket=socket,
        core_id=_core_id(ctx, row, field, core),
        die=ctx.integer(row, "die", field, required=False) or 0,
        cluster=ctx.integer(row, "cluster", field, required=False),
        book=ctx.integer(row, "book", field, required=False),
        drawer=ctx.integer(row, "drawer", field, required=False),
        l3=ctx.integer(row, "l3", field, required=False),
    )


def parse_cpus(ctx: SpecContext, rows: object) -> tuple[list[MachineCPU], list[int]]:
    """Online CPUs sorted by id, and the offline ids; each core within one package and node."""
    if not isinstance(rows, list) or not rows:
        raise ctx.fail("cpus", f"expected a non-empty list of CPU rows, got {kind_of(rows)}")
    cpus: list[MachineCPU] = []
    offline: list[int] = []
    seen: dict[int, str] = {}
    core_home: dict[int, tuple[int, int | None, str]] = {}
    for i, raw in enumerate(rows):
        field = f"cpus[{i}]"
        cid, cpu = parse_cpu(ctx, raw, field)
        if cid in seen:
            raise ctx.fail(f"{field}.id", f"duplicate CPU id {cid} (also {seen[cid]})")
        seen[cid] = field
        if cpu is None:
            offline.append(cid)
            continue
        home = core_home.setdefault(cpu.core, (cpu.package, cpu.numa, field))
        if home[:2] != (cpu.package, cpu.numa):
            raise ctx.fail(
                f"{field}.core",
                f"core {cpu.core} is in socket {cpu.package}, NUMA node {cpu.numa} here but in socket "
                f"{home[0]}, NUMA node {home[1]} at {home[2]}",
                fix="core ids are unique across the node; give each physical core its own id",
            )
        cpus.append(cpu)
    if not cpus:
        raise ctx.fail("cpus", "every CPU is offline", fix="mark at least one CPU online")
    cpus.sort(key=lambda c: c.id)
    return cpus, offline


def dump_cpu(c: MachineCPU) -> dict[str, Any]:
    row: dict[str, Any] = {"id": c.id, "socket": c.socket, "numa": c.numa, "core": c.core}
    if c.package != c.socket:
        row["package"] = c.package
    if c.core_id != c.core:
        row["core_id"] = c.core_id
    for key in ("die", "l3", "cluster", "book", "drawer"):
        value = getattr(c, key)
        if value is not None and (value or key != "die"):
            row[key] = value
    return row
