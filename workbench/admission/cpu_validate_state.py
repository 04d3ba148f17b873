"""The CPU manager's start-up check of its checkpoint: the static policy's `validateState`, and
the policy-name check `restoreState` makes just before it.

Sources: kubernetes `pkg/kubelet/cm/cpumanager/policy_static.go` (`validateState`) and
`cpumanager/state/state_checkpoint.go` (`restoreState`). The one home of this rule: the static
policy's `start` (the admission preview), the start-up problems of a captured node and
`workbench node` all ask it.
"""

from __future__ import annotations

from workbench.admission.cpu_state import CPUState
from workbench.topology.cpuset import CPUSet


def _q(cpus: CPUSet) -> str:
    return f'"{cpus}"'


def policy_mismatch(configured: str, checkpoint: str) -> str | None:
    """`restoreState`: the checkpoint was written under another policy (empty: no checkpoint)."""
    if checkpoint and checkpoint != configured:
        return f'configured policy "{configured}" differs from state checkpoint policy "{checkpoint}"'
    return None


def validate_state(
    state: CPUState, *, all_cpus: CPUSet, reserved: CPUSet, strict: bool, pod_level_gate: bool
) -> str | None:
    """`validateState`: why the kubelet refuses this state, or None. An empty state is valid
    (the kubelet then starts with every CPU in the shared pool). `all_cpus` is every CPU of
    the machine; with strict-cpu-reservation the reserved ones are not part of the state."""
    if strict:
        all_cpus = all_cpus - reserved
    default = state.default
    if not default:
        return "default cpuset cannot be empty" if state.assignments else None
    if strict:
        overlap = reserved & default
        if overlap:
            return (
                f"some of strictly reserved cpus: {_q(overlap)} are present in defaultCpuSet: {_q(default)}"
            )
    elif (reserved & default) != reserved:
        return f"not all reserved cpus: {_q(reserved)} are present in defaultCpuSet: {_q(default)}"
    for pod, entries in state.assignments.items():
        for container, cset in entries.items():
            if not default.isdisjoint(cset):
                return (
                    f"pod: {pod}, container: {container} cpuset: {_q(cset)} "
                    f"overlaps with default cpuset {_q(default)}"
                )
    known = set(default.as_frozenset())
    for entries in state.assignments.values():
        for cset in entries.values():
            known.update(cset.as_frozenset())
    if pod_level_gate:
        for cset in state.pod_cpusets.values():
            known.update(cset.as_frozenset())
    # set equality is CPUSet equality (both are the sorted ids); no CPUSet built unless it differs
    if known != all_cpus.as_frozenset():
        return (
            f"current set of available CPUs {_q(all_cpus)} "
            f"doesn't match with CPUs in state {_q(CPUSet(known))}"
        )
    return None
