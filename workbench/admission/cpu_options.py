"""CPU manager static policy options for the admission preview.

The rules (maturity, values, conflicts, machine fit) live in `kube.cpu_policy_options`, after
kubernetes `pkg/kubelet/cm/cpumanager/policy_options.go`; this module adds the machine check on
the admission layer's `CPUIndex`.
"""

from __future__ import annotations

from workbench.admission.cpu_index import CPUIndex
from workbench.kube.cpu_policy_options import CPUPolicyError as CPUPolicyError
from workbench.kube.cpu_policy_options import StaticPolicyOptions as StaticPolicyOptions
from workbench.kube.cpu_policy_options import machine_problems
from workbench.kube.cpu_policy_options import parse_static_policy_options as parse_static_policy_options


def validate_static_policy_options(opts: StaticPolicyOptions, index: CPUIndex, topology_policy: str) -> None:
    """`ValidateStaticPolicyOptions` on this machine: CPUPolicyError with the first reason."""
    problems = machine_problems(
        set(opts.enabled()),
        topology_policy=topology_policy,
        sockets=index.num_sockets,
        numa_nodes=index.num_numa,
    )
    if problems:
        raise CPUPolicyError(problems[0])
