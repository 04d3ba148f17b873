"""Topology manager policy options, and the NUMA node limit the kubelet starts with.

Source: kubernetes `pkg/kubelet/cm/topologymanager/policy_options.go` (`NewPolicyOptions`,
`CheckPolicyOptionAvailable`, `defaultMaxAllowableNUMANodes`) and `topology_manager.go`
(`NewManager`: "unsupported on machines with more than %v NUMA Nodes"). The one home of these
rules: the configuration check (`kube.config_startup`) and the admission preview
(`admission.merge`, `admission.topology_admit`) both ask it.
"""

from __future__ import annotations

from collections.abc import Mapping

from workbench.kube.cpu_policy_options import GO_FALSE, GO_TRUE, parse_bool_problem

PREFER_CLOSEST_NUMA_NODES = "prefer-closest-numa-nodes"
MAX_ALLOWABLE_NUMA_NODES = "max-allowable-numa-nodes"
OPTIONS = (PREFER_CLOSEST_NUMA_NODES, MAX_ALLOWABLE_NUMA_NODES)
DEFAULT_MAX_ALLOWABLE_NUMA_NODES = 8


def _max_nodes_problem(value: str) -> str | None:
    try:
        limit = int(value)
    except ValueError:
        return (
            f'unable to convert policy option to integer "{MAX_ALLOWABLE_NUMA_NODES}": strconv.Atoi: '
            f'parsing "{value}": invalid syntax'
        )
    if limit < DEFAULT_MAX_ALLOWABLE_NUMA_NODES:
        return (
            f'the minimum value of "{MAX_ALLOWABLE_NUMA_NODES}" should not be less than '
            f"{DEFAULT_MAX_ALLOWABLE_NUMA_NODES}"
        )
    return None


def option_problems(options: Mapping[str, str]) -> list[tuple[str, str]]:
    """`NewPolicyOptions`: (option, the kubelet's reason) for every option it refuses."""
    out: list[tuple[str, str]] = []
    for name, value in options.items():
        if name not in OPTIONS:
            out.append((name, f'unknown Topology Manager Policy option: "{name}"'))
        elif name == MAX_ALLOWABLE_NUMA_NODES:
            problem = _max_nodes_problem(value)
            out.extend([(name, problem)] if problem else [])
        elif value not in GO_TRUE | GO_FALSE:
            out.append((name, parse_bool_problem(name, value) or ""))
    return out


def max_allowable_numa_nodes(options: Mapping[str, str]) -> int:
    """The limit in effect (the default when the option is absent or refused)."""
    value = options.get(MAX_ALLOWABLE_NUMA_NODES)
    if value is None or _max_nodes_problem(value):
        return DEFAULT_MAX_ALLOWABLE_NUMA_NODES
    return int(value)


def numa_limit_problem(numa_nodes: int, options: Mapping[str, str]) -> str | None:
    """`NewManager`'s refusal: the option's own refusal first, then too many NUMA nodes."""
    value = options.get(MAX_ALLOWABLE_NUMA_NODES)
    problem = _max_nodes_problem(value) if value is not None else None
    if problem:
        return problem
    limit = max_allowable_numa_nodes(options)
    if numa_nodes > limit:
        return f"unsupported on machines with more than {limit} NUMA Nodes"
    return None


def prefer_closest(options: Mapping[str, str]) -> bool:
    return options.get(PREFER_CLOSEST_NUMA_NODES, "false") in GO_TRUE
