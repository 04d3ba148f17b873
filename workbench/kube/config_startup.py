"""Configurations the kubelet refuses to start with, in the kubelet's words.

Sources: kubernetes `pkg/kubelet/cm/cpumanager/policy_static.go` (`NewStaticPolicy`: reserved
CPUs), `cpumanager/policy_options.go` (through `kube.cpu_policy_options`),
`pkg/kubelet/cm/topologymanager/policy_options.go` (through `kube.topology_policy_options`)
and `topology_manager.go` (`NewManager`: the NUMA node limit),
`pkg/kubelet/cm/memorymanager/policy_static.go` (`NewPolicyStatic`) and
`memory_manager.go` (`validateReservedMemory`).
"""

from __future__ import annotations

from workbench.kube.cpu_policy_options import (
    ALIGN_BY_SOCKET,
    GO_TRUE,
    gated_option_problems,
    machine_problems,
)
from workbench.kube.model import MEMORY, NodeConfig
from workbench.kube.problem import Problem
from workbench.kube.reservation import reserved_cpu_count, reserved_memory_expected
from workbench.kube.topology_policy_options import (
    MAX_ALLOWABLE_NUMA_NODES,
    max_allowable_numa_nodes,
    option_problems,
)
from workbench.quantity import format_bytes
from workbench.topology.model import Topology


def _cpu_manager(cfg: NodeConfig, topology: Topology | None) -> list[tuple[str, str]]:
    if cfg.cpu_manager_policy != "static":
        return []
    out: list[tuple[str, str]] = []
    if cfg.reserved_system_cpus is None and reserved_cpu_count(cfg) == 0:
        out.append(
            (
                "cpuManagerPolicy",
                "[cpumanager] unable to determine reserved CPU resources for static policy: the static "
                "policy requires systemreserved.cpu + kubereserved.cpu to be greater than zero",
            )
        )
    options = cfg.cpu_manager_policy_options
    for message in gated_option_problems(options, cfg.feature_gates):
        named = [n for n in options if f'"{n}"' in message]
        out.append((f"cpuManagerPolicyOptions.{named[0]}" if named else "cpuManagerPolicyOptions", message))
    enabled = {n for n, v in options.items() if v in GO_TRUE}
    if topology is not None or cfg.topology_manager_policy == "single-numa-node":
        for message in machine_problems(
            enabled,
            topology_policy=cfg.topology_manager_policy,
            sockets=len(topology.socket_ids) if topology is not None else 0,
            numa_nodes=len(topology.cpu_numa_ids) if topology is not None else 0,
        ):
            out.append((f"cpuManagerPolicyOptions.{ALIGN_BY_SOCKET}", message))
    return out


def _topology_manager(cfg: NodeConfig, topology: Topology | None) -> list[tuple[str, str]]:
    if cfg.topology_manager_policy == "none":
        return []
    options = cfg.topology_manager_policy_options
    out = [(f"topologyManagerPolicyOptions.{name}", m) for name, m in option_problems(options)]
    limit = max_allowable_numa_nodes(options)
    if topology is not None and len(topology.numa_ids) > limit:
        out.append(
            (
                "topologyManagerPolicy",
                f"unsupported on machines with more than {limit} NUMA Nodes "
                f"(this one has {len(topology.numa_ids)}; raise {MAX_ALLOWABLE_NUMA_NODES})",
            )
        )
    return out


def _memory_manager(cfg: NodeConfig, topology: Topology | None) -> list[tuple[str, str]]:
    if cfg.memory_manager_policy != "Static":
        return []
    out: list[tuple[str, str]] = []
    if sum(r.limits.get(MEMORY, 0) for r in cfg.reserved_memory) <= 0:
        out.append(("reservedMemory", "[memorymanager] you should specify the system reserved memory"))
    if topology is not None:
        for i, r in enumerate(cfg.reserved_memory):
            if r.numa_node not in topology.node_by_id:
                out.append(
                    (
                        f"reservedMemory[{i}].numaNode",
                        "the reserved memory configuration references a NUMA "
                        f"node {r.numa_node} that does not exist on this machine",
                    )
                )
    expected = reserved_memory_expected(cfg, topology)
    if expected is None:
        return out
    given: dict[str, int] = {}
    for r in cfg.reserved_memory:
        for mem_type, size in r.limits.items():
            given[mem_type] = given.get(mem_type, 0) + size
    for name in sorted(set(given) | set(expected)):
        if given.get(name, 0) != expected.get(name, 0):
            out.append(
                (
                    "reservedMemory",
                    f'the total amount "{format_bytes(given.get(name, 0))}" of type '
                    f'"{name}" is not equal to the value "{format_bytes(expected.get(name, 0))}" '
                    "determined by Node Allocatable feature (kubeReserved + systemReserved + "
                    "evictionHard memory.available)",
                )
            )
    return out


def startup_problems(cfg: NodeConfig, topology: Topology | None = None) -> list[Problem]:
    """Reasons the kubelet would refuse to start with this configuration on `topology`."""
    found = [*_cpu_manager(cfg, topology), *_topology_manager(cfg, topology), *_memory_manager(cfg, topology)]
    return [Problem(field, message, "error", cfg.source) for field, message in found]
