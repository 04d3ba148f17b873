"""Feature gates as admission asks about them; the defaults table lives in `kube.feature_gates`."""

from __future__ import annotations

from workbench.kube.feature_gates import (
    CPU_MANAGER_POLICY_ALPHA_OPTIONS as CPU_MANAGER_POLICY_ALPHA_OPTIONS,
)
from workbench.kube.feature_gates import (
    CPU_MANAGER_POLICY_BETA_OPTIONS as CPU_MANAGER_POLICY_BETA_OPTIONS,
)
from workbench.kube.feature_gates import DEFAULTS as DEFAULTS
from workbench.kube.feature_gates import (
    DISABLE_CPU_QUOTA_WITH_EXCLUSIVE_CPUS as DISABLE_CPU_QUOTA_WITH_EXCLUSIVE_CPUS,
)
from workbench.kube.feature_gates import POD_LEVEL_RESOURCE_MANAGERS as POD_LEVEL_RESOURCE_MANAGERS
from workbench.kube.feature_gates import POD_LEVEL_RESOURCES as POD_LEVEL_RESOURCES
from workbench.kube.feature_gates import gate_enabled
from workbench.kube.model import NodeConfig, PodSpec


def gate(config: NodeConfig, name: str) -> bool:
    return gate_enabled(config.feature_gates, name)


def pod_level_managers(config: NodeConfig, pod: PodSpec) -> bool:
    """Whether the CPU and memory managers treat this pod by its pod-level budget."""
    return (
        pod.has_pod_level_resources
        and gate(config, POD_LEVEL_RESOURCES)
        and gate(config, POD_LEVEL_RESOURCE_MANAGERS)
    )
