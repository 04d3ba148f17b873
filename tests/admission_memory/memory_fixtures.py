"""Builds managers, pods and states from the compact notation of the memory manager fixtures."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from workbench.admission import Hint
from workbench.admission.memory_manager import MemoryManager
from workbench.kube.model import (
    Container,
    MemoryBlock,
    MemoryTable,
    NodeConfig,
    NodeState,
    NumaMemoryState,
    PodSpec,
    ReservedMemory,
    Resources,
)
from workbench.quantity import parse_bytes
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import NumaNode, Topology

FIXTURES = Path(__file__).resolve().parent / "fixtures"
GIB = 1 << 30


def load(name: str) -> Any:
    return yaml.safe_load((FIXTURES / name).read_text())


def size(value: Any) -> int:
    return parse_bytes(str(value))


def machine(raw: dict[int, dict[str, Any]] | None) -> dict[int, NumaMemoryState] | None:
    if raw is None:
        return None
    out: dict[int, NumaMemoryState] = {}
    for node_id, spec in raw.items():
        tables = {
            name: MemoryTable(
                total=size(v[4]), system_reserved=size(v[3]), allocatable=size(v[0]),
                reserved=size(v[2]), free=size(v[1]),
            )
            for name, v in spec.items()
            if name not in ("n", "cells")
        }
        out[int(node_id)] = NumaMemoryState(spec["n"], MappingProxyType(tables), tuple(spec["cells"]))
    return out


def blocks(raw: list[Any]) -> tuple[MemoryBlock, ...]:
    return tuple(MemoryBlock(tuple(aff), typ, size(sz)) for aff, typ, sz in raw)


def assignments(raw: dict[str, dict[str, list[Any]]] | None) -> dict[str, dict[str, tuple[MemoryBlock, ...]]]:
    return {uid: {c: blocks(b) for c, b in cs.items()} for uid, cs in (raw or {}).items()}


def config(system_reserved: dict[int, dict[str, Any]], **extra: Any) -> NodeConfig:
    reserved = tuple(
        ReservedMemory(int(n), MappingProxyType({k: size(v) for k, v in limits.items()}))
        for n, limits in system_reserved.items()
    )
    return NodeConfig(memory_manager_policy="Static", reserved_memory=reserved, **extra)


def topology(nodes: dict[int, dict[str, Any]] | None) -> Topology:
    numa = []
    for node_id, spec in (nodes or {0: {"memory": "2Gi", "pages_1g": 0}}).items():
        pages = {GIB: spec["pages_1g"]} if spec.get("pages_1g") else {}
        numa.append(NumaNode(int(node_id), CPUSet(), size(spec["memory"]), MappingProxyType(pages)))
    return Topology(name="memory-test", cpus=(), numa_nodes=tuple(numa))


def resources(req: Any) -> Resources:
    if req == "guaranteed":
        amounts = {"cpu": 1000, "memory": GIB, "hugepages-1Gi": GIB}
        return Resources(MappingProxyType(dict(amounts)), MappingProxyType(dict(amounts)))
    if req == "burstable":
        return Resources(
            MappingProxyType({"cpu": 1000, "memory": GIB, "hugepages-1Gi": GIB}),
            MappingProxyType({"cpu": 1000, "memory": 2 * GIB, "hugepages-1Gi": 2 * GIB}),
        )
    if req is None:
        return Resources()
    amounts = {"cpu": 1000, **{k: size(v) for k, v in req.items()}}
    return Resources(MappingProxyType(dict(amounts)), MappingProxyType(dict(amounts)))


def pod(raw: dict[str, Any]) -> PodSpec:
    def containers(items: list[dict[str, Any]], kind: str) -> tuple[Container, ...]:
        return tuple(
            Container(c["name"], c.get("kind", kind), resources(c.get("req")))  # type: ignore[arg-type]
            for c in items
        )

    pod_res = Resources()
    if "pod_req" in raw:
        amounts = {k: (v if k == "cpu" else size(v)) for k, v in raw["pod_req"].items()}
        pod_res = Resources(MappingProxyType(dict(amounts)), MappingProxyType(dict(amounts)))
    return PodSpec(
        name=raw["uid"], uid=raw["uid"], resources=pod_res,
        init_containers=containers(raw.get("init", []), "init"),
        containers=containers(raw["containers"], "app"),
    )


def hint(raw: dict[str, Any]) -> Hint:
    mask = raw["mask"]
    return Hint(None if mask is None else frozenset(mask), raw["preferred"])


def manager(case: dict[str, Any], **extra: Any) -> MemoryManager:
    state = NodeState(
        memory=machine(case.get("machine")),
        memory_assignments=assignments(case.get("assignments")),
    )
    cfg = config(case.get("system_reserved", {}), **extra)
    return MemoryManager(topology(case.get("topology")), cfg, state)


def exported_machine(mgr: MemoryManager) -> dict[int, NumaMemoryState]:
    return dict(mgr.export(NodeState()).memory or {})


def exported_assignments(mgr: MemoryManager) -> dict[str, dict[str, list[MemoryBlock]]]:
    out = mgr.export(NodeState()).memory_assignments
    # upstream compares blocks as multisets (areMemoryBlocksEqual)
    return {
        uid: {c: sorted(b, key=lambda x: (x.type, x.numa_affinity, x.size)) for c, b in cs.items()}
        for uid, cs in out.items()
    }


def sorted_assignments(
    raw: dict[str, dict[str, tuple[MemoryBlock, ...]]],
) -> dict[str, dict[str, list[MemoryBlock]]]:
    return {
        uid: {c: sorted(b, key=lambda x: (x.type, x.numa_affinity, x.size)) for c, b in cs.items()}
        for uid, cs in raw.items()
    }
