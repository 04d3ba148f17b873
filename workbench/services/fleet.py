"""Use case "fleet admit" (`workbench fleet admit POD.yaml --bundles ...`): the kubelet's
verdict for one pod on each captured node, with that node's own kubelet configuration and
allocations, and which admitting node keeps the most room on one NUMA node afterwards.

Room on a NUMA node is what the next exclusive pod could get there: its CPUs still in the node
shared pool (not reserved, not exclusive, not in a pod bubble; `admission.ownership`) and its
memory not held by the memory manager (`services.ownership.numa_memory`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.errors import InputError

if TYPE_CHECKING:
    from workbench.admission.decision import Decision
    from workbench.services.source import Node


@dataclass(frozen=True)
class Room:
    numa_node: int
    free_cpus: int
    free_memory: int
    node_free_cpus: int = 0  # on the whole node (breaks ties between equally roomy NUMA nodes)


@dataclass(frozen=True)
class NodeVerdict:
    node: str
    bundle: Path
    admitted: bool
    reason: str
    message: str
    numa_nodes: tuple[int, ...]
    room: Room | None  # after admission (the node as it is when rejected); None if unreadable
    error: str = ""  # the bundle could not be read: the one-line error


@dataclass(frozen=True)
class FleetVerdict:
    pod: str
    nodes: tuple[NodeVerdict, ...]

    @property
    def admitting(self) -> list[NodeVerdict]:
        return [n for n in self.nodes if n.admitted]

    @property
    def most_room(self) -> NodeVerdict | None:
        """The admitting node with the most free CPUs on one NUMA node, then the most memory free
        there, then the most free CPUs in all; the first listed of equals."""
        best: NodeVerdict | None = None
        for n in self.admitting:
            if n.room is not None and (best is None or _rank(n.room) > _rank(best.room)):
                best = n
        return best

    @property
    def errors(self) -> list[str]:
        return [n.error for n in self.nodes if n.error]

    @property
    def exit_code(self) -> int:
        if self.errors:
            return 2
        return 0 if self.admitting else 1


def _rank(r: Room | None) -> tuple[int, int, int]:
    return (r.free_cpus, r.free_memory, r.node_free_cpus) if r else (-1, -1, -1)


def _numa_nodes(node: Node, d: Decision) -> tuple[int, ...]:
    """The NUMA nodes the pod would take: those of its containers' (and bubble's) CPUs, and the
    memory nodes the memory manager pins (cpuset.mems; without it memory is not pinned, so the
    mems name every node and say nothing); none when rejected."""
    if not d.admitted:
        return ()
    numa_of = {c: n.id for n in node.topology.numa_nodes for c in n.cpus}
    pinned = node.config.memory_manager_policy == "Static"
    taken: set[int] = set()
    for placed in (*d.containers, *((d.pod,) if d.pod is not None else ())):
        taken.update(numa_of[c] for c in placed.cpus if c in numa_of)
        if pinned:
            taken.update(placed.mems)
    return tuple(sorted(taken))


def room_after(node: Node, d: Decision) -> Room:
    from workbench.admission.ownership import OwnerKind, cpu_owners
    from workbench.services.ownership import numa_memory

    state = d.state_after if d.admitted else node.state
    owners = cpu_owners(node.topology, node.config, state)
    memory = numa_memory(node.topology, state)
    total = sum(1 for o in owners.values() if o.kind is OwnerKind.SHARED)
    rooms = []
    for numa in node.topology.numa_nodes:
        free = sum(1 for c in numa.cpus if owners[c].kind is OwnerKind.SHARED)
        held = memory.get(numa.id)
        rooms.append(Room(numa.id, free, (held.total - held.used) if held else numa.memory_bytes, total))
    return max(rooms, key=lambda r: (r.free_cpus, r.free_memory, -r.numa_node))


def verdict_for(path: Path, node_name: str, node: Node, pod: Any) -> NodeVerdict:
    from workbench.services.admit import decide

    d = decide(node.topology, node.config, node.state, pod, advise=False)
    return NodeVerdict(
        node_name, path, d.admitted, d.reason, d.message, _numa_nodes(node, d), room_after(node, d)
    )


def fleet_admit(pod_file: str, bundles: list[Path], *, pod_name: str | None = None) -> FleetVerdict:
    from workbench.services.fleet_nodes import MachineCache, bundle_files, open_node
    from workbench.services.pods import load_pod_file

    pod = load_pod_file(pod_file, pod_name)
    cache = MachineCache()
    verdicts = []
    for path in bundle_files(bundles):
        try:
            name, node = open_node(path, cache)
        except InputError as exc:
            verdicts.append(NodeVerdict(path.name, path, False, "", "", (), None, error=exc.line()))
            continue
        verdicts.append(verdict_for(path, name, node, pod))
    return FleetVerdict(f"{pod.namespace}/{pod.name}", tuple(verdicts))


def fleet_json(v: FleetVerdict) -> dict[str, Any]:
    best = v.most_room
    return {
        "pod": v.pod,
        "nodes": [
            {
                "node": n.node,
                "bundle": str(n.bundle),
                "admitted": n.admitted,
                "reason": n.reason,
                "message": n.message,
                "numa_nodes": list(n.numa_nodes),
                "room_after": (
                    {
                        "numa_node": n.room.numa_node,
                        "free_cpus": n.room.free_cpus,
                        "free_memory": n.room.free_memory,
                        "node_free_cpus": n.room.node_free_cpus,
                    }
                    if n.room
                    else None
                ),
                **({"error": n.error} if n.error else {}),
            }
            for n in v.nodes
        ],
        "summary": {
            "admitted": [n.node for n in v.admitting],
            "rejected": [n.node for n in v.nodes if not n.admitted and not n.error],
            "unreadable": [n.node for n in v.nodes if n.error],
            "most_room": best.node if best else None,
        },
    }


def _room_text(r: Room | None) -> str:
    from workbench.quantity import format_bytes

    if r is None:
        return "-"
    return f"NUMA {r.numa_node}: {r.free_cpus} CPUs, {format_bytes(r.free_memory)}"


def fleet_text(v: FleetVerdict) -> str:
    width = max([len(n.node) for n in v.nodes] + [4])
    lines = [f"pod {v.pod} on {len(v.nodes)} nodes: {len(v.admitting)} admit it"]
    lines.append(f"{'node':<{width}}  verdict  NUMA     most room on one NUMA node after")
    for n in v.nodes:
        if n.error:
            lines.append(f"{n.node:<{width}}  ERROR    -        {n.error}")
            continue
        verdict = "ADMIT " if n.admitted else "REJECT"
        numa = ",".join(map(str, n.numa_nodes)) or "-"
        tail = _room_text(n.room) if n.admitted else f"{n.reason}: {n.message}"
        lines.append(f"{n.node:<{width}}  {verdict}   {numa:<7}  {tail}")
    best = v.most_room
    if best is not None:
        lines.append(f"most room on one NUMA node afterwards: {best.node} ({_room_text(best.room)})")
    else:
        lines.append("no node admits it")
    return "".join(f"{line}\n" for line in lines)
