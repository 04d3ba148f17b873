"""The memory manager's start-up check of its checkpoint: `validateState`, and the policy-name
check `restoreState` makes just before it.

Sources: kubernetes `pkg/kubelet/cm/memorymanager/policy_static.go` (`validateState`,
`areMachineStatesEqual`, `getDefaultMachineState`) and `memorymanager/state/state_checkpoint.go`
(`restoreState`). The one home of this rule: the admission preview (`MemoryManager`), the start-up
problems of a captured node and `workbench node` all ask it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from workbench.admission.memory_state import MachineState, charge, default_machine_state, machine_states_equal
from workbench.kube.model import MemoryBlock, NodeConfig
from workbench.topology.model import Topology


def policy_mismatch(configured: str, checkpoint: str) -> str | None:
    """`restoreState`: the checkpoint was written under another policy (empty: no checkpoint)."""
    if checkpoint and checkpoint != configured:
        return (
            f'[memorymanager] configured policy "{configured}" differs from state checkpoint '
            f'policy "{checkpoint}"'
        )
    return None


def validate_state(
    topology: Topology,
    config: NodeConfig,
    machine: MachineState | None,
    assignments: Mapping[str, Mapping[str, Sequence[MemoryBlock]]],
    pod_memory: Mapping[str, Sequence[MemoryBlock]],
    *,
    pod_level_gate: bool,
) -> str | None:
    """`validateState` of the Static policy: why the kubelet refuses this state, or None.

    `machine` is the checkpoint's machine state (None: the checkpoint has none). The state the
    assignments imply is rebuilt from the machine and the configuration and compared with it.
    """
    if not machine:
        if assignments:
            return "[memorymanager] machine state can not be empty when it has memory assignments"
        return None
    expected = default_machine_state(topology, config)
    for uid, containers in assignments.items():
        pod_blocks = pod_memory.get(uid)
        groups: list[tuple[str, Sequence[MemoryBlock]]] = (
            [("", pod_blocks)] if pod_level_gate and pod_blocks else list(containers.items())
        )
        for name, blocks in groups:
            for b in blocks:
                for n in b.numa_affinity:
                    if n not in expected:
                        return (
                            f"[memorymanager] (pod: {uid}, container: {name}) the memory "
                            "assignment uses the NUMA that does not exist"
                        )
                    if b.type not in expected[n].memory_map:
                        return (
                            f"[memorymanager] (pod: {uid}, container: {name}) the memory "
                            "assignment uses memory resource that does not exist"
                        )
                charge(expected, list(b.numa_affinity), b.type, b.size)
    if not machine_states_equal(machine, expected):
        return "[memorymanager] the expected machine state is different from the real one"
    return None
