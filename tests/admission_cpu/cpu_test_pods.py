"""Pods as the kubelet's CPU manager tests build them (`makePod`, `makeMultiContainerPod`, ...).

Transcribed from kubernetes `pkg/kubelet/cm/cpumanager/cpu_manager_test.go` and
`policy_static_test.go` helpers: containers carry a 1G (or 100Mi) memory request equal to
the limit, so only the CPU values decide whether a container is Guaranteed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from workbench.kube.model import Container, ContainerKind, PodSpec, Resources
from workbench.quantity import parse_bytes, parse_quantity

GIGA = parse_bytes("1G")
MI100 = parse_bytes("100Mi")
MI300 = parse_bytes("300Mi")


def cpu(text: str) -> int:
    return parse_quantity(text).milli_value()


def resources(request: str = "", limit: str = "", memory: int = GIGA) -> Resources:
    req: dict[str, int] = {"memory": memory}
    lim: dict[str, int] = {"memory": memory}
    if request:
        req["cpu"] = cpu(request)
    if limit:
        lim["cpu"] = cpu(limit)
    return Resources(requests=req, limits=lim)


def make_pod(uid: str, container: str, request: str, limit: str) -> PodSpec:
    """`makePod(podUID, containerName, cpuRequest, cpuLimit)`."""
    return PodSpec(name=uid, uid=uid, containers=(Container(container, "app", resources(request, limit)),))


def make_multi_container_pod(
    inits: Sequence[tuple[str, str]],
    apps: Sequence[tuple[str, str]],
    *,
    uid: str = "podUID",
    sidecars: Sequence[int] = (),
) -> PodSpec:
    """`makeMultiContainerPod` / `makeMultiContainerPodWithOptions` (sidecars: restartable init indexes)."""
    init = tuple(
        Container(f"initContainer-{i}", "sidecar" if i in sidecars else "init", resources(r, lim))
        for i, (r, lim) in enumerate(inits)
    )
    app = tuple(Container(f"appContainer-{i}", "app", resources(r, lim)) for i, (r, lim) in enumerate(apps))
    return PodSpec(name="pod", uid=uid, init_containers=init, containers=app)


@dataclass(frozen=True)
class C:
    """`containerSpec{name, request, limit, restartPolicy}` of the pod-level tests."""

    name: str
    request: str = ""
    limit: str = ""
    sidecar: bool = False


def make_pod_level(
    name: str, pod_request: str, pod_limit: str, inits: Sequence[C], apps: Sequence[C]
) -> PodSpec:
    """`makePodWithContainersAndPodLevelResources`: 100Mi per container, 300Mi for the pod."""

    def build(c: C, kind: ContainerKind) -> Container:
        return Container(c.name, kind, resources(c.request, c.limit, MI100))

    pod_res = Resources()
    if pod_request or pod_limit:
        pod_res = resources(pod_request, pod_limit, MI300)
    return PodSpec(
        name=name,
        uid=name,
        resources=pod_res,
        init_containers=tuple(build(c, "sidecar" if c.sidecar else "init") for c in inits),
        containers=tuple(build(c, "app") for c in apps),
    )


def make_pod_with_pod_level_resources(
    name: str, pod_request: str, pod_limit: str, container: str, request: str, limit: str
) -> PodSpec:
    """`makePodWithPodLevelResources`: one container, pod-level cpu and memory."""
    return make_pod_level(name, pod_request, pod_limit, [], [C(container, request, limit)])
