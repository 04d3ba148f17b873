"""Any input gives a result or an InputError (pods, configs) or problems (checkpoints), never a crash."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from kube_paths import PODS

from workbench.errors import InputError
from workbench.kube.checkpoint import read_kubelet_dir
from workbench.kube.checkpoint_cpu import parse_cpu_checkpoint
from workbench.kube.checkpoint_device import parse_device_checkpoint
from workbench.kube.checkpoint_memory import parse_memory_checkpoint
from workbench.kube.config import config_from_mapping, config_problems
from workbench.kube.pod import load_pods, pod_from_mapping, pods_from_text
from workbench.kube.validate import validate_pod_doc
from workbench.kube.writer import dump_yaml, set_resources
from workbench.kube.yamlio import decode, load_documents

KEYS = [
    "kind",
    "spec",
    "metadata",
    "containers",
    "initContainers",
    "resources",
    "requests",
    "limits",
    "name",
    "cpu",
    "memory",
    "hugepages-2Mi",
    "nvidia.com/gpu",
    "restartPolicy",
    "template",
    "items",
    "policyName",
    "defaultCpuSet",
    "entries",
    "podEntries",
    "cpuSet",
    "data",
    "dataChecksum",
    "machineState",
    "memoryMap",
    "cells",
    "Data",
    "PodDeviceEntries",
    "DeviceIDs",
    "reservedMemory",
    "cpuManagerPolicy",
    "reservedSystemCPUs",
    "featureGates",
    "numaNode",
    "jobTemplate",
]
LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True),
    st.sampled_from(
        [
            "Pod",
            "Deployment",
            "CronJob",
            "List",
            "Always",
            "static",
            "Static",
            "1",
            "500m",
            "1Gi",
            "-1",
            "0-3",
            "3-1",
            "x",
            "",
            "1e999",
            "KubeletConfiguration",
            "{}",
        ]
    ),
    st.text(max_size=8),
)
TREES = st.recursive(
    LEAVES,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=5), children, max_size=5),
    ),
    max_leaves=30,
)


def _pod_readers(doc: Any) -> None:
    try:
        pod = pod_from_mapping(doc, "fuzz")
    except InputError:
        pass
    else:
        assert pod.containers
        set_resources(doc, pod, ("spec",) if "spec" in doc else ())  # a valid pod can be written back
    validate_pod_doc(doc, "fuzz")


@settings(max_examples=100)
@given(TREES)
def test_random_documents_never_crash_the_pod_readers(doc: Any) -> None:
    _pod_readers(doc)
    if isinstance(doc, dict):
        _pod_readers({"kind": "Pod", "metadata": {"name": "f"}, "spec": doc})
        _pod_readers({"kind": "Pod", "spec": {"containers": [doc]}})
        _pod_readers({"kind": "Pod", "spec": {"containers": [{"name": "c", "resources": doc}]}})


@settings(max_examples=100)
@given(TREES)
def test_random_documents_never_crash_config_or_checkpoint_readers(doc: Any) -> None:
    try:
        config_from_mapping(doc, "fuzz")
    except InputError:
        pass
    config_problems(doc)
    for parse in (parse_cpu_checkpoint, parse_memory_checkpoint, parse_device_checkpoint):
        result = parse(doc)
        assert isinstance(result.problems, tuple)


@given(st.binary(max_size=300))
def test_random_bytes_give_pods_or_an_input_error(raw: bytes) -> None:
    try:
        pods_from_text(decode(raw, "fuzz"), "fuzz")
    except InputError as exc:
        assert exc.line()


@given(st.text(max_size=200))
def test_random_text_gives_pods_or_an_input_error(text: str) -> None:
    try:
        pods_from_text(text, "fuzz")
    except InputError:
        pass


def _mutations(text: str) -> st.SearchStrategy[str]:
    return st.builds(
        lambda i, j, junk: text[:i] + junk + text[j:],
        st.integers(0, len(text)),
        st.integers(0, len(text)),
        st.text(max_size=6),
    )


POSTGRES = (PODS / "postgres.yaml").read_text()


@settings(max_examples=120)
@given(_mutations(POSTGRES))
def test_damaged_real_manifests_give_pods_or_an_input_error(text: str) -> None:
    try:
        for loaded in pods_from_text(text, "fuzz"):
            dump_yaml(set_resources(loaded.doc, loaded.pod, loaded.spec_path))
    except InputError:
        pass
    try:
        for doc in load_documents(text, "fuzz"):
            validate_pod_doc(doc, "fuzz")
    except InputError:
        pass


@settings(max_examples=60)
@given(st.binary(max_size=200), st.binary(max_size=200))
def test_random_checkpoint_files_become_problems(
    tmp_path_factory: pytest.TempPathFactory, cpu: bytes, mem: bytes
) -> None:
    d: Path = tmp_path_factory.mktemp("node")
    (d / "config.yaml").write_text(
        "kind: KubeletConfiguration\ncpuManagerPolicy: static\nkubeReserved: {cpu: 1}\n"
    )
    (d / "cpu_manager_state").write_bytes(cpu)
    (d / "memory_manager_state").write_bytes(mem)
    try:
        kd = read_kubelet_dir(d)
    except InputError as exc:  # a checksum that does not hold: the kubelet's refusal, one line
        assert "checkpoint is corrupted, please drain this node" in exc.line()
        assert "\n" not in exc.line()
        return
    assert all(p.startswith(("cpu_manager_state: ", "memory_manager_state: ")) for p in kd.state.problems)


@pytest.mark.parametrize(
    "text",
    [
        "!!python/object/apply:os.system ['true']",
        "kind: Pod\nmetadata: !!python/name:os.system\n",
        "a: &a [*a]\n",  # a recursive alias
        "[" * 1000,  # deep nesting
        "kind: Pod\nspec: {containers: [{name: c, resources: {limits: {cpu: 1e99999}}}]}\n",
        "\x00\x01",
    ],
    ids=["python-apply", "python-name", "recursive-alias", "deep-nesting", "huge-exponent", "control-chars"],
)
def test_hostile_yaml_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError):
        pods_from_text(text, "evil.yaml")


def test_python_object_fixture_is_refused() -> None:
    with pytest.raises(InputError, match="unsupported YAML tag"):
        load_pods(PODS / "invalid" / "python-object.yaml")
    assert yaml.safe_load("a: 1") == {"a": 1}
