"""CFS quota (`cpu.max`), `memory.max` and `cpu.weight` exactly as the kubelet derives them.

Container values follow `kuberuntime_container_linux.go` (`getCPULimit`, `getMemoryLimit`,
`calculateLinuxResources`): a container without its own limit inherits the pod-level limit, and
its quota is switched off only when its isolation level is `container` (exclusive CPUs).
Pod cgroup values follow `helpers_linux.go` `ResourceConfigForPod` and
`pod_container_manager_linux.go` `EnsureExists`. `cpu.weight` for kubelet-managed cgroups uses the
kubelet's own linear conversion; container cgroups get whatever the runtime uses (both given).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from workbench.admission.gates import DISABLE_CPU_QUOTA_WITH_EXCLUSIVE_CPUS, POD_LEVEL_RESOURCES, gate
from workbench.kube.model import CPU, MEMORY, Container, NodeConfig, PodSpec
from workbench.kube.qos import pod_qos

# `quotaPeriod` / `QuotaPeriod`: the period used unless CustomCPUCFSQuotaPeriod is on.
DEFAULT_PERIOD_US = 100_000
# `MinQuotaPeriod`: a quota is never below 1 ms.
MIN_QUOTA_US = 1_000
MIN_SHARES = 2
MAX_SHARES = 262_144
CUSTOM_CPU_CFS_QUOTA_PERIOD = "CustomCPUCFSQuotaPeriod"


def cfs_period(config: NodeConfig) -> int:
    """The CFS period in µs: `cpuCFSQuotaPeriod` only counts with its (alpha) feature gate on."""
    if gate(config, CUSTOM_CPU_CFS_QUOTA_PERIOD):
        return config.cpu_cfs_quota_period_us
    return DEFAULT_PERIOD_US


def milli_cpu_to_quota(milli: int, period: int) -> int:
    """`MilliCPUToQuota`: 0 for no limit, else milli*period/1000 with a 1 ms floor."""
    if milli == 0:
        return 0
    return max(MIN_QUOTA_US, milli * period // 1000)


def milli_cpu_to_shares(milli: int) -> int:
    """`MilliCPUToShares`: 0 => 2, else milli*1024/1000 clamped to [2, 262144]."""
    if milli == 0:
        return MIN_SHARES
    return min(MAX_SHARES, max(MIN_SHARES, milli * 1024 // 1000))


def cpu_weight_linear(shares: int) -> int:
    """The kubelet's `getCPUWeight` (also old runc/crun): used for pod, QoS and kubepods cgroups."""
    if shares >= MAX_SHARES:
        return 10_000
    return 1 + ((shares - 2) * 9999) // 262_142


def cpu_weight_runtime(shares: int) -> int:
    """runc >= 1.3.2 / crun >= 1.23 conversion for container cgroups (1024 shares => 100)."""
    if shares == 0:
        return 0
    if shares <= 2:
        return 1
    if shares >= MAX_SHARES:
        return 10_000
    lg = math.log2(shares)
    exponent = (lg * lg + 125 * lg) / 612.0 - 7.0 / 34.0
    return math.ceil(10**exponent)


def format_cpu_max(quota: int, period: int) -> str:
    """`cpu.max` as runc writes it: quota 0 (unset) or -1 (disabled) both read back as `max`."""
    return f"{quota if quota > 0 else 'max'} {period}"


def format_memory_max(limit: int) -> str:
    return str(limit) if limit > 0 else "max"


# ---- container cgroup -----------------------------------------------------------------


def _inherits_pod_limits(config: NodeConfig, pod: PodSpec) -> bool:
    return gate(config, POD_LEVEL_RESOURCES) and pod.has_pod_level_resources


def container_cpu_limit(config: NodeConfig, pod: PodSpec, container: Container) -> int:
    """`getCPULimit` in millicores (0: none): own limit, else the pod-level limit."""
    own = container.resources.limits.get(CPU, 0)
    if own == 0 and _inherits_pod_limits(config, pod):
        return pod.resources.limits.get(CPU, 0)
    return own


def container_memory_limit(config: NodeConfig, pod: PodSpec, container: Container) -> int:
    """`getMemoryLimit` in bytes (0: none): own limit, else the pod-level limit."""
    own = container.resources.limits.get(MEMORY, 0)
    if own == 0 and _inherits_pod_limits(config, pod):
        return pod.resources.limits.get(MEMORY, 0)
    return own


def container_cpu_max(config: NodeConfig, pod: PodSpec, container: Container, isolation: str) -> str:
    """The container's `cpu.max`; exclusive CPUs (isolation `container`) switch the quota off."""
    period = cfs_period(config)
    if not config.cpu_cfs_quota:
        # The kubelet sends no quota at all; the runtime leaves the cgroup default.
        return format_cpu_max(0, DEFAULT_PERIOD_US)
    if gate(config, DISABLE_CPU_QUOTA_WITH_EXCLUSIVE_CPUS) and isolation == "container":
        return format_cpu_max(-1, period)
    return format_cpu_max(milli_cpu_to_quota(container_cpu_limit(config, pod, container), period), period)


def container_memory_max(config: NodeConfig, pod: PodSpec, container: Container) -> str:
    return format_memory_max(container_memory_limit(config, pod, container))


def container_cpu_shares(config: NodeConfig, pod: PodSpec, container: Container) -> int:
    """CRI `cpu_shares`: from the request, or from the (possibly inherited) limit when no request."""
    if CPU in container.resources.requests:
        return milli_cpu_to_shares(container.resources.requests[CPU])
    return milli_cpu_to_shares(container_cpu_limit(config, pod, container))


# ---- pod cgroup -----------------------------------------------------------------------


def _aggregate(pod: PodSpec, name: str, *, limits: bool) -> int:
    """`AggregateContainerRequests/Limits`: max(app + sidecars, each init + sidecars before it)."""

    def value(c: Container) -> int:
        res = c.resources
        if limits:
            return res.limits.get(name, 0)
        # The API server defaults a missing request to the limit.
        return res.requests.get(name, res.limits.get(name, 0))

    sidecars = 0
    init_peak = 0
    for c in pod.init_containers:
        if c.restartable:
            sidecars += value(c)
            init_peak = max(init_peak, sidecars)
        else:
            init_peak = max(init_peak, sidecars + value(c))
    app = sum(value(c) for c in pod.containers)
    return max(app + sidecars, init_peak)


def pod_requests(config: NodeConfig, pod: PodSpec, name: str) -> int:
    """`resourcehelper.PodRequests` for one resource: the pod-level value wins when set."""
    if _inherits_pod_limits(config, pod):
        res = pod.resources
        if name in res.requests:
            return res.requests[name]
        if name in res.limits:
            return res.limits[name]
    return _aggregate(pod, name, limits=False)


def pod_limits(config: NodeConfig, pod: PodSpec, name: str) -> int:
    """`resourcehelper.PodLimits` for one resource: the pod-level value wins when set."""
    if _inherits_pod_limits(config, pod) and name in pod.resources.limits:
        return pod.resources.limits[name]
    return _aggregate(pod, name, limits=True)


def _limits_declared(config: NodeConfig, pod: PodSpec, name: str) -> bool:
    """Burstable pods get a pod limit only when every container declares one (or the pod does)."""
    if _inherits_pod_limits(config, pod) and pod.resources.limits.get(name, 0) != 0:
        return True
    return all(c.resources.limits.get(name, 0) != 0 for c in pod.all_containers)


def _qos(config: NodeConfig, pod: PodSpec, qos: str | None) -> str:
    return qos or pod_qos(pod, pod_level_resources_gate=gate(config, POD_LEVEL_RESOURCES))


def pod_cpu_max(
    config: NodeConfig, pod: PodSpec, isolations: Iterable[str], *, qos: str | None = None
) -> str:
    """The pod cgroup's `cpu.max`: unbounded when any container has exclusive CPUs.

    `qos` saves recomputing the pod's QoS class when the caller has it.
    """
    period = cfs_period(config)
    qos = _qos(config, pod, qos)
    if qos == "BestEffort":
        return format_cpu_max(0, DEFAULT_PERIOD_US)
    if qos == "Burstable" and not _limits_declared(config, pod, CPU):
        return format_cpu_max(0, DEFAULT_PERIOD_US)
    enforce = config.cpu_cfs_quota
    if gate(config, DISABLE_CPU_QUOTA_WITH_EXCLUSIVE_CPUS) and any(i == "container" for i in isolations):
        enforce = False
    if not enforce:
        return format_cpu_max(-1, period)
    return format_cpu_max(milli_cpu_to_quota(pod_limits(config, pod, CPU), period), period)


def pod_memory_max(config: NodeConfig, pod: PodSpec, *, qos: str | None = None) -> str:
    qos = _qos(config, pod, qos)
    if qos == "BestEffort":
        return "max"
    if qos == "Burstable" and not _limits_declared(config, pod, MEMORY):
        return "max"
    return format_memory_max(pod_limits(config, pod, MEMORY))


def pod_cpu_shares(config: NodeConfig, pod: PodSpec) -> int:
    qos = pod_qos(pod, pod_level_resources_gate=gate(config, POD_LEVEL_RESOURCES))
    if qos == "BestEffort":
        return MIN_SHARES
    return milli_cpu_to_shares(pod_requests(config, pod, CPU))


def pod_cpu_weight(config: NodeConfig, pod: PodSpec) -> int:
    """The pod cgroup's `cpu.weight` (kubelet-written, linear conversion)."""
    return cpu_weight_linear(pod_cpu_shares(config, pod))
