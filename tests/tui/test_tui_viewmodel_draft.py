"""Draft editing as the Draft screen does it: fields as typed, reasons on the wrong ones."""

from __future__ import annotations

from workbench.kube.model import CPU, MEMORY
from workbench.tui.viewmodel import draft as dm


def _postgres() -> dm.Draft:
    d = dm.Draft(
        name="postgres",
        namespace="db",
        cpu="8",
        cpu_limit="8",
        memory="32Gi",
        memory_limit="32Gi",
        containers=(
            dm.DraftContainer("postgres", "app", "6", "6", "24Gi", "24Gi"),
            dm.DraftContainer("backup", "sidecar"),
        ),
    )
    return d


def test_valid_draft_becomes_a_pod_with_canonical_amounts() -> None:
    r = dm.to_podspec(_postgres())
    assert r.ok and r.pod is not None
    assert r.pod.resources.requests[CPU] == 8000 and r.pod.resources.limits[MEMORY] == 32 * 2**30
    assert [c.name for c in r.pod.init_containers] == ["backup"]
    assert r.pod.init_containers[0].restartable
    assert r.pod.containers[0].resources.requests[CPU] == 6000


def test_bad_quantity_is_marked_on_its_field_with_the_reason() -> None:
    d = dm.set_field(_postgres(), "c0.cpu", "six")
    r = dm.to_podspec(d)
    assert r.pod is None
    assert "c0.cpu" in r.errors and "not a valid quantity" in r.errors["c0.cpu"]
    assert set(r.errors) == {"c0.cpu"}


def test_request_above_limit_and_budget_overrun_are_reported() -> None:
    """The API server's own messages (kube.validate), on the field the operator typed."""
    d = dm.set_field(_postgres(), "c0.cpu", "7")
    r = dm.to_podspec(d)
    assert r.errors["c0.cpu"] == 'Invalid value: "7": must be less than or equal to cpu limit of 6'
    d = dm.set_field(dm.set_field(_postgres(), "c0.cpu", "10"), "c0.cpu_limit", "10")
    r = dm.to_podspec(d)
    assert "must be greater than or equal to aggregate container requests of 10" in r.errors["pod.cpu"]


def test_an_init_container_above_the_budget_is_rejected_as_the_api_server_does() -> None:
    """Init containers count towards the pod budget (`AggregateContainerRequests`: the largest
    init container against the app containers plus sidecars); the draft once ignored them."""
    d = dm.add_container(_postgres(), "init")
    d = dm.set_field(dm.set_field(d, "c2.cpu", "10"), "c2.cpu_limit", "10")
    r = dm.to_podspec(d)
    assert r.pod is None
    assert "aggregate container requests of 10" in r.errors["pod.cpu"]


def test_names_must_be_dns_labels_and_unique() -> None:
    d = dm.set_field(_postgres(), "c1.name", "postgres")
    # The API server reads initContainers first, so it flags the app container's name.
    assert 'Duplicate value: "postgres"' in dm.to_podspec(d).errors["c0.name"]
    d = dm.set_field(_postgres(), "pod.name", "Bad_Name")
    assert "RFC 1123 subdomain" in dm.to_podspec(d).errors["pod.name"]


def test_a_pod_needs_an_app_container() -> None:
    d = dm.remove_container(_postgres(), 0)
    assert dm.to_podspec(d).errors["pod"] == "Required value: at least one container"


def test_add_remove_and_kind_cycle() -> None:
    d = dm.add_container(_postgres(), "sidecar")
    assert d.containers[-1].name == "sidecar" and d.containers[-1].kind == "sidecar"
    d = dm.add_container(d, "sidecar")
    assert d.containers[-1].name == "sidecar-2"
    d = dm.cycle_kind(d, 0)
    assert d.containers[0].kind == "sidecar"
    assert len(dm.remove_container(d, 1).containers) == len(d.containers) - 1
    assert dm.remove_container(d, 99) == d


def test_exclusive_toggle_rounds_up_and_shared_clears_cpu() -> None:
    d = dm.set_field(_postgres(), "c1.cpu", "1500m")
    d = dm.set_exclusive(d, 1, True)
    c = d.containers[1]
    assert (c.cpu, c.cpu_limit, c.memory, c.memory_limit) == ("2", "2", "256Mi", "256Mi")
    assert c.exclusive
    d = dm.toggle_exclusive(d, 1)
    assert not d.containers[1].exclusive and d.containers[1].cpu == ""


def test_round_trip_through_podspec() -> None:
    pod = dm.to_podspec(_postgres()).pod
    assert pod is not None
    back = dm.from_podspec(pod)
    assert dm.to_podspec(back).pod == pod


def test_limit_only_defaults_request_like_the_api_server() -> None:
    d = dm.set_field(dm.set_field(_postgres(), "c0.cpu", ""), "c0.memory", "")
    pod = dm.to_podspec(d).pod
    assert pod is not None and pod.containers[0].resources.requests[CPU] == 6000
