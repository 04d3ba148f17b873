"""KubeletConfiguration: the kubelet's defaults, and the configurations it refuses to start with.

Refusal messages quote the kubelet (cpumanager `policy_options.go`, topologymanager
`NewManager`, memorymanager `validateReservedMemory` / `NewPolicyStatic`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from kube_paths import PODS, topology

from workbench.errors import InputError
from workbench.kube.config import (
    config_from_mapping,
    config_problems,
    demo_config,
    load_kubelet_config,
)
from workbench.kube.reservation import reserved_cpu_count

GI = 2**30
MI = 2**20


def cfg(text: str) -> dict[str, Any]:
    doc = yaml.safe_load("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n" + text)
    assert isinstance(doc, dict)
    return doc


def messages(text: str, topo_name: str | None = None) -> list[str]:
    topo = topology(topo_name) if topo_name else None
    return [f"{p.field}: {p.message}" for p in config_problems(cfg(text), "c.yaml", topo)]


def test_absent_fields_get_the_kubelet_defaults() -> None:
    c, problems = config_from_mapping(cfg(""))
    assert problems == []
    assert (c.cpu_manager_policy, c.topology_manager_policy, c.topology_manager_scope) == (
        "none",
        "none",
        "container",
    )
    assert (c.memory_manager_policy, c.cgroup_driver) == ("None", "cgroupfs")
    assert c.cpu_cfs_quota and c.cpu_cfs_quota_period_us == 100_000
    assert c.eviction_hard["memory.available"] == "100Mi" and c.reserved_system_cpus is None


def test_a_full_config_is_read_into_canonical_units() -> None:
    c, problems = config_from_mapping(
        cfg("""
cpuManagerPolicy: static
cpuManagerPolicyOptions: {full-pcpus-only: "true", strict-cpu-reservation: true}
kubeReserved: {cpu: 500m, memory: 1Gi}
systemReserved: {cpu: 1500m, memory: 512Mi, pid: "1000"}
topologyManagerPolicy: best-effort
topologyManagerScope: pod
topologyManagerPolicyOptions: {prefer-closest-numa-nodes: "true"}
featureGates: {PodLevelResources: true, CustomCPUCFSQuotaPeriod: true}
cpuCFSQuotaPeriod: 50ms
cgroupDriver: systemd
evictionHard: {memory.available: 200Mi}
""")
    )
    assert problems == []
    assert (
        c.option("full-pcpus-only") and c.option("strict-cpu-reservation") and not c.option("align-by-socket")
    )
    assert dict(c.kube_reserved) == {"cpu": 500, "memory": GI}
    assert dict(c.system_reserved) == {"cpu": 1500, "memory": 512 * MI, "pid": 1000}
    assert reserved_cpu_count(c) == 2  # ceil(0.5 + 1.5)
    assert c.topology_option("prefer-closest-numa-nodes") == "true"
    assert c.cpu_cfs_quota_period_us == 50_000 and c.cgroup_driver == "systemd"
    # a partial evictionHard replaces the defaults (mergeDefaultEvictionSettings is off)
    assert dict(c.eviction_hard) == {"memory.available": "200Mi"}


def test_reserved_system_cpus_overwrite_the_cpu_reservations() -> None:
    c, problems = config_from_mapping(
        cfg('cpuManagerPolicy: static\nreservedSystemCPUs: "0,32"\nkubeReserved: {cpu: "3"}'),
        "",
        topology("intel-2s-snc"),
    )
    assert problems == []
    assert str(c.reserved_system_cpus) == "0,32" and "cpu" not in c.kube_reserved
    assert c.system_reserved["cpu"] == 2000
    assert (
        "not on this machine"
        in messages('cpuManagerPolicy: static\nreservedSystemCPUs: "0,99"', "intel-2s-snc")[0]
    )


def test_static_policy_needs_reserved_cpus() -> None:
    [msg] = messages("cpuManagerPolicy: static")
    assert "requires systemreserved.cpu + kubereserved.cpu to be greater than zero" in msg


def test_incompatible_and_ungated_policy_options() -> None:
    found = messages("""
cpuManagerPolicy: static
kubeReserved: {cpu: "1"}
cpuManagerPolicyOptions:
  full-pcpus-only: "true"
  distribute-cpus-across-cores: "true"
  made-up-option: "true"
""")
    assert (
        "cpuManagerPolicyOptions.distribute-cpus-across-cores: CPU Manager Policy Alpha-level Options not "
        'enabled, but option "distribute-cpus-across-cores" provided' in found
    )
    assert (
        'cpuManagerPolicyOptions.made-up-option: unknown CPU Manager Policy option: "made-up-option"' in found
    )
    assert (
        "cpuManagerPolicyOptions: static policy options full-pcpus-only and distribute-cpus-across-cores "
        "can not be used at the same time" in found
    )


def test_beta_options_are_on_by_default_but_can_be_gated_off() -> None:
    base = (
        'cpuManagerPolicy: static\nkubeReserved: {cpu: "1"}\n'
        'cpuManagerPolicyOptions: {strict-cpu-reservation: "true"}\n'
    )
    assert messages(base) == []
    [msg] = messages(base + "featureGates: {CPUManagerPolicyBetaOptions: false}")
    assert "Beta-level Options not enabled" in msg


def test_align_by_socket_refusals() -> None:
    base = """
cpuManagerPolicy: static
kubeReserved: {cpu: "1"}
featureGates: {CPUManagerPolicyAlphaOptions: true}
cpuManagerPolicyOptions: {align-by-socket: "true"}
"""
    assert messages(base + "topologyManagerPolicy: restricted", "intel-2s-snc") == []
    [msg] = messages(base + "topologyManagerPolicy: single-numa-node")
    assert msg == (
        "cpuManagerPolicyOptions.align-by-socket: Topolgy manager single-numa-node policy is incompatible "
        "with CPUManager align-by-socket policy option"
    )


def test_more_numa_nodes_than_allowed() -> None:
    text = "topologyManagerPolicy: restricted\n"
    [msg] = messages(text, "big-16numa-512")
    assert msg.startswith("topologyManagerPolicy: unsupported on machines with more than 8 NUMA Nodes")
    assert (
        messages(text + 'topologyManagerPolicyOptions: {max-allowable-numa-nodes: "16"}', "big-16numa-512")
        == []
    )
    assert messages("topologyManagerPolicy: none\n", "big-16numa-512") == []  # none never checks
    [low] = messages(text + 'topologyManagerPolicyOptions: {max-allowable-numa-nodes: "4"}')
    assert low.endswith('the minimum value of "max-allowable-numa-nodes" should not be less than 8')
    [bad] = messages(
        text
        + "topologyManagerPolicyOptions: "
        + '{max-allowable-numa-nodes: "many", prefer-closest-numa-nodes: "true"}'
    )
    assert "unable to convert policy option to integer" in bad
    [bad] = messages(text + 'topologyManagerPolicyOptions: {prefer-closest-numa-nodes: "yes"}')
    assert bad.endswith(
        'bad value for option "prefer-closest-numa-nodes": strconv.ParseBool: parsing "yes": invalid syntax'
    )


def test_reserved_memory_must_add_up() -> None:
    base = "memoryManagerPolicy: Static\nkubeReserved: {memory: 1Gi}\nsystemReserved: {memory: 924Mi}\n"
    good = (
        base + "reservedMemory: [{numaNode: 0, limits: {memory: 1Gi}}, {numaNode: 1, limits: {memory: 1Gi}}]"
    )
    assert messages(good, "intel-2s-snc") == []
    [msg] = messages(base + "reservedMemory: [{numaNode: 0, limits: {memory: 1Gi}}]")
    assert msg == (
        'reservedMemory: the total amount "1Gi" of type "memory" is not equal to the value "2Gi" '
        "determined by Node Allocatable feature (kubeReserved + systemReserved + evictionHard "
        "memory.available)"
    )
    missing_node = messages(good.replace("numaNode: 1", "numaNode: 7"), "intel-2s-snc")
    assert any("references a NUMA node 7 that does not exist" in m for m in missing_node)


def test_static_memory_manager_without_reserved_memory() -> None:
    found = messages("memoryManagerPolicy: Static\nevictionHard: {memory.available: '0'}")
    assert found == ["reservedMemory: [memorymanager] you should specify the system reserved memory"]


def test_eviction_percentage_needs_the_machine() -> None:
    text = (
        "memoryManagerPolicy: Static\nevictionHard: {memory.available: 1%}\n"
        "reservedMemory: [{numaNode: 0, limits: {memory: 1Gi}}]"
    )
    # 1% of 4 x 96Gi = 3.84Gi, not 1Gi
    assert any('"1Gi" of type "memory" is not equal' in m for m in messages(text, "intel-2s-snc"))
    assert messages(text) == []  # without the machine the percentage cannot be checked


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("cpuManagerPolicy: dynamic", "cpuManagerPolicy"),
        ("topologyManagerScope: node", "topologyManagerScope"),
        ("cgroupDriver: openrc", "cgroupDriver"),
        ("cpuCFSQuotaPeriod: 5s\nfeatureGates: {CustomCPUCFSQuotaPeriod: true}", "cpuCFSQuotaPeriod"),
        ("cpuCFSQuotaPeriod: 50ms", "cpuCFSQuotaPeriod"),
        ("cpuCFSQuotaPeriod: soon", "cpuCFSQuotaPeriod"),
        ("kubeReserved: {memory: lots}", "kubeReserved.memory"),
        ('reservedSystemCPUs: "3-1"', "reservedSystemCPUs"),
        ("featureGates: {PodLevelResources: maybe}", "featureGates.PodLevelResources"),
        ("evictionHard: {memory.available: plenty}", "evictionHard.memory.available"),
        ("evictionHard: {memory.available: 150%}", "evictionHard.memory.available"),
    ],
)
def test_invalid_values_name_their_field(text: str, field: str) -> None:
    assert [p.field for p in config_problems(cfg(text))] == [field]


def test_demo_config_is_what_the_issue_describes() -> None:
    c = demo_config()
    assert c.cpu_manager_policy == "static" and str(c.reserved_system_cpus) == "0"
    assert c.memory_manager_policy == "Static" and c.reserved_memory[0].limits["memory"] == GI
    assert (c.topology_manager_policy, c.topology_manager_scope) == ("restricted", "pod")
    assert c.feature_gates["PodLevelResources"] and c.feature_gates["PodLevelResourceManagers"]
    assert c.cgroup_driver == "systemd"
    assert (
        config_problems(
            yaml.safe_load(__import__("workbench.kube.config").kube.config.DEMO_CONFIG_YAML),
            "demo",
            topology("intel-2s-snc"),
        )
        == []
    )


def test_load_raises_the_kubelets_reason(tmp_path: Path) -> None:
    with pytest.raises(
        InputError,
        match=r"kubelet-refuses.yaml: cpuManagerPolicy: .*static policy requires.*"
        r"and \d+ more.*refuses to start",
    ):
        load_kubelet_config(PODS / "invalid" / "kubelet-refuses.yaml")
    bad = tmp_path / "config.yaml"
    bad.write_text("kind: Pod\n")
    with pytest.raises(InputError, match="expected one KubeletConfiguration"):
        load_kubelet_config(bad)
    bad.write_text("{}\n")
    assert load_kubelet_config(bad).cpu_manager_policy == "none"  # kind-less config files are accepted
