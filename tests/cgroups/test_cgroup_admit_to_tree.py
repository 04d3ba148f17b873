"""End to end below the journal: admit() a pod, plan it into a sandbox, apply, read the tree back."""

from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from workbench.admission.admit import admit
from workbench.cgroups.diff import format_diff
from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.layout import PodRef, StandaloneLayout
from workbench.cgroups.ops import perform, read_back
from workbench.cgroups.plan import plan
from workbench.cgroups.sandbox import init_sandbox
from workbench.kube.model import NodeConfig, NodeState
from workbench.kube.pod import pod_from_mapping
from workbench.topology import load_spec
from workbench.topology.cpuset import CPUSet

# The kubelet's own unit-test machine (fixtures/topologies, from cpumanager's topoDualSocketHT).
TOPOLOGY = Path(__file__).resolve().parents[2] / "fixtures" / "topologies" / "kubelet-topoDualSocketHT.yaml"

POD = """
metadata: {name: postgres, namespace: db, uid: pg-0001}
spec:
  resources:
    requests: {cpu: "8", memory: 16Gi}
    limits: {cpu: "8", memory: 16Gi}
  initContainers:
  - name: pg-backup
    restartPolicy: Always
  containers:
  - name: postgres
    resources:
      requests: {cpu: "6", memory: 12Gi}
      limits: {cpu: "6", memory: 12Gi}
"""

CONFIG = NodeConfig(
    cpu_manager_policy="static",
    kube_reserved=MappingProxyType({"cpu": 1000, "memory": 1 << 30}),
    topology_manager_policy="best-effort",
    topology_manager_scope="pod",
    feature_gates=MappingProxyType({"PodLevelResources": True, "PodLevelResourceManagers": True}),
)


def test_an_admitted_pod_lands_in_the_sandbox_as_decided(tmp_path: Path) -> None:
    topology = load_spec(TOPOLOGY)
    doc: Any = yaml.safe_load(POD)
    pod = pod_from_mapping(doc, "pod.yaml")
    decision = admit(topology, CONFIG, NodeState(), pod, advise=False)
    assert decision.admitted, decision.message
    init_sandbox(tmp_path, topology, mountinfo="")
    fs = CgroupFS(tmp_path, mountinfo="")
    assert fs.read("", "cpuset.cpus.effective") == str(topology.all_cpus)

    writes = plan(decision, StandaloneLayout(), fs, pod=PodRef.from_pod(pod, decision.qos_class))
    for w in writes:
        perform(fs, w)
        assert read_back(fs, w).ok, format_diff([w])

    pod_dir = "workbench.slice/db_postgres"
    union = CPUSet().union(*(c.cpus for c in decision.containers))
    assert decision.pod is not None
    assert CPUSet.parse(fs.read(pod_dir, "cpuset.cpus.effective") or "") == union.union(decision.pod.cpus)
    for c in decision.containers:
        assert CPUSet.parse(fs.read(f"{pod_dir}/{c.name}", "cpuset.cpus.effective") or "") == c.cpus
        assert CPUSet.parse(fs.read(f"{pod_dir}/{c.name}", "cpuset.mems.effective") or "") == c.mems
        assert fs.read(f"{pod_dir}/{c.name}", "cpu.max") == c.cpu_max
    # the exclusive container runs without quota; the pod-shared-pool sidecar is capped at the pod limit
    by_name = {c.name: c for c in decision.containers}
    assert fs.read(f"{pod_dir}/postgres", "cpu.max") == "max 100000"
    assert by_name["pg-backup"].isolation == "pod"
    assert fs.read(f"{pod_dir}/pg-backup", "cpu.max") == "800000 100000"
    assert plan(decision, StandaloneLayout(), fs, pod=PodRef.from_pod(pod, decision.qos_class)) == []
    # without `pod=`, the names come from what admission recorded for the pod's UID
    assert plan(decision, StandaloneLayout(), fs) == []
