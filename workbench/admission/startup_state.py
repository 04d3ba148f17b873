"""What the CPU and memory managers would refuse at start in a node's state, each finding named
after the checkpoint file it comes from (the rules: `cpu_validate_state`, `memory_validate_state`)."""

from __future__ import annotations

from workbench.admission.topology_admit import Managers, build_managers
from workbench.errors import InputError
from workbench.kube.checkpoint_cpu import CPU_STATE
from workbench.kube.checkpoint_memory import MEMORY_STATE
from workbench.kube.model import NodeConfig, NodeState
from workbench.topology.model import Topology


def manager_problems(managers: Managers) -> list[str]:
    # Scripted managers in tests may have neither attribute.
    out = [f"{CPU_STATE}: {p}" for p in getattr(managers.cpu, "problems", ())]
    check = getattr(managers.memory, "validate_state", None)
    memory = check() if check is not None else None
    if memory:
        out.append(f"{MEMORY_STATE}: {memory}")
    return out


def startup_state_problems(topology: Topology, config: NodeConfig, state: NodeState) -> list[str]:
    """The managers' start-up findings; none when the configuration itself is refused (the
    configuration check reports that)."""
    try:
        managers = build_managers(topology, config, state)
    except InputError:
        return []
    return manager_problems(managers)
