"""CPU manager static policy options, parsed and checked as the kubelet does at start-up.

Source: kubernetes `pkg/kubelet/cm/cpumanager/policy_options.go` (`NewStaticPolicyOptions`,
`CheckPolicyOptionAvailable`, `ValidateStaticPolicyOptions`). A configuration the kubelet
refuses raises `CPUPolicyError` with the kubelet's own message.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from workbench.admission.cpu_assignment import (
    ALIGN_BY_SOCKET,
    DISTRIBUTE_CPUS_ACROSS_CORES,
    DISTRIBUTE_CPUS_ACROSS_NUMA,
    FULL_PCPUS_ONLY,
    PREFER_ALIGN_BY_UNCORECACHE,
    STRICT_CPU_RESERVATION,
)
from workbench.admission.cpu_index import CPUIndex

# Maturity as in the policy_options.go read (the 1.3x line); alpha/beta need their gates.
ALPHA_OPTIONS = frozenset({ALIGN_BY_SOCKET, DISTRIBUTE_CPUS_ACROSS_CORES})
BETA_OPTIONS = frozenset({STRICT_CPU_RESERVATION, DISTRIBUTE_CPUS_ACROSS_NUMA, PREFER_ALIGN_BY_UNCORECACHE})
STABLE_OPTIONS = frozenset({FULL_PCPUS_ONLY})

_TRUE = {"1", "t", "T", "TRUE", "true", "True"}
_FALSE = {"0", "f", "F", "FALSE", "false", "False"}


class CPUPolicyError(Exception):
    """The kubelet would refuse to start with this CPU manager configuration or state."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True)
class StaticPolicyOptions:
    full_pcpus_only: bool = False
    distribute_cpus_across_numa: bool = False
    align_by_socket: bool = False
    distribute_cpus_across_cores: bool = False
    strict_cpu_reservation: bool = False
    prefer_align_by_uncorecache: bool = False

    def enabled(self) -> tuple[str, ...]:
        """The option names switched on, as `take_by_topology` takes them."""
        pairs = (
            (FULL_PCPUS_ONLY, self.full_pcpus_only),
            (DISTRIBUTE_CPUS_ACROSS_NUMA, self.distribute_cpus_across_numa),
            (ALIGN_BY_SOCKET, self.align_by_socket),
            (DISTRIBUTE_CPUS_ACROSS_CORES, self.distribute_cpus_across_cores),
            (STRICT_CPU_RESERVATION, self.strict_cpu_reservation),
            (PREFER_ALIGN_BY_UNCORECACHE, self.prefer_align_by_uncorecache),
        )
        return tuple(name for name, on in pairs if on)


def _parse_bool(name: str, value: str) -> bool:
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise CPUPolicyError(
        f'bad value for option "{name}": strconv.ParseBool: parsing "{value}": invalid syntax'
    )


def check_option_available(name: str, *, alpha_gate: bool, beta_gate: bool) -> None:
    if name not in ALPHA_OPTIONS | BETA_OPTIONS | STABLE_OPTIONS:
        raise CPUPolicyError(f'unknown CPU Manager Policy option: "{name}"')
    if name in ALPHA_OPTIONS and not alpha_gate:
        raise CPUPolicyError(
            f'CPU Manager Policy Alpha-level Options not enabled, but option "{name}" provided'
        )
    if name in BETA_OPTIONS and not beta_gate:
        raise CPUPolicyError(
            f'CPU Manager Policy Beta-level Options not enabled, but option "{name}" provided'
        )


def _incompatible(a: str, b: str) -> CPUPolicyError:
    return CPUPolicyError(f"static policy options {a} and {b} can not be used at the same time")


def parse_static_policy_options(
    options: Mapping[str, str], *, alpha_gate: bool, beta_gate: bool
) -> StaticPolicyOptions:
    """`NewStaticPolicyOptions` (options checked in name order; Go's map order is random)."""
    values: dict[str, bool] = {}
    for name in sorted(options):
        check_option_available(name, alpha_gate=alpha_gate, beta_gate=beta_gate)
        values[name] = _parse_bool(name, options[name])
    opts = StaticPolicyOptions(
        full_pcpus_only=values.get(FULL_PCPUS_ONLY, False),
        distribute_cpus_across_numa=values.get(DISTRIBUTE_CPUS_ACROSS_NUMA, False),
        align_by_socket=values.get(ALIGN_BY_SOCKET, False),
        distribute_cpus_across_cores=values.get(DISTRIBUTE_CPUS_ACROSS_CORES, False),
        strict_cpu_reservation=values.get(STRICT_CPU_RESERVATION, False),
        prefer_align_by_uncorecache=values.get(PREFER_ALIGN_BY_UNCORECACHE, False),
    )
    if opts.full_pcpus_only and opts.distribute_cpus_across_cores:
        raise _incompatible(FULL_PCPUS_ONLY, DISTRIBUTE_CPUS_ACROSS_CORES)
    if opts.distribute_cpus_across_numa and opts.distribute_cpus_across_cores:
        raise _incompatible(DISTRIBUTE_CPUS_ACROSS_NUMA, DISTRIBUTE_CPUS_ACROSS_CORES)
    if opts.prefer_align_by_uncorecache and opts.distribute_cpus_across_cores:
        raise _incompatible(PREFER_ALIGN_BY_UNCORECACHE, DISTRIBUTE_CPUS_ACROSS_CORES)
    if opts.prefer_align_by_uncorecache and opts.distribute_cpus_across_numa:
        raise _incompatible(PREFER_ALIGN_BY_UNCORECACHE, DISTRIBUTE_CPUS_ACROSS_NUMA)
    return opts


def validate_static_policy_options(opts: StaticPolicyOptions, index: CPUIndex, topology_policy: str) -> None:
    """`ValidateStaticPolicyOptions`: options that do not fit the machine or the topology policy."""
    if not opts.align_by_socket:
        return
    if topology_policy == "single-numa-node":
        raise CPUPolicyError(
            "Topolgy manager single-numa-node policy is incompatible with "
            "CPUManager align-by-socket policy option"
        )
    if index.num_sockets > index.num_numa:
        raise CPUPolicyError(
            "Align by socket is not compatible with hardware where number of sockets "
            "are more than number of NUMA"
        )
