"""cpu.max / memory.max / cpu.weight against the worked examples of the kubelet notes (addenda §6, §7)."""

from __future__ import annotations

from types import MappingProxyType

import pytest

from workbench.admission import quota
from workbench.kube.model import Container, NodeConfig, PodSpec, Resources

GI = 1 << 30
CFG = NodeConfig(
    cpu_manager_policy="static",
    topology_manager_policy="restricted",
    topology_manager_scope="pod",
    feature_gates=MappingProxyType({"PodLevelResources": True, "PodLevelResourceManagers": True}),
)


def res(cpu: int | None = None, mem: int | None = None, *, req_cpu: int | None = None) -> Resources:
    lim: dict[str, int] = {}
    req: dict[str, int] = {}
    if cpu is not None:
        lim["cpu"] = cpu
        req["cpu"] = cpu if req_cpu is None else req_cpu
    if mem is not None:
        lim["memory"] = mem
        req["memory"] = mem
    return Resources(requests=MappingProxyType(req), limits=MappingProxyType(lim))


def postgres_pod() -> PodSpec:
    return PodSpec(
        name="pg",
        resources=res(8000, 16 * GI),
        containers=(
            Container("postgres", "app", res(6000, 12 * GI)),
            Container("pg-backup", "app"),
        ),
    )


@pytest.mark.parametrize(
    ("milli", "period", "quota_us"),
    [
        (0, 100_000, 0),
        (4000, 100_000, 400_000),
        (100, 100_000, 10_000),
        (5, 100_000, 1_000),
        (1500, 50_000, 75_000),
    ],
)
def test_milli_cpu_to_quota(milli: int, period: int, quota_us: int) -> None:
    assert quota.milli_cpu_to_quota(milli, period) == quota_us


@pytest.mark.parametrize(
    ("milli", "shares", "linear", "runtime"),
    # addenda §7: 1 CPU -> 39, 4 CPUs -> 157, 100m -> 4, besteffort (2 shares) -> 1; new runtime 1024 -> 100
    [(1000, 1024, 39, 100), (4000, 4096, 157, None), (100, 102, 4, None), (0, 2, 1, 1)],
)
def test_shares_and_weights(milli: int, shares: int, linear: int, runtime: int | None) -> None:
    assert quota.milli_cpu_to_shares(milli) == shares
    assert quota.cpu_weight_linear(shares) == linear
    if runtime is not None:
        assert quota.cpu_weight_runtime(shares) == runtime


def test_weight_bounds() -> None:
    assert quota.milli_cpu_to_shares(10**9) == quota.MAX_SHARES
    assert quota.cpu_weight_linear(quota.MAX_SHARES) == 10_000
    assert quota.cpu_weight_runtime(quota.MAX_SHARES) == 10_000
    # 64 CPUs of kubepods (kubernetes#139790): linear weight 2500
    assert quota.cpu_weight_linear(quota.milli_cpu_to_shares(64_000)) == 2500


def test_pod_shared_pool_container_inherits_the_pod_limit() -> None:
    """addenda §6.1: pod limit 4 CPUs, shared container with no limit -> 400000 100000."""
    pod = PodSpec(name="p", resources=res(4000, 4 * GI), containers=(Container("side", "app"),))
    side = pod.containers[0]
    assert quota.container_cpu_max(CFG, pod, side, "pod") == "400000 100000"
    assert quota.container_memory_max(CFG, pod, side) == str(4 * GI)


def test_exclusive_container_quota_is_off_and_pod_cgroup_unbounded() -> None:
    pod = postgres_pod()
    pg, backup = pod.containers
    assert quota.container_cpu_max(CFG, pod, pg, "container") == "max 100000"
    assert quota.container_memory_max(CFG, pod, pg) == str(12 * GI)
    assert quota.container_cpu_max(CFG, pod, backup, "pod") == "800000 100000"
    assert quota.pod_cpu_max(CFG, pod, ["container", "pod"]) == "max 100000"
    assert quota.pod_memory_max(CFG, pod) == str(16 * GI)


def test_pod_with_only_shared_containers_keeps_the_pod_quota() -> None:
    pod = postgres_pod()
    assert quota.pod_cpu_max(CFG, pod, ["pod", "pod"]) == "800000 100000"


def test_quota_stays_without_the_disable_gate() -> None:
    cfg = NodeConfig(feature_gates=MappingProxyType({"DisableCPUQuotaWithExclusiveCPUs": False}))
    pod = PodSpec(name="g", containers=(Container("a", "app", res(2000, GI)),))
    assert quota.container_cpu_max(cfg, pod, pod.containers[0], "container") == "200000 100000"
    assert quota.pod_cpu_max(cfg, pod, ["container"]) == "200000 100000"


def test_no_inheritance_with_pod_level_resources_gate_off() -> None:
    cfg = NodeConfig(feature_gates=MappingProxyType({"PodLevelResources": False}))
    pod = PodSpec(name="p", resources=res(4000, 4 * GI), containers=(Container("side", "app"),))
    side = pod.containers[0]
    assert quota.container_cpu_max(cfg, pod, side, "host") == "max 100000"
    assert quota.container_memory_max(cfg, pod, side) == "max"


def test_classic_guaranteed_pod_sums_container_limits_with_init_peak() -> None:
    pod = PodSpec(
        name="g",
        init_containers=(
            Container("setup", "init", res(5000, 3 * GI)),
            Container("proxy", "sidecar", res(1000, GI)),
        ),
        containers=(Container("a", "app", res(2000, GI)), Container("b", "app", res(1000, GI))),
    )
    # max(app 3 + sidecar 1, init 5) = 5 CPUs; memory max(2Gi + 1Gi, 3Gi) = 3Gi
    assert quota.pod_cpu_max(CFG, pod, ["host"] * 4) == "500000 100000"
    assert quota.pod_memory_max(CFG, pod) == str(3 * GI)
    assert quota.pod_cpu_weight(CFG, pod) == quota.cpu_weight_linear(quota.milli_cpu_to_shares(5000))


def test_burstable_pod_without_every_limit_has_no_pod_quota() -> None:
    pod = PodSpec(
        name="b",
        containers=(Container("a", "app", res(2000, GI, req_cpu=500)), Container("b", "app")),
    )
    assert quota.pod_cpu_max(CFG, pod, ["host", "host"]) == "max 100000"
    assert quota.pod_memory_max(CFG, pod) == "max"
    assert quota.container_cpu_max(CFG, pod, pod.containers[0], "host") == "200000 100000"
    # shares from the 500m request: 512 -> linear weight 20
    assert quota.pod_cpu_weight(CFG, pod) == 20


def test_best_effort_pod() -> None:
    pod = PodSpec(name="be", containers=(Container("a", "app"),))
    assert quota.pod_cpu_max(CFG, pod, ["host"]) == "max 100000"
    assert quota.pod_memory_max(CFG, pod) == "max"
    assert quota.pod_cpu_weight(CFG, pod) == 1


def test_cfs_quota_disabled_and_custom_period() -> None:
    off = NodeConfig(cpu_cfs_quota=False)
    pod = PodSpec(name="g", containers=(Container("a", "app", res(2000, GI)),))
    assert quota.container_cpu_max(off, pod, pod.containers[0], "host") == "max 100000"
    # cpuCFSQuotaPeriod only counts with CustomCPUCFSQuotaPeriod on
    ignored = NodeConfig(cpu_cfs_quota_period_us=50_000)
    assert quota.container_cpu_max(ignored, pod, pod.containers[0], "host") == "200000 100000"
    custom = NodeConfig(
        cpu_cfs_quota_period_us=50_000, feature_gates=MappingProxyType({"CustomCPUCFSQuotaPeriod": True})
    )
    assert quota.container_cpu_max(custom, pod, pod.containers[0], "host") == "100000 50000"
