"""Object and container names as the API server checks them (kube/names.py), and where the
pod reader and `validate` apply them. Good and bad values follow apimachinery's
`TestIsDNS1123Label` and `TestIsDNS1123Subdomain` (k8s.io/apimachinery/pkg/util/validation/
validation_test.go)."""

from __future__ import annotations

import pytest

from workbench.errors import InputError
from workbench.kube.names import dns1123_label_errors, dns1123_subdomain_errors, name_problem
from workbench.kube.pod import pod_from_mapping
from workbench.kube.validate import validate_pod_doc

LABEL_GOOD = ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2"]
LABEL_GOOD += ["a" * 63]
LABEL_BAD = [
    "", "A", "ABC", "aBc", "A1", "A-1", "1-A", "-", "a-", "-a", "1-", "-1", "_", "a_", "_a", "a_b",
    "1_", "_1", "1_2", ".", "a.", ".a", "a.b", "1.", ".1", "1.2", " ", "a ", " a", "a b", "1 ", " 1",
    "1 2", "a" * 64,
    # not upstream's table: what a hostile manifest holds
    "a\n", "a\x85", "a\u202eb", "a\ud800", "\u0663",
]  # fmt: skip
SUBDOMAIN_GOOD = [
    "a", "ab", "abc", "a1", "a-1", "a--1--2--b", "0", "01", "012", "1a", "1-a", "1--a--b--2", "a.a",
    "ab.a", "abc.a", "a1.a", "a-1.a", "a--1--2--b.a", "a.1", "0.a", "1.2.3.4.5", "11.22.33.44.55",
    "a.b.c.d.e", "a" * 253,
]  # fmt: skip
SUBDOMAIN_BAD = [
    "", "A", "ABC", "aBc", "A.a", "aBc.a", "A1.a", "-", "a-", "-a", "_", "a_", "a_b", ".", "a.", ".a",
    "a..b", "a.-a", "a.a-", "a@b", "a,b", "a;b", "a:b", "a%b", "a?b", "a$b", "a" * 254, "a\n",
]  # fmt: skip


@pytest.mark.parametrize("value", LABEL_GOOD)
def test_dns1123_label_good(value: str) -> None:
    assert dns1123_label_errors(value) == []


@pytest.mark.parametrize("value", LABEL_BAD)
def test_dns1123_label_bad(value: str) -> None:
    assert dns1123_label_errors(value)


@pytest.mark.parametrize("value", SUBDOMAIN_GOOD)
def test_dns1123_subdomain_good(value: str) -> None:
    assert dns1123_subdomain_errors(value) == []


@pytest.mark.parametrize("value", SUBDOMAIN_BAD)
def test_dns1123_subdomain_bad(value: str) -> None:
    assert dns1123_subdomain_errors(value)


def test_too_long_is_said_as_the_api_server_says_it() -> None:
    assert "must be no more than 63 characters" in dns1123_label_errors("a" * 64)
    assert "must be no more than 253 characters" in dns1123_subdomain_errors("a" * 254)
    assert name_problem("x\u202e", "container") is not None
    assert "\u202e" not in (name_problem("x\u202e", "container") or "")  # the echo is escaped


def _pod(name: str = "p", container: str = "c", namespace: str = "default") -> dict[str, object]:
    return {
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"containers": [{"name": container}]},
    }


@pytest.mark.parametrize(
    ("doc", "field"),
    [
        (_pod(name="p\x85x"), "metadata.name"),
        (_pod(name="a" * 254), "metadata.name"),
        (_pod(namespace="my.ns"), "metadata.namespace"),
        (_pod(container="Bad_Name"), "spec.containers[0].name"),
    ],
)
def test_admit_and_commit_refuse_names_the_api_server_refuses(doc: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as err:
        pod_from_mapping(doc, "pod.yaml")
    assert err.value.field == field
    assert [p.field for p in validate_pod_doc(doc, "pod.yaml") if p.severity == "error"] == [field]


def test_pod_names_are_subdomains_not_labels() -> None:
    assert pod_from_mapping(_pod(name="web.v2"), "pod.yaml").name == "web.v2"


def test_duplicate_container_names_are_refused_by_the_reader() -> None:
    doc = {"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}, {"name": "c"}]}}
    with pytest.raises(InputError, match='Duplicate value: "c"'):
        pod_from_mapping(doc, "pod.yaml")
