"""Reading pods and workload pod templates as the kubelet will see them."""

from __future__ import annotations

import io
import sys

import pytest
from kube_paths import PODS

from workbench.errors import InputError
from workbench.kube.pod import load_pod, load_pods, pod_from_mapping, pods_from_text, select_pod
from workbench.kube.qos import pod_qos

GI = 2**30


def test_postgres_budget_exclusive_container_and_sidecar() -> None:
    pod = load_pod(PODS / "postgres.yaml")
    assert (pod.name, pod.namespace) == ("postgres-0", "db")
    assert dict(pod.resources.requests) == {"cpu": 8000, "memory": 16 * GI}
    assert [(c.name, c.kind) for c in pod.all_containers] == [("pg-backup", "sidecar"), ("postgres", "app")]
    sidecar, postgres = pod.all_containers
    assert not sidecar.resources.is_set
    assert (
        dict(postgres.resources.requests)
        == dict(postgres.resources.limits)
        == {"cpu": 6000, "memory": 12 * GI}
    )
    assert pod.has_pod_level_resources and pod_qos(pod) == "Guaranteed"


def test_gpu_trainer_keeps_extended_resources_as_counts() -> None:
    pod = load_pod(PODS / "ml-trainer.yaml")
    trainer = pod.containers[0]
    assert trainer.resources.limits["nvidia.com/gpu"] == 1
    assert pod.init_containers[0].restartable


def test_limits_only_default_requests_for_containers_and_pod() -> None:
    [loaded] = load_pods(PODS / "deployment.yaml")
    pod = loaded.pod
    assert loaded.kind == "Deployment" and loaded.spec_path == ("spec", "template", "spec")
    assert (pod.name, pod.namespace) == ("api", "shop")
    assert dict(pod.resources.requests) == {"cpu": 4000, "memory": 8 * GI}
    assert dict(pod.containers[0].resources.requests) == {"cpu": 2000, "memory": 4 * GI}
    assert not pod.containers[1].resources.is_set


def test_pod_level_hugepages_default_to_container_aggregate_first() -> None:
    doc = {
        "kind": "Pod",
        "metadata": {"name": "hp"},
        "spec": {
            "resources": {"limits": {"cpu": "2", "memory": "2Gi", "hugepages-2Mi": "1Gi"}},
            "containers": [
                {"name": "a", "resources": {"requests": {"hugepages-2Mi": "256Mi", "memory": "1Gi"}}},
                {"name": "b", "resources": {"requests": {"hugepages-2Mi": "256Mi"}}},
            ],
        },
    }
    pod = pod_from_mapping(doc)
    # defaultPodRequests: hugepages from the containers' sum, cpu/memory from the pod limits
    assert pod.resources.requests["hugepages-2Mi"] == 512 * 2**20
    assert pod.resources.requests["memory"] == 2 * GI and pod.resources.requests["cpu"] == 2000


def test_quantities_are_exact_canonical_integers() -> None:
    doc = {
        "kind": "Pod",
        "metadata": {"name": "q"},
        "spec": {
            "containers": [
                {
                    "name": "c",
                    "resources": {
                        "requests": {"cpu": 0.5, "memory": "1.5Gi", "ephemeral-storage": "1G"},
                        "limits": {"cpu": "1500m", "memory": 1610612736},
                    },
                }
            ]
        },
    }
    c = pod_from_mapping(doc).containers[0]
    assert dict(c.resources.requests) == {"cpu": 500, "memory": 1610612736, "ephemeral-storage": 10**9}
    assert c.resources.limits["cpu"] == 1500


def test_multi_document_file_picks_by_name() -> None:
    pods = load_pods(PODS / "multi.yaml")
    assert [(p.kind, p.object_name) for p in pods] == [
        ("StatefulSet", "cache"),
        ("CronJob", "nightly-report"),
    ]
    cron = load_pod(PODS / "multi.yaml", "nightly-report")
    assert cron.containers[0].resources.requests["cpu"] == 1500
    with pytest.raises(InputError, match="holds 2 pods.*--pod NAME"):
        load_pod(PODS / "multi.yaml")
    with pytest.raises(InputError, match="no pod named 'nope'.*cache, nightly-report"):
        load_pod(PODS / "multi.yaml", "nope")


@pytest.mark.parametrize(
    ("kind", "path"),
    [
        ("ReplicaSet", ("spec", "template", "spec")),
        ("DaemonSet", ("spec", "template", "spec")),
        ("Job", ("spec", "template", "spec")),
        ("CronJob", ("spec", "jobTemplate", "spec", "template", "spec")),
    ],
)
def test_every_workload_kind_yields_its_template(kind: str, path: tuple[str, ...]) -> None:
    spec = {"containers": [{"name": "main", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}]}
    doc: dict[str, object] = spec
    for key in reversed(path):
        doc = {key: doc}
    doc.update(kind=kind, metadata={"name": "w", "namespace": "ns"})
    [loaded] = pods_from_text(__import__("yaml").safe_dump(doc), "x.yaml")
    assert loaded.kind == kind and loaded.pod.namespace == "ns"
    assert loaded.pod.containers[0].resources.requests["cpu"] == 1000


def test_kubectl_list_output_and_pod_uid() -> None:
    text = """
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: a, namespace: n, uid: 1111-2222}
  spec: {containers: [{name: c}]}
- apiVersion: v1
  kind: Service
  metadata: {name: s}
"""
    [loaded] = pods_from_text(text, "list.yaml")
    assert loaded.pod.uid == "1111-2222" and loaded.pod.key == "1111-2222" and loaded.item == 0


def test_reads_stdin_with_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (PODS / "burstable.yaml").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    pod = load_pod("-")
    assert pod.name == "web" and pod.source == "<stdin>" and pod_qos(pod) == "Burstable"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: Service\nmetadata: {name: s}\n", "no Pod or workload"),
        ("kind: Pod\nspec: {containers: []}\n", "at least one container"),
        ("kind: Pod\nspec: {containers: [{image: x}]}\n", "container name"),
        (
            "kind: Pod\nspec: {containers: [{name: a, resources: {requests: {cpu: two}}}]}\n",
            "spec.containers\\[0\\].resources.requests.cpu: 'two' is not a valid quantity",
        ),
        (
            "kind: Pod\nspec: {containers: [{name: a, resources: {limits: {memory: -1Gi}}}]}\n",
            "greater than or equal to 0",
        ),
        ("- just\n- a list\n", "document 1 is a list"),
        ("kind: Pod\nspec: [1, 2]\n", "must be a mapping"),
    ],
)
def test_bad_pods_raise_input_error_naming_the_field(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        pods_from_text(text, "bad.yaml")


def test_select_pod_by_namespace_and_name() -> None:
    pods = load_pods(PODS / "multi.yaml")
    assert select_pod(pods, "cache/cache").object_name == "cache"
