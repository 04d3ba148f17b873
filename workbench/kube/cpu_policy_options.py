"""CPU manager static policy options: names, maturity, values and conflicts, as the kubelet
checks them before it starts.

Source: kubernetes `pkg/kubelet/cm/cpumanager/policy_options.go` (`alphaOptions`, `betaOptions`,
`stableOptions`, `CheckPolicyOptionAvailable`, `NewStaticPolicyOptions`,
`ValidateStaticPolicyOptions`), read for the 1.3x line. The one home of these rules: the
configuration check lists every problem (`option_problems`), the admission preview stops at the
first (`parse_static_policy_options`), as the kubelet does.
"""

from __future__ import annotations

from collections.abc import Mapping

from workbench.kube.feature_gates import (
    CPU_MANAGER_POLICY_ALPHA_OPTIONS,
    CPU_MANAGER_POLICY_BETA_OPTIONS,
    gate_enabled,
)
from workbench.record import Record, setfield

FULL_PCPUS_ONLY = "full-pcpus-only"
DISTRIBUTE_CPUS_ACROSS_NUMA = "distribute-cpus-across-numa"
ALIGN_BY_SOCKET = "align-by-socket"
DISTRIBUTE_CPUS_ACROSS_CORES = "distribute-cpus-across-cores"
STRICT_CPU_RESERVATION = "strict-cpu-reservation"
PREFER_ALIGN_BY_UNCORECACHE = "prefer-align-cpus-by-uncorecache"

ALPHA_OPTIONS = frozenset({ALIGN_BY_SOCKET, DISTRIBUTE_CPUS_ACROSS_CORES})
BETA_OPTIONS = frozenset({STRICT_CPU_RESERVATION, DISTRIBUTE_CPUS_ACROSS_NUMA, PREFER_ALIGN_BY_UNCORECACHE})
STABLE_OPTIONS = frozenset({FULL_PCPUS_ONLY})

# The pairs `NewStaticPolicyOptions` refuses together, in the order it checks them.
CONFLICTS = (
    (FULL_PCPUS_ONLY, DISTRIBUTE_CPUS_ACROSS_CORES),
    (DISTRIBUTE_CPUS_ACROSS_NUMA, DISTRIBUTE_CPUS_ACROSS_CORES),
    (PREFER_ALIGN_BY_UNCORECACHE, DISTRIBUTE_CPUS_ACROSS_CORES),
    (PREFER_ALIGN_BY_UNCORECACHE, DISTRIBUTE_CPUS_ACROSS_NUMA),
)

# `strconv.ParseBool`
GO_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
GO_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


class CPUPolicyError(Exception):
    """The kubelet would refuse to start with this CPU manager configuration or state."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def parse_bool_problem(name: str, value: str) -> str | None:
    """The kubelet's refusal of a value `strconv.ParseBool` does not take, or None."""
    if value in GO_TRUE or value in GO_FALSE:
        return None
    return f'bad value for option "{name}": strconv.ParseBool: parsing "{value}": invalid syntax'


def availability_problem(name: str, *, alpha_gate: bool, beta_gate: bool) -> str | None:
    """`CheckPolicyOptionAvailable`: unknown options, and alpha/beta ones without their gate."""
    if name not in ALPHA_OPTIONS | BETA_OPTIONS | STABLE_OPTIONS:
        return f'unknown CPU Manager Policy option: "{name}"'
    if name in ALPHA_OPTIONS and not alpha_gate:
        return f'CPU Manager Policy Alpha-level Options not enabled, but option "{name}" provided'
    if name in BETA_OPTIONS and not beta_gate:
        return f'CPU Manager Policy Beta-level Options not enabled, but option "{name}" provided'
    return None


def conflict_problems(enabled: set[str] | frozenset[str]) -> list[str]:
    return [
        f"static policy options {a} and {b} can not be used at the same time"
        for a, b in CONFLICTS
        if a in enabled and b in enabled
    ]


def option_problems(options: Mapping[str, str], *, alpha_gate: bool, beta_gate: bool) -> list[str]:
    """Every reason `NewStaticPolicyOptions` would give, options in name order (Go's map order
    is random, so the kubelet names one of them; a sorted order makes the first one stable)."""
    out: list[str] = []
    for name in sorted(options):
        problem = availability_problem(name, alpha_gate=alpha_gate, beta_gate=beta_gate)
        problem = problem or parse_bool_problem(name, options[name])
        if problem:
            out.append(problem)
    # The kubelet stops at the first reason; a conflict is listed too, since it still
    # stands once the gate is switched on.
    enabled = {name for name, value in options.items() if value in GO_TRUE}
    return out + conflict_problems(enabled)


def gated_option_problems(options: Mapping[str, str], gates: Mapping[str, bool]) -> list[str]:
    return option_problems(
        options,
        alpha_gate=gate_enabled(gates, CPU_MANAGER_POLICY_ALPHA_OPTIONS),
        beta_gate=gate_enabled(gates, CPU_MANAGER_POLICY_BETA_OPTIONS),
    )


def machine_problems(
    enabled: set[str] | frozenset[str], *, topology_policy: str, sockets: int, numa_nodes: int
) -> list[str]:
    """`ValidateStaticPolicyOptions`: options that do not fit the machine or the topology policy."""
    if ALIGN_BY_SOCKET not in enabled:
        return []
    out: list[str] = []
    if topology_policy == "single-numa-node":
        out.append(
            "Topolgy manager single-numa-node policy is incompatible with "  # sic: the kubelet's spelling
            "CPUManager align-by-socket policy option"
        )
    if sockets > numa_nodes:
        out.append(
            "Align by socket is not compatible with hardware where number of sockets "
            "are more than number of NUMA"
        )
    return out


class StaticPolicyOptions(Record):
    full_pcpus_only: bool
    distribute_cpus_across_numa: bool
    align_by_socket: bool
    distribute_cpus_across_cores: bool
    strict_cpu_reservation: bool
    prefer_align_by_uncorecache: bool

    __slots__ = _fields = (
        "full_pcpus_only",
        "distribute_cpus_across_numa",
        "align_by_socket",
        "distribute_cpus_across_cores",
        "strict_cpu_reservation",
        "prefer_align_by_uncorecache",
    )

    def __init__(
        self,
        full_pcpus_only: bool = False,
        distribute_cpus_across_numa: bool = False,
        align_by_socket: bool = False,
        distribute_cpus_across_cores: bool = False,
        strict_cpu_reservation: bool = False,
        prefer_align_by_uncorecache: bool = False,
    ) -> None:
        setfield(self, "full_pcpus_only", full_pcpus_only)
        setfield(self, "distribute_cpus_across_numa", distribute_cpus_across_numa)
        setfield(self, "align_by_socket", align_by_socket)
        setfield(self, "distribute_cpus_across_cores", distribute_cpus_across_cores)
        setfield(self, "strict_cpu_reservation", strict_cpu_reservation)
        setfield(self, "prefer_align_by_uncorecache", prefer_align_by_uncorecache)

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


def parse_static_policy_options(
    options: Mapping[str, str], *, alpha_gate: bool, beta_gate: bool
) -> StaticPolicyOptions:
    """`NewStaticPolicyOptions`: the options, or CPUPolicyError with the kubelet's first reason."""
    problems = option_problems(options, alpha_gate=alpha_gate, beta_gate=beta_gate)
    if problems:
        raise CPUPolicyError(problems[0])
    on = {name for name, value in options.items() if value in GO_TRUE}
    return StaticPolicyOptions(
        full_pcpus_only=FULL_PCPUS_ONLY in on,
        distribute_cpus_across_numa=DISTRIBUTE_CPUS_ACROSS_NUMA in on,
        align_by_socket=ALIGN_BY_SOCKET in on,
        distribute_cpus_across_cores=DISTRIBUTE_CPUS_ACROSS_CORES in on,
        strict_cpu_reservation=STRICT_CPU_RESERVATION in on,
        prefer_align_by_uncorecache=PREFER_ALIGN_BY_UNCORECACHE in on,
    )
