"""A pod's requests as the scheduler and the kubelet's resource fit count them.

`k8s.io/component-helpers/resource.PodRequests`: the containers' aggregate (app containers and
sidecars add up; each standard init container runs with the sidecars started before it, and the
largest of those phases counts: `kube.pod.aggregate_container_requests`), then the pod-level
requests replace it for cpu, memory and hugepages when `spec.resources.requests` sets them and
the `PodLevelResources` gate is on, then the pod overhead is added.
"""

from __future__ import annotations

from workbench.kube.model import PodSpec
from workbench.kube.pod import aggregate_container_requests, is_pod_level_resource


def pod_requests(pod: PodSpec, *, pod_level_resources: bool) -> dict[str, int]:
    reqs = aggregate_container_requests(pod.init_containers, pod.containers)
    level = pod.resources.requests
    if pod_level_resources and any(is_pod_level_resource(n) for n in level):
        for name, value in level.items():
            if is_pod_level_resource(name):
                reqs[name] = value
    for name, value in pod.overhead.items():
        reqs[name] = reqs.get(name, 0) + value
    return reqs
