"""QoS classes the way the kubelet computes them (`v1qos.GetPodQOS`), pod-level resources included."""

from __future__ import annotations

from collections.abc import Mapping

from workbench.kube.model import CPU, MEMORY, Container, PodSpec, QOSClass, Resources

_QOS_RESOURCES = (CPU, MEMORY)


def _supported(values: Mapping[str, int]) -> dict[str, int]:
    return {k: v for k, v in values.items() if k in _QOS_RESOURCES and v != 0}


def _resources_guaranteed(res: Resources) -> bool:
    limits = _supported(res.limits)
    requests = _supported(res.requests)
    if set(limits) != set(_QOS_RESOURCES):
        return False
    return all(requests.get(name, limits[name]) == limits[name] for name in _QOS_RESOURCES)


def pod_qos(pod: PodSpec, *, pod_level_resources_gate: bool = True) -> QOSClass:
    """Pod QoS. With pod-level `spec.resources` set (and its gate on) only those decide."""
    # Admission asks for the same pod's class hundreds of times; PodSpec is immutable, so the
    # answer is memoised on the instance (dataclasses.replace makes a fresh one).
    memo_key = f"_qos_memo_{bool(pod_level_resources_gate)}"
    memo: QOSClass | None = pod.__dict__.get(memo_key)
    if memo is None:
        memo = _compute_pod_qos(pod, pod_level_resources_gate)
        pod.__dict__[memo_key] = memo
    return memo


def _compute_pod_qos(pod: PodSpec, pod_level_resources_gate: bool) -> QOSClass:
    if pod_level_resources_gate and pod.has_pod_level_resources:
        res = pod.resources
        if not _supported(res.requests) and not _supported(res.limits):
            return "BestEffort"
        return "Guaranteed" if _resources_guaranteed(res) else "Burstable"
    containers = pod.all_containers
    if not any(_supported(c.resources.requests) or _supported(c.resources.limits) for c in containers):
        return "BestEffort"
    if containers and all(_resources_guaranteed(c.resources) for c in containers):
        return "Guaranteed"
    return "Burstable"


def container_guaranteed_equivalent(container: Container) -> bool:
    """`cmqos.IsContainerEquivalentQOSGuaranteed`: own cpu and memory requests set and equal to limits."""
    res = container.resources
    for name in _QOS_RESOURCES:
        lim = res.limits.get(name, 0)
        req = res.requests.get(name, 0)
        if lim == 0 or req == 0 or req != lim:
            return False
    return True
