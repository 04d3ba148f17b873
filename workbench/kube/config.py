"""KubeletConfiguration -> `NodeConfig`, with the kubelet's defaults and its start-up refusals.

Only the fields placement depends on are read; everything else in the file is ignored, as the
kubelet ignores fields of other components. Absent fields get the kubelet's v1beta1 defaults
(`pkg/kubelet/apis/config/v1beta1/defaults.go`: `cpuManagerPolicy: none`,
`topologyManagerPolicy: none`, scope `container`, `memoryManagerPolicy: None`,
`cgroupDriver: cgroupfs`, `cpuCFSQuotaPeriod: 100ms`, `evictionHard` `memory.available: 100Mi`
...).

`config_problems` lists every configuration the kubelet refuses to start with, quoting the
kubelet's reason (`kube.config_startup`); `load_kubelet_config` raises the first as an
`InputError`.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from workbench.errors import InputError
from workbench.kube.config_reader import ConfigReader
from workbench.kube.config_startup import startup_problems
from workbench.kube.duration import MICROSECOND, MILLISECOND, SECOND, parse_duration_ns
from workbench.kube.eviction import DEFAULT_EVICTION_HARD, MEMORY_AVAILABLE, eviction_memory
from workbench.kube.feature_gates import CUSTOM_CPU_CFS_QUOTA_PERIOD, gate_enabled
from workbench.kube.model import CPU, NodeConfig, ReservedMemory, is_memory_resource
from workbench.kube.pod import quantity_text
from workbench.kube.problem import Problem
from workbench.kube.yamlio import load_documents, read_text
from workbench.quantity import parse_quantity
from workbench.topology.cpuset import CPUSet, CPUSetError
from workbench.topology.model import Topology

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

KIND = "KubeletConfiguration"

CPU_POLICIES = ("none", "static")
TOPOLOGY_POLICIES = ("none", "best-effort", "restricted", "single-numa-node")
TOPOLOGY_SCOPES = ("container", "pod")
MEMORY_POLICIES = ("None", "Static")
CGROUP_DRIVERS = ("cgroupfs", "systemd")
DEFAULT_CFS_PERIOD_NS = 100 * MILLISECOND


def _cfs_period_us(r: ConfigReader, gates: Mapping[str, bool]) -> int:
    """`cpuCFSQuotaPeriod` in microseconds, checked as `ValidateKubeletConfiguration` does."""
    raw = r.doc.get("cpuCFSQuotaPeriod")
    if raw is None:
        return DEFAULT_CFS_PERIOD_NS // MICROSECOND
    try:
        period = parse_duration_ns(str(raw))
    except ValueError as exc:
        r.error("cpuCFSQuotaPeriod", str(exc))
        return DEFAULT_CFS_PERIOD_NS // MICROSECOND
    if not MILLISECOND <= period <= SECOND:
        r.error(
            "cpuCFSQuotaPeriod",
            f"invalid configuration: cpuCFSQuotaPeriod {raw} must be between 1msec and 1sec, inclusive",
        )
    elif period != DEFAULT_CFS_PERIOD_NS and not gate_enabled(gates, CUSTOM_CPU_CFS_QUOTA_PERIOD):
        r.error(
            "cpuCFSQuotaPeriod",
            f"invalid configuration: cpuCFSQuotaPeriod {raw} requires feature gate CustomCPUCFSQuotaPeriod",
        )
        return DEFAULT_CFS_PERIOD_NS // MICROSECOND
    return period // MICROSECOND


def _reserved_cpus(
    r: ConfigReader, kube_reserved: dict[str, int], system_reserved: dict[str, int], topology: Topology | None
) -> CPUSet | None:
    raw = r.doc.get("reservedSystemCPUs")
    if raw in (None, ""):
        return None
    try:
        reserved = CPUSet.parse(str(raw))
    except CPUSetError as exc:
        r.error("reservedSystemCPUs", f"unable to parse reservedSystemCPUs: {exc}")
        return None
    if not reserved:
        return reserved
    # The kubelet lets --reserved-cpus overwrite the cpu of kubeReserved/systemReserved.
    kube_reserved.pop(CPU, None)
    system_reserved[CPU] = len(reserved) * 1000
    if topology is not None:
        missing = reserved.difference(topology.all_cpus)
        if missing:
            r.error(
                "reservedSystemCPUs",
                f"unable to reserve the required amount of CPUs: CPUs {missing} are not on this machine",
            )
    return reserved


def _eviction_hard(r: ConfigReader) -> dict[str, str]:
    raw = r.doc.get("evictionHard")
    if raw is None:
        return dict(DEFAULT_EVICTION_HARD)
    if not isinstance(raw, Mapping):
        r.error("evictionHard", "must be a mapping of signal to threshold")
        return {}
    eviction = dict(DEFAULT_EVICTION_HARD) if r.doc.get("mergeDefaultEvictionSettings") is True else {}
    eviction.update({str(k): str(v) for k, v in raw.items()})
    threshold = eviction.get(MEMORY_AVAILABLE)
    if threshold is not None:
        try:
            eviction_memory(threshold, None)
        except ValueError as exc:
            r.error(f"evictionHard.{MEMORY_AVAILABLE}", f"invalid threshold {threshold!r}: {exc}")
            eviction.pop(MEMORY_AVAILABLE)
    return eviction


def _reserved_memory_entry(r: ConfigReader, field: str, item: Any) -> ReservedMemory | None:
    numa = item.get("numaNode") if isinstance(item, Mapping) else None
    if not isinstance(numa, int) or isinstance(numa, bool) or numa < 0:
        r.error(field, "must have numaNode (a NUMA node id) and limits")
        return None
    raw_limits = item.get("limits") or {}
    if not isinstance(raw_limits, Mapping):
        r.error(f"{field}.limits", "must be a mapping")
        return None
    limits: dict[str, int] = {}
    for name, raw in raw_limits.items():
        try:
            q = parse_quantity(quantity_text(raw))
        except ValueError as exc:
            r.error(f"{field}.limits.{name}", str(exc))
            continue
        if not is_memory_resource(str(name)):
            r.error(
                f"{field}.limits.{name}", f"memory type {name!r} is not supported (memory or hugepages-*)"
            )
            continue
        limits[str(name)] = q.value()
    return ReservedMemory(numa, MappingProxyType(limits))


def _reserved_memory(r: ConfigReader) -> tuple[ReservedMemory, ...]:
    raw = r.doc.get("reservedMemory")
    if raw is None:
        return ()
    if not isinstance(raw, list):
        r.error("reservedMemory", "must be a list of {numaNode, limits}")
        return ()
    entries = (_reserved_memory_entry(r, f"reservedMemory[{i}]", item) for i, item in enumerate(raw))
    return tuple(e for e in entries if e is not None)


def _checked(name: str) -> Any:
    """A name `ConfigReader.text` checked against its allowed values, as the Literal type the
    config field has (`typing.cast` without importing typing)."""
    return name


def config_from_mapping(
    doc: Any, source: str = "", topology: Topology | None = None
) -> tuple[NodeConfig, list[Problem]]:
    """The config with defaults applied, and every reason the kubelet would refuse to start."""
    if not isinstance(doc, Mapping):
        raise InputError("expected a KubeletConfiguration object", source=source)
    kind = doc.get("kind")
    if kind is not None and kind != KIND:
        raise InputError(f"kind is {kind!r}, expected {KIND}", source=source, field="kind")
    r = ConfigReader(doc, source)
    gates = r.flags("featureGates")
    cpu_policy = r.text("cpuManagerPolicy", "none", CPU_POLICIES)
    options = r.options("cpuManagerPolicyOptions", "bad value for option {name!r}: must be true or false")
    topo_policy = r.text("topologyManagerPolicy", "none", TOPOLOGY_POLICIES)
    topo_scope = r.text("topologyManagerScope", "container", TOPOLOGY_SCOPES)
    topo_options = r.options("topologyManagerPolicyOptions", "must be a string")
    mem_policy = r.text("memoryManagerPolicy", "None", MEMORY_POLICIES)
    cgroup_driver = r.text("cgroupDriver", "cgroupfs", CGROUP_DRIVERS)
    cfs_quota = doc.get("cpuCFSQuota", True)
    if not isinstance(cfs_quota, bool):
        r.error("cpuCFSQuota", "must be true or false")
        cfs_quota = True
    period_us = _cfs_period_us(r, gates)
    max_pods = r.count("maxPods", 110, "maxPods (--max-pods)")
    pods_per_core = r.count("podsPerCore", 0, "podsPerCore (--pods-per-core)")
    kube_reserved = r.resource_list("kubeReserved")
    system_reserved = r.resource_list("systemReserved")
    reserved_cpus = _reserved_cpus(r, kube_reserved, system_reserved, topology)
    cfg = NodeConfig(
        cpu_manager_policy=_checked(cpu_policy),
        cpu_manager_policy_options=MappingProxyType(options),
        reserved_system_cpus=reserved_cpus,
        kube_reserved=MappingProxyType(kube_reserved),
        system_reserved=MappingProxyType(system_reserved),
        topology_manager_policy=_checked(topo_policy),
        topology_manager_scope=_checked(topo_scope),
        topology_manager_policy_options=MappingProxyType(topo_options),
        memory_manager_policy=_checked(mem_policy),
        reserved_memory=_reserved_memory(r),
        feature_gates=MappingProxyType(gates),
        cpu_cfs_quota=cfs_quota,
        cpu_cfs_quota_period_us=period_us,
        cgroup_driver=_checked(cgroup_driver),
        eviction_hard=MappingProxyType(_eviction_hard(r)),
        max_pods=max_pods,
        pods_per_core=pods_per_core,
        source=source,
    )
    r.problems.extend(startup_problems(cfg, topology))
    return cfg, r.problems


def config_problems(doc: Any, source: str = "", topology: Topology | None = None) -> list[Problem]:
    try:
        return config_from_mapping(doc, source, topology)[1]
    except InputError as exc:
        return [Problem(exc.field, exc.problem, "error", exc.source or source)]


def load_kubelet_config(path: Path | str, topology: Topology | None = None) -> NodeConfig:
    """Read a KubeletConfiguration; InputError with the kubelet's reason if it would not start."""
    text, label = read_text(path)
    docs = load_documents(text, label)
    configs = [d for d in docs if isinstance(d, Mapping) and d.get("kind") in (KIND, None)]
    if len(configs) != 1:
        raise InputError(
            f"expected one {KIND} document, found {len(configs)}",
            source=label,
            fix="give the kubelet's config.yaml (usually /var/lib/kubelet/config.yaml)",
        )
    cfg, problems = config_from_mapping(configs[0], label, topology)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more: run `workbench validate {label}`)" if len(errors) > 1 else ""
        raise InputError(
            first.message + more,
            source=label,
            field=first.field,
            fix="the kubelet refuses to start with this configuration",
        )
    return cfg


DEMO_CONFIG_YAML = """\
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
cgroupDriver: systemd
cpuManagerPolicy: static
reservedSystemCPUs: "0"
memoryManagerPolicy: Static
kubeReserved:
  memory: 500Mi
systemReserved:
  memory: 424Mi
evictionHard:
  memory.available: 100Mi
  nodefs.available: 10%
  nodefs.inodesFree: 5%
  imagefs.available: 15%
reservedMemory:
  - numaNode: 0
    limits:
      memory: 1Gi
topologyManagerPolicy: restricted
topologyManagerScope: pod
featureGates:
  PodLevelResources: true
  PodLevelResourceManagers: true
"""


def demo_config_document() -> dict[str, Any]:
    """`DEMO_CONFIG_YAML` as its parsed document, written out so the demo starts without a YAML
    parser (a test checks that the two agree)."""
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "cgroupDriver": "systemd",
        "cpuManagerPolicy": "static",
        "reservedSystemCPUs": "0",
        "memoryManagerPolicy": "Static",
        "kubeReserved": {"memory": "500Mi"},
        "systemReserved": {"memory": "424Mi"},
        "evictionHard": {
            "memory.available": "100Mi",
            "nodefs.available": "10%",
            "nodefs.inodesFree": "5%",
            "imagefs.available": "15%",
        },
        "reservedMemory": [{"numaNode": 0, "limits": {"memory": "1Gi"}}],
        "topologyManagerPolicy": "restricted",
        "topologyManagerScope": "pod",
        "featureGates": {"PodLevelResources": True, "PodLevelResourceManagers": True},
    }


def demo_config() -> NodeConfig:
    """The demo node's kubelet: static CPU manager with CPU 0 reserved, Static memory manager
    (1Gi reserved on node 0 = 500Mi kube + 424Mi system + 100Mi eviction), topology manager
    `restricted` with scope `pod`, both pod-level gates on, systemd cgroups."""
    cfg, problems = config_from_mapping(demo_config_document(), "<demo>")
    assert not problems, problems
    return cfg
