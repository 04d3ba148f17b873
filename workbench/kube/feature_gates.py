"""The kubelet's feature gates that decide placement or start-up, with their v1.36 defaults.

The one table of gate defaults (kubernetes `pkg/features/kube_features.go`,
`defaultVersionedKubernetesFeatureGates`, read for the 1.36 line): the configuration checks
(`kube.config_startup`) and the admission preview (`admission.gates`) both look gates up here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

POD_LEVEL_RESOURCES = "PodLevelResources"
POD_LEVEL_RESOURCE_MANAGERS = "PodLevelResourceManagers"
DISABLE_CPU_QUOTA_WITH_EXCLUSIVE_CPUS = "DisableCPUQuotaWithExclusiveCPUs"
CPU_MANAGER_POLICY_ALPHA_OPTIONS = "CPUManagerPolicyAlphaOptions"
CPU_MANAGER_POLICY_BETA_OPTIONS = "CPUManagerPolicyBetaOptions"
TOPOLOGY_MANAGER_POLICY_ALPHA_OPTIONS = "TopologyManagerPolicyAlphaOptions"
TOPOLOGY_MANAGER_POLICY_BETA_OPTIONS = "TopologyManagerPolicyBetaOptions"
CUSTOM_CPU_CFS_QUOTA_PERIOD = "CustomCPUCFSQuotaPeriod"

# PodLevelResources is beta (on), PodLevelResourceManagers alpha (off) in v1.36.
DEFAULTS: Mapping[str, bool] = MappingProxyType(
    {
        POD_LEVEL_RESOURCES: True,
        POD_LEVEL_RESOURCE_MANAGERS: False,
        DISABLE_CPU_QUOTA_WITH_EXCLUSIVE_CPUS: True,
        CPU_MANAGER_POLICY_ALPHA_OPTIONS: False,
        CPU_MANAGER_POLICY_BETA_OPTIONS: True,
        TOPOLOGY_MANAGER_POLICY_ALPHA_OPTIONS: False,
        TOPOLOGY_MANAGER_POLICY_BETA_OPTIONS: True,
        CUSTOM_CPU_CFS_QUOTA_PERIOD: False,
    }
)


def gate_enabled(gates: Mapping[str, bool], name: str) -> bool:
    """`featureGates` as configured, else the default (an unknown gate is off)."""
    return gates.get(name, DEFAULTS.get(name, False))
