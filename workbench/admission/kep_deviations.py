"""Where the kubelet's code and its design (KEP-5526, pod-level resource managers) disagree.

The preview follows the code; this module recognises the rejections the KEP says should not
happen, so the explanation can say so.

Memory manager `Static`, topology scope `container` (or policy `none`, which skips the scopes):
a container of a pod-level pod without requests of its own (requests != limits, or none at all)
is not Guaranteed-equivalent, so `getContainerRequestedResources` gives it no requests and
`calculateHints` an empty hint map. The KEP says such a container runs in the node's shared
pool, unpinned. The code still calls `Allocate` for it: with the merged hint (scope container),
`isAffinityViolatingNUMAAllocations` finds the pod's exclusive container's single-node block on
the hinted nodes and refuses ("preferred hint violates NUMA node allocation"); without a hint
(policy none) the default hint is computed from the empty map and there is none ("failed to get
the default NUMA affinity ..."). Under scope `pod` the container gets the pod shared pool.
"""

from __future__ import annotations

from workbench.admission.gates import pod_level_managers
from workbench.kube.model import NodeConfig, PodSpec
from workbench.kube.qos import container_guaranteed_equivalent

VIOLATES = "[memorymanager] preferred hint violates NUMA node allocation"
NO_DEFAULT = "[memorymanager] failed to get the default NUMA affinity"


def memory_manager_shared_container(
    config: NodeConfig, pod: PodSpec, container: str, message: str
) -> str:
    """The explanation when a rejection is this case, else ""."""
    if config.memory_manager_policy != "Static" or not pod_level_managers(config, pod):
        return ""
    none_policy = config.topology_manager_policy == "none"
    if not none_policy and config.topology_manager_scope != "container":
        return ""
    c = next((c for c in pod.all_containers if c.name == container), None)
    if c is None or container_guaranteed_equivalent(c):
        return ""
    if VIOLATES in message and not none_policy:
        what = (
            "the memory manager's Allocate still pins it, to the merged hint, and refuses "
            "because a node of that hint holds the pod's single-NUMA exclusive memory "
            "(isAffinityViolatingNUMAAllocations)"
        )
    elif NO_DEFAULT in message and none_policy:
        what = (
            "with policy none the memory manager's Allocate looks for a default hint in the "
            "empty hint map of a request-less container and finds none"
        )
    else:
        return ""
    return (
        f"The kubelet's code differs from its design here: KEP-5526 says {container}, which "
        "has no requests of its own in a pod with pod-level resources, runs in the node's shared "
        f"pool under this configuration; {what}. The preview follows the code"
    )
