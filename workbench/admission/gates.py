"""Feature gates that change placement, with their defaults in kubelet v1.36."""

from __future__ import annotations

from workbench.kube.model import NodeConfig, PodSpec

POD_LEVEL_RESOURCES = "PodLevelResources"
POD_LEVEL_RESOURCE_MANAGERS = "PodLevelResourceManagers"
DISABLE_CPU_QUOTA_WITH_EXCLUSIVE_CPUS = "DisableCPUQuotaWithExclusiveCPUs"
CPU_MANAGER_POLICY_ALPHA_OPTIONS = "CPUManagerPolicyAlphaOptions"
CPU_MANAGER_POLICY_BETA_OPTIONS = "CPUManagerPolicyBetaOptions"

# Defaults in v1.36: PodLevelResources is beta (on), PodLevelResourceManagers alpha (off).
DEFAULTS: dict[str, bool] = {
    POD_LEVEL_RESOURCES: True,
    POD_LEVEL_RESOURCE_MANAGERS: False,
    DISABLE_CPU_QUOTA_WITH_EXCLUSIVE_CPUS: True,
    CPU_MANAGER_POLICY_ALPHA_OPTIONS: False,
    CPU_MANAGER_POLICY_BETA_OPTIONS: True,
}


def gate(config: NodeConfig, name: str) -> bool:
    return config.feature_gates.get(name, DEFAULTS.get(name, False))


def pod_level_managers(config: NodeConfig, pod: PodSpec) -> bool:
    """Whether the CPU and memory managers treat this pod by its pod-level budget."""
    return (
        pod.has_pod_level_resources
        and gate(config, POD_LEVEL_RESOURCES)
        and gate(config, POD_LEVEL_RESOURCE_MANAGERS)
    )
