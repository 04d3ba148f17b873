"""What the CPU and memory managers would refuse at start in a node's state, each finding named
after the checkpoint file it comes from (the rules: `cpu_validate_state`, `memory_validate_state`)."""

from __future__ import annotations

from workbench.admission.start_cache import start_problems
from workbench.admission.topology_admit import Managers, build_managers
from workbench.errors import InputError
from workbench.kube.model import NodeConfig, NodeState
from workbench.topology.model import Topology


def manager_problems(managers: Managers) -> list[str]:
    # found once per start by the start cache; managers built otherwise (tests) are asked
    if managers.problems is not None:
        return list(managers.problems)
    return list(start_problems(managers.cpu, managers.memory))


def startup_state_problems(topology: Topology, config: NodeConfig, state: NodeState) -> list[str]:
    """The managers' start-up findings; none when the configuration itself is refused (the
    configuration check reports that)."""
    try:
        managers = build_managers(topology, config, state)
    except InputError:
        return []
    return manager_problems(managers)
