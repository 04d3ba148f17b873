"""Shared helpers for the TUI tests: small topologies built straight from the model."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from workbench.topology.cpuset import CPUSet
from workbench.topology.model import CPU, Device, NumaNode, Topology


def make_topology(
    sockets: int = 2,
    nodes_per_socket: int = 2,
    cores_per_node: int = 8,
    threads: int = 2,
    name: str = "test-snc",
) -> Topology:
    """Linux numbering: thread 0 of every core first, then thread 1 (siblings are N apart)."""
    cpus: list[CPU] = []
    total_cores = sockets * nodes_per_socket * cores_per_node
    for t in range(threads):
        for core in range(total_cores):
            node = core // cores_per_node
            cpus.append(CPU(id=t * total_cores + core, core=core, socket=node // nodes_per_socket, numa=node))
    n_nodes = sockets * nodes_per_socket
    nodes = []
    for n in range(n_nodes):
        dist = {
            m: 10 if m == n else (11 if m // nodes_per_socket == n // nodes_per_socket else 21)
            for m in range(n_nodes)
        }
        nodes.append(
            NumaNode(
                id=n,
                cpus=CPUSet(c.id for c in cpus if c.numa == n),
                memory_bytes=64 * 2**30,
                distances=MappingProxyType(dist),
            )
        )
    return Topology(
        name=name,
        cpus=tuple(sorted(cpus, key=lambda c: c.id)),
        numa_nodes=tuple(nodes),
        devices=(Device(name="nic0", kind="nic", numa=0),),
    )


@pytest.fixture
def snc() -> Topology:
    return make_topology()
