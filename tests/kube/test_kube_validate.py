"""API-server validation of pod resources: every problem, each with its field path."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from kube_paths import PODS

from workbench.kube.validate import validate_pod_doc
from workbench.kube.yamlio import read_documents


def problems(doc: Any) -> list[tuple[str, str, str]]:
    return [(p.field, p.severity, p.message) for p in validate_pod_doc(doc, "t.yaml")]


def pod(spec_yaml: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": yaml.safe_load(spec_yaml)}


@pytest.mark.parametrize(
    "name",
    [
        "postgres.yaml",
        "ml-trainer.yaml",
        "too-big-for-one-numa.yaml",
        "empty-shared-pool.yaml",
        "burstable.yaml",
        "deployment.yaml",
    ],
)
def test_seed_scenarios_are_valid(name: str) -> None:
    docs, _ = read_documents(PODS / name)
    assert [p for d in docs for p in validate_pod_doc(d) if p.severity == "error"] == []


def test_every_problem_of_a_broken_pod_is_reported_with_its_path() -> None:
    docs, label = read_documents(PODS / "invalid" / "many-problems.yaml")
    found = {(p.field, p.message.split(":")[0]) for p in validate_pod_doc(docs[0], label)}
    assert found == {
        (
            "spec.containers[0].resource",
            'unknown field "resource" would be ignored (did you mean resources?)',
        ),
        ("spec.containers[2].resources.requests.memory", "Invalid value"),
        ("spec.containers[3].resources.requests.cpus", "Invalid value"),
        ("spec.containers[3].resources.requests.memory", "'1gb' is not a valid quantity"),
        ("spec.containers[4].resources.requests.cpu", "Invalid value"),
        ("spec.containers[5].name", "Duplicate value"),
        ("spec.resources.requests.cpu", "Invalid value"),  # 3.5 CPUs of containers > budget of 2
        ("spec.containers[1].resources.limits.cpu", "Invalid value"),  # 3 > pod limit 2
    }


def test_request_above_limit_names_both_values() -> None:
    [(field, sev, msg)] = problems(
        pod("containers: [{name: a, resources: {requests: {cpu: '2'}, limits: {cpu: 1500m}}}]")
    )
    assert field == "spec.containers[0].resources.requests.cpu" and sev == "error"
    assert msg == 'Invalid value: "2": must be less than or equal to cpu limit of 1500m'


def test_container_sum_above_pod_budget() -> None:
    found = problems(
        pod("""
resources: {requests: {cpu: '4', memory: 4Gi}, limits: {cpu: '4', memory: 4Gi}}
initContainers: [{name: init, resources: {requests: {cpu: '1'}}}]
containers:
- {name: a, resources: {requests: {cpu: '3', memory: 3Gi}, limits: {cpu: '3', memory: 3Gi}}}
- {name: b, resources: {requests: {cpu: '2', memory: 1Gi}}}
""")
    )
    assert found == [
        (
            "spec.resources.requests.cpu",
            "error",
            'Invalid value: "4": must be greater than or equal to aggregate container requests of 5',
        )
    ]


def test_sidecars_count_toward_the_aggregate_but_init_containers_take_the_max() -> None:
    spec = """
resources: {limits: {cpu: '4', memory: 4Gi}}
initContainers:
- {name: setup, resources: {requests: {cpu: '3'}}}
- {name: proxy, restartPolicy: Always, resources: {requests: {cpu: '1'}}}
containers: [{name: a, resources: {requests: {cpu: '3'}}}]
"""
    assert problems(pod(spec)) == []  # max(3, 3 + 1) = 4 fits the budget of 4
    tighter = spec.replace("cpu: '4', memory: 4Gi", "cpu: 3500m, memory: 4Gi")
    errors = [(f, m) for f, sev, m in problems(pod(tighter)) if sev == "error"]
    assert errors == [
        (
            "spec.resources.requests.cpu",
            'Invalid value: "3500m": must be greater than or equal to aggregate container requests of 4',
        )
    ]


def test_extended_resources_must_be_whole_and_requests_equal_limits() -> None:
    found = problems(
        pod("""
containers:
- {name: a, resources: {requests: {nvidia.com/gpu: 1}}}
- {name: b, resources: {requests: {nvidia.com/gpu: 1}, limits: {nvidia.com/gpu: 2}}}
- {name: c, resources: {limits: {example.com/fpga: 500m}}}
- {name: d, resources: {limits: {kubernetes.io/thing: 1}}}
""")
    )
    assert [f for f, _, _ in found] == [
        "spec.containers[0].resources.limits.nvidia.com/gpu",
        "spec.containers[1].resources.requests.nvidia.com/gpu",
        "spec.containers[2].resources.limits.example.com/fpga",
        "spec.containers[3].resources.limits.kubernetes.io/thing",
    ]
    assert "Limit must be set" in found[0][2] and "must be an integer" in found[2][2]


def test_pod_level_resources_only_cpu_memory_hugepages() -> None:
    found = problems(pod("resources: {limits: {nvidia.com/gpu: 1, cpu: '1'}}\ncontainers: [{name: a}]"))
    assert found[0][0] == "spec.resources.limits.nvidia.com/gpu" and "Unsupported value" in found[0][2]


def test_hugepages_need_cpu_or_memory_and_a_valid_size() -> None:
    found = problems(
        pod("""
containers:
- {name: a, resources: {limits: {hugepages-2Mi: 1Gi}}}
- {name: b, resources: {limits: {hugepages-huge: 1Gi, memory: 1Gi}}}
""")
    )
    assert [(f, m.split(":")[0]) for f, _, m in found] == [
        ("spec.containers[0].resources", "HugePages require cpu or memory"),
        ("spec.containers[1].resources.limits.hugepages-huge", "Invalid value"),
    ]


def test_non_whole_cpus_on_a_pinned_looking_container_is_a_warning() -> None:
    found = problems(
        pod("""
resources: {limits: {cpu: 2500m, memory: 2Gi}}
containers: [{name: a, resources: {limits: {cpu: 1500m, memory: 1Gi}}}]
""")
    )
    assert [(f, s) for f, s, _ in found] == [
        ("spec.resources.requests.cpu", "warning"),
        ("spec.containers[0].resources.requests.cpu", "warning"),
    ]
    assert "not a whole number" in found[1][2]
    # a Burstable pod is never pinned: no warning
    assert problems(pod("containers: [{name: a, resources: {requests: {cpu: 1500m}}}]")) == []


def test_misspellings_get_a_hint_but_other_unknown_fields_are_ignored() -> None:
    found = problems(
        pod("""
Resources: {limits: {cpu: '1'}}
futureField: 1
containers:
- name: a
  resouces: {limits: {cpu: '1'}}
  someNewField: true
- name: b
  resources: {requets: {cpu: '1'}, limit: {cpu: '1'}}
""")
    )
    assert sorted((f, m.split("(")[-1]) for f, _, m in found) == sorted(
        [
            ("spec.Resources", "did you mean resources?)"),
            ("spec.containers[0].resouces", "did you mean resources?)"),
            ("spec.containers[1].resources.requets", "did you mean requests?)"),
            ("spec.containers[1].resources.limit", "did you mean limits?)"),
        ]
    )


def test_workload_field_paths_use_the_template_path() -> None:
    docs, _ = read_documents(PODS / "deployment.yaml")
    doc = docs[0]
    doc["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["cpu"] = "5"
    assert [p.field for p in validate_pod_doc(doc)] == [
        "spec.template.spec.resources.requests.cpu",  # 5 + nothing > budget of 4
        "spec.template.spec.containers[0].resources.limits.cpu",  # 5 > pod limit of 4
    ]


def test_non_pod_objects_have_nothing_to_report() -> None:
    assert validate_pod_doc({"kind": "ConfigMap", "data": {"a": "b"}}) == []
    assert validate_pod_doc(["not", "an", "object"])[0].message.startswith("expected an object")


def test_hugepages_cannot_be_overcommitted_and_come_in_whole_pages() -> None:
    found = problems(
        pod("""
resources: {limits: {cpu: '2', memory: 3Gi, hugepages-2Mi: 2Mi}}
containers:
- {name: a, resources: {limits: {memory: 1Gi, hugepages-2Mi: 3Mi}}}
- {name: b, resources: {requests: {memory: 1Gi, hugepages-2Mi: 2Mi}}}
- {name: c, resources: {limits: {memory: 100Mi, hugepages-2Mi: 4Mi}}}
""")
    )
    assert [(f, m.split(": ", 1)[1]) for f, _, m in found] == [
        (
            "spec.containers[0].resources.limits.hugepages-2Mi",
            '"3Mi": 3Mi is not positive integer multiple of hugepages-2Mi',
        ),
        (
            "spec.containers[1].resources.limits.hugepages-2Mi",
            "Limit must be set for non overcommitable resources",
        ),
        (
            "spec.resources.limits.hugepages-2Mi",
            '"2Mi": must be greater than or equal to aggregate container limits of 4Mi',
        ),
        (
            "spec.containers[2].resources.limits.hugepages-2Mi",
            '"4Mi": must be less than or equal to pod limits of 2Mi',
        ),
    ]


def test_only_app_container_limits_are_held_to_the_pod_limit() -> None:
    found = problems(
        pod("""
resources: {limits: {cpu: '2', memory: 2Gi}}
initContainers: [{name: setup, resources: {limits: {cpu: '3'}}}]
containers: [{name: a, resources: {limits: {cpu: '3'}}}]
""")
    )
    assert [(f, m) for f, _, m in found if "pod limits" in m] == [
        (
            "spec.containers[0].resources.limits.cpu",
            'Invalid value: "3": must be less than or equal to pod limits of 2',
        )
    ]


def test_a_misspelled_container_list_is_named() -> None:
    found = problems(pod("initContainer: [{name: setup}]\ncontainer: [{name: a}]"))
    assert sorted((f, m) for f, _, m in found) == [
        ("spec.container", 'unknown field "container" would be ignored (did you mean containers?)'),
        ("spec.containers", "Required value: at least one container"),
        ("spec.initContainer", 'unknown field "initContainer" would be ignored (did you mean initContainers?)'),  # noqa: E501
    ]
