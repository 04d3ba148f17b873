"""Where the kubelet's code and KEP-5526 disagree, the preview follows the code and says so.

Memory manager Static, scope container (or policy none): a request-less container of a pod with
pod-level resources gets an empty memory hint map; `Allocate` still pins it and the kubelet
rejects the pod, although the KEP says such a container runs in the node's shared pool. Under
scope pod the same pod is admitted (the container gets the pod shared pool).
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from admit_nodes import POSTGRES, config, pod, topology

from workbench.admission.admit import admit, decide
from workbench.admission.report import decision_to_json, decision_to_text
from workbench.kube.model import NodeState

# An exclusive app container first, then a container with no requests of its own.
WEB = """
kind: Pod
metadata: {name: web-0, namespace: shop, uid: web-0001}
spec:
  resources:
    requests: {cpu: "8", memory: 16Gi}
    limits: {cpu: "8", memory: 16Gi}
  containers:
    - name: app
      resources:
        requests: {cpu: "6", memory: 12Gi}
        limits: {cpu: "6", memory: 12Gi}
    - name: log-shipper
"""


@pytest.fixture(scope="module")
def snc():  # type: ignore[no-untyped-def]
    return topology("intel-2s-snc")


def test_scope_container_rejects_the_shared_container_and_says_the_kep_differs(snc) -> None:  # type: ignore[no-untyped-def]
    cfg = config("restricted", "container")
    d = admit(snc, cfg, NodeState(), pod(WEB))
    assert not d.admitted
    assert d.reason == "UnexpectedAdmissionError"
    assert d.message == (
        "Pod was rejected: Allocate failed due to [memorymanager] preferred hint violates NUMA node "
        "allocation, which is unexpected"
    )
    assert d.failed_container == "log-shipper"
    assert "KEP-5526" in d.deviation and "isAffinityViolatingNUMAAllocations" in d.deviation
    # the explanation shows the failing container's own (empty) hints
    assert d.providers["memory"] == {} and d.hint is not None and d.hint.mask == frozenset(range(4))
    text = decision_to_text(d, snc)
    assert "container log-shipper" in text and "KEP-5526" in text
    assert decision_to_json(d)["kubelet_differs_from_kep"] == d.deviation
    # the advice claims scope pod admits it: check that independently
    line = next(a for a in d.advice if a.startswith("topologyManagerScope pod admits the same pod"))
    assert "log-shipper runs in the pod shared pool" in line
    again = decide(snc, replace(cfg, topology_manager_scope="pod"), d.state_after, pod(WEB))
    assert again.admitted
    shipper = next(c for c in again.containers if c.name == "log-shipper")
    assert shipper.isolation == "pod"


def test_policy_none_fails_on_the_default_hint_and_the_advice_checks_scope_pod(snc) -> None:  # type: ignore[no-untyped-def]
    d = admit(snc, config("none", "pod"), NodeState(), pod(POSTGRES))
    assert d.reason == "UnexpectedAdmissionError"
    assert "[memorymanager] failed to get the default NUMA affinity" in d.message
    assert d.failed_container == "pg-backup" and "KEP-5526" in d.deviation
    assert any(
        a.startswith("topologyManagerPolicy restricted with topologyManagerScope pod admits the same pod")
        for a in d.advice
    )

