"""Writing an edited pod back: only the edit changes, the rest of the manifest is kept."""

from __future__ import annotations

from dataclasses import replace
from types import MappingProxyType

import yaml
from kube_paths import PODS

from workbench.kube.model import Resources
from workbench.kube.pod import load_pods, pod_from_mapping
from workbench.kube.validate import validate_pod_doc
from workbench.kube.writer import dump_yaml, dump_yaml_all, pod_manifest, set_resources, write_pod

GI = 2**30


def res(requests: dict[str, int], limits: dict[str, int]) -> Resources:
    return Resources(MappingProxyType(requests), MappingProxyType(limits))


def test_round_trip_of_every_fixture_changes_nothing() -> None:
    for path in sorted(PODS.glob("*.yaml")):
        for loaded in load_pods(path):
            out = set_resources(loaded.doc, loaded.pod, loaded.spec_path)
            assert out == loaded.doc, path.name
            assert yaml.safe_load(dump_yaml(out)) == loaded.doc, path.name


def test_limits_only_manifest_is_not_rewritten_with_defaulted_requests() -> None:
    [loaded] = load_pods(PODS / "deployment.yaml")
    text = dump_yaml(set_resources(loaded.doc, loaded.pod, loaded.spec_path))
    assert "requests" not in text


def test_edit_changes_only_the_edited_block_and_keeps_key_order() -> None:
    [loaded] = load_pods(PODS / "postgres.yaml")
    pod = loaded.pod
    postgres = pod.containers[0]
    edited = replace(
        pod,
        resources=res({"cpu": 6000, "memory": 14 * GI}, {"cpu": 6000, "memory": 14 * GI}),
        containers=(
            replace(
                postgres,
                resources=res({"cpu": 4000, "memory": 1536 * 2**20}, {"cpu": 4000, "memory": 1536 * 2**20}),
            ),
        ),
    )
    out = set_resources(loaded.doc, edited, loaded.spec_path)
    assert list(out) == list(loaded.doc) and list(out["spec"]) == list(loaded.doc["spec"])
    c = out["spec"]["containers"][0]
    assert list(c) == ["name", "image", "ports", "env", "resources"]
    assert c["resources"] == {
        "requests": {"cpu": "4", "memory": "1536Mi"},
        "limits": {"cpu": "4", "memory": "1536Mi"},
    }
    assert out["spec"]["resources"]["limits"] == {"cpu": "6", "memory": "14Gi"}
    # untouched: the sidecar, metadata, env, ports
    assert out["spec"]["initContainers"] == loaded.doc["spec"]["initContainers"]
    assert out["metadata"] == loaded.doc["metadata"]
    assert loaded.doc["spec"]["containers"][0]["resources"]["limits"]["cpu"] == "6"  # input not mutated
    # what we write reads back as the edited pod and passes validation
    again = pod_from_mapping(yaml.safe_load(dump_yaml(out)))
    assert again.containers[0].resources == edited.containers[0].resources
    assert again.resources == edited.resources
    assert validate_pod_doc(out) == []


def test_unchanged_quantities_keep_the_users_spelling() -> None:
    doc = yaml.safe_load("""
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: a
    resources:
      requests: {memory: 1024Mi, cpu: 0.5}
      limits: {memory: 1024Mi, cpu: '1'}
""")
    pod = pod_from_mapping(doc)
    a = pod.containers[0]
    edited = replace(
        pod, containers=(replace(a, resources=res({"cpu": 500, "memory": GI}, {"cpu": 2000, "memory": GI})),)
    )
    out = set_resources(doc, edited)["spec"]["containers"][0]["resources"]
    assert out == {"requests": {"memory": "1024Mi", "cpu": 0.5}, "limits": {"memory": "1024Mi", "cpu": "2"}}


def test_adding_pod_level_resources_to_a_pod_without_them() -> None:
    [loaded] = load_pods(PODS / "burstable.yaml")
    edited = replace(loaded.pod, resources=res({"cpu": 2000, "memory": GI}, {"cpu": 2000, "memory": GI}))
    out = set_resources(loaded.doc, edited, loaded.spec_path)
    assert list(out["spec"]) == ["containers", "resources"]
    assert out["spec"]["resources"] == {
        "requests": {"cpu": "2", "memory": "1Gi"},
        "limits": {"cpu": "2", "memory": "1Gi"},
    }
    # and removing them again drops the block
    back = set_resources(out, replace(edited, resources=Resources()), loaded.spec_path)
    assert "resources" not in back["spec"]


def test_workload_templates_are_edited_in_place() -> None:
    [loaded] = load_pods(PODS / "deployment.yaml")
    edited = replace(
        loaded.pod, resources=res({"cpu": 3000, "memory": 8 * GI}, {"cpu": 3000, "memory": 8 * GI})
    )
    out = set_resources(loaded.doc, edited, loaded.spec_path)
    assert out["kind"] == "Deployment" and out["spec"]["replicas"] == 3
    assert set_resources(loaded.doc, edited) == out  # the template path is found from `kind`
    assert yaml.safe_load(write_pod(loaded, edited)) == out
    assert out["spec"]["template"]["spec"]["resources"]["limits"]["cpu"] == "3"


def test_fresh_manifest_for_a_draft_and_multi_document_dump() -> None:
    [loaded] = load_pods(PODS / "postgres.yaml")
    doc = pod_manifest(loaded.pod)
    assert doc["kind"] == "Pod" and doc["spec"]["initContainers"][0]["restartPolicy"] == "Always"
    assert pod_from_mapping(doc) == replace(loaded.pod, source="")
    text = dump_yaml_all([doc, doc])
    assert text.count("kind: Pod") == 2 and list(yaml.safe_load_all(text))[1] == doc
