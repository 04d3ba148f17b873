"""Configurations the kubelet refuses to start with, in the kubelet's words.

Sources: kubernetes `pkg/kubelet/cm/cpumanager/policy_static.go` (`NewStaticPolicy`: reserved
CPUs), `cpumanager/policy_options.go` (through `kube.cpu_policy_options`),
`pkg/kubelet/cm/topologymanager/policy_options.go` (`NewPolicyOptions`,
`CheckPolicyOptionAvailable`) and `topology_manager.go` (`NewManager`: the NUMA node limit),
`pkg/kubelet/cm/memorymanager/policy_static.go` (`NewPolicyStatic`) and
`memory_manager.go` (`validateReservedMemory`).
"""

from __future__ import annotations

from workbench.kube.cpu_policy_options import (
    ALIGN_BY_SOCKET,
    GO_FALSE,
    GO_TRUE,
    gated_option_problems,
    machine_problems,
    parse_bool_problem,
)
from workbench.kube.model import MEMORY, NodeConfig
from workbench.kube.problem import Problem
from workbench.kube.reservation import reserved_cpu_count, reserved_memory_expected
from workbench.quantity import format_bytes
from workbench.topology.model import Topology

TOPOLOGY_OPTIONS = ("prefer-closest-numa-nodes", "max-allowable-numa-nodes")
DEFAULT_MAX_NUMA_NODES = 8


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
    out: list[tuple[str, str]] = []
    limit = DEFAULT_MAX_NUMA_NODES
    for name, value in cfg.topology_manager_policy_options.items():
        field = f"topologyManagerPolicyOptions.{name}"
        if name not in TOPOLOGY_OPTIONS:
            out.append((field, f'unknown Topology Manager Policy option: "{name}"'))
        elif name == "max-allowable-numa-nodes":
            try:
                limit = int(value)
            except ValueError:
                out.append(
                    (
                        field,
                        f'unable to convert policy option to integer "{name}": strconv.Atoi: parsing '
                        f'"{value}": invalid syntax',
                    )
                )
                limit = DEFAULT_MAX_NUMA_NODES
                continue
            if limit < DEFAULT_MAX_NUMA_NODES:
                out.append(
                    (field, f'the minimum value of "{name}" should not be less than {DEFAULT_MAX_NUMA_NODES}')
                )
                limit = DEFAULT_MAX_NUMA_NODES
        elif value not in GO_TRUE | GO_FALSE:
            out.append((field, parse_bool_problem(name, value) or ""))
    if topology is not None and len(topology.cpu_numa_ids) > limit:
        out.append(
            (
                "topologyManagerPolicy",
                f"unsupported on machines with more than {limit} NUMA Nodes "
                f"(this one has {len(topology.cpu_numa_ids)}; raise max-allowable-numa-nodes)",
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
