"""KubeletConfiguration -> `NodeConfig`, with the kubelet's defaults and its start-up refusals.

Only the fields placement depends on are read; everything else in the file is ignored, as the
kubelet ignores fields of other components. Absent fields get the kubelet's v1beta1 defaults
(`cpuManagerPolicy: none`, `topologyManagerPolicy: none`, scope `container`,
`memoryManagerPolicy: None`, `cgroupDriver: cgroupfs`, `cpuCFSQuotaPeriod: 100ms`, `evictionHard`
`memory.available: 100Mi` ...).

`config_problems` lists every configuration the kubelet refuses to start with, quoting the
kubelet's reason; `load_kubelet_config` raises the first as an `InputError`.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

from workbench.errors import InputError
from workbench.kube.model import CPU, MEMORY, NodeConfig, ReservedMemory, is_memory_resource
from workbench.kube.pod import amount, quantity_text
from workbench.kube.problem import Problem
from workbench.kube.yamlio import load_documents, read_text
from workbench.quantity import format_bytes, parse_quantity
from workbench.topology.cpuset import CPUSet, CPUSetError
from workbench.topology.model import Topology

KIND = "KubeletConfiguration"

CPU_POLICIES = ("none", "static")
TOPOLOGY_POLICIES = ("none", "best-effort", "restricted", "single-numa-node")
TOPOLOGY_SCOPES = ("container", "pod")
MEMORY_POLICIES = ("None", "Static")
CGROUP_DRIVERS = ("cgroupfs", "systemd")

# CPU manager static policy options and their maturity (policy_options.go).
CPU_OPTION_LEVEL: Mapping[str, str] = MappingProxyType(
    {
        "full-pcpus-only": "stable",
        "distribute-cpus-across-numa": "beta",
        "prefer-align-cpus-by-uncorecache": "beta",
        "strict-cpu-reservation": "beta",
        "align-by-socket": "alpha",
        "distribute-cpus-across-cores": "alpha",
    }
)
CPU_OPTION_CONFLICTS = (
    ("full-pcpus-only", "distribute-cpus-across-cores"),
    ("distribute-cpus-across-numa", "distribute-cpus-across-cores"),
    ("prefer-align-cpus-by-uncorecache", "distribute-cpus-across-cores"),
    ("prefer-align-cpus-by-uncorecache", "distribute-cpus-across-numa"),
)
TOPOLOGY_OPTIONS = ("prefer-closest-numa-nodes", "max-allowable-numa-nodes")
DEFAULT_MAX_NUMA_NODES = 8

# Gate defaults in v1.36 that decide whether the kubelet starts (policy option maturity).
GATE_DEFAULTS: Mapping[str, bool] = MappingProxyType(
    {
        "CPUManagerPolicyAlphaOptions": False,
        "CPUManagerPolicyBetaOptions": True,
        "TopologyManagerPolicyAlphaOptions": False,
        "TopologyManagerPolicyBetaOptions": True,
        "CustomCPUCFSQuotaPeriod": False,
    }
)

# `evictionHard` defaults, used when the file does not set evictionHard at all.
DEFAULT_EVICTION_HARD: Mapping[str, str] = MappingProxyType(
    {
        "memory.available": "100Mi",
        "nodefs.available": "10%",
        "nodefs.inodesFree": "5%",
        "imagefs.available": "15%",
        "imagefs.inodesFree": "5%",
    }
)

_DURATION_UNITS = {
    "ns": 0.001,
    "us": 1,
    "µs": 1,
    "μs": 1,
    "ms": 1000,
    "s": 10**6,
    "m": 60 * 10**6,
    "h": 3600 * 10**6,
}
_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_duration_us(text: str) -> int:
    """Microseconds of a Go duration such as `100ms`, `1s` or `1m30s` (truncated like Go)."""
    s = text.strip()
    sign = -1 if s.startswith("-") else 1
    s = s.lstrip("+-")
    if s == "0":
        return 0
    pos = 0
    total = 0.0
    while pos < len(s):
        m = _DURATION_PART.match(s, pos)
        if not m:
            raise ValueError(f"time: invalid duration {text!r} (write e.g. 100ms or 1s)")
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    if not s:
        raise ValueError(f"time: invalid duration {text!r} (write e.g. 100ms or 1s)")
    return sign * math.floor(total + 1e-9)


def _bool_text(value: Any) -> str | None:
    """A policy option value as the kubelet sees it (`strconv.ParseBool` input)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, str)):
        return str(value)
    return None


_TRUE = ("1", "t", "T", "TRUE", "true", "True")
_FALSE = ("0", "f", "F", "FALSE", "false", "False")


class _Reader:
    def __init__(self, doc: Mapping[str, Any], source: str) -> None:
        self.doc = doc
        self.source = source
        self.problems: list[Problem] = []

    def error(self, field: str, message: str) -> None:
        self.problems.append(Problem(field, message, "error", self.source))

    def text(self, key: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.doc.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or value not in allowed:
            choices = ", ".join(allowed)
            self.error(key, f"unknown value {value!r} (must be one of: {choices})")
            return default
        return value

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.doc.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.error(key, "must be a mapping")
            return {}
        return value

    def resource_list(self, key: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for name, raw in self.mapping(key).items():
            try:
                q = parse_quantity(quantity_text(raw))
            except ValueError as exc:
                self.error(f"{key}.{name}", str(exc))
                continue
            if q.sign() < 0:
                self.error(f"{key}.{name}", f"must be greater than or equal to 0, got {q}")
                continue
            try:
                out[str(name)] = amount(str(name), q)
            except ValueError as exc:  # beyond the kubelet's int64
                self.error(f"{key}.{name}", str(exc))
        return out


def _gate(gates: Mapping[str, bool], name: str) -> bool:
    return gates.get(name, GATE_DEFAULTS.get(name, False))


def _eviction_memory(threshold: str | None, topology: Topology | None) -> int | None:
    """Bytes of the hard `memory.available` threshold (percentages need the node's memory)."""
    if threshold is None:
        return 0
    text = threshold.strip()
    if text.endswith("%"):
        if topology is None:
            return None
        total = sum(n.memory_bytes for n in topology.numa_nodes)
        # `ThresholdValue.Percentage` is a float32 (`parsePercentage`), and `GetThresholdQuantity`
        # truncates capacity x percentage: 5% of 10Gi is 536870920 bytes, not 536870912.
        percentage = _float32(_float32(float(text[:-1])) / 100)
        return math.trunc(float(total) * percentage)
    return parse_quantity(text).value()


def _float32(x: float) -> float:
    return float(struct.unpack("f", struct.pack("f", x))[0])


def _count(r: _Reader, doc: Mapping[str, Any], key: str, default: int, flag: str) -> int:
    """A non-negative integer field (`ValidateKubeletConfiguration`'s wording on refusal)."""
    value = doc.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        r.error(key, f"must be an integer, got {value!r}")
        return default
    if value < 0:
        r.error(key, f"invalid configuration: {flag} {value} must not be a negative number")
        return default
    return value


def config_from_mapping(
    doc: Any, source: str = "", topology: Topology | None = None
) -> tuple[NodeConfig, list[Problem]]:
    """The config with defaults applied, and every reason the kubelet would refuse to start."""
    if not isinstance(doc, Mapping):
        raise InputError("expected a KubeletConfiguration object", source=source)
    kind = doc.get("kind")
    if kind is not None and kind != KIND:
        raise InputError(f"kind is {kind!r}, expected {KIND}", source=source, field="kind")
    r = _Reader(doc, source)

    gates: dict[str, bool] = {}
    for name, value in r.mapping("featureGates").items():
        if not isinstance(value, bool):
            r.error(f"featureGates.{name}", f"invalid value {value!r}: must be true or false")
            continue
        gates[str(name)] = value

    cpu_policy = r.text("cpuManagerPolicy", "none", CPU_POLICIES)
    options: dict[str, str] = {}
    for name, value in r.mapping("cpuManagerPolicyOptions").items():
        text = _bool_text(value)
        if text is None:
            r.error(
                f"cpuManagerPolicyOptions.{name}", f"bad value for option {name!r}: must be true or false"
            )
            continue
        options[str(name)] = text
    topo_policy = r.text("topologyManagerPolicy", "none", TOPOLOGY_POLICIES)
    topo_scope = r.text("topologyManagerScope", "container", TOPOLOGY_SCOPES)
    topo_options: dict[str, str] = {}
    for name, value in r.mapping("topologyManagerPolicyOptions").items():
        text = _bool_text(value)
        if text is None:
            r.error(f"topologyManagerPolicyOptions.{name}", "must be a string")
            continue
        topo_options[str(name)] = text
    mem_policy = r.text("memoryManagerPolicy", "None", MEMORY_POLICIES)
    cgroup_driver = r.text("cgroupDriver", "cgroupfs", CGROUP_DRIVERS)

    cfs_quota = doc.get("cpuCFSQuota", True)
    if not isinstance(cfs_quota, bool):
        r.error("cpuCFSQuota", "must be true or false")
        cfs_quota = True
    period_us = 100_000
    raw_period = doc.get("cpuCFSQuotaPeriod")
    if raw_period is not None:
        try:
            period_us = parse_duration_us(str(raw_period))
        except ValueError as exc:
            r.error("cpuCFSQuotaPeriod", str(exc))
        except OverflowError:  # e.g. 400 nines: Go's ParseDuration refuses it as invalid
            r.error("cpuCFSQuotaPeriod", f"time: invalid duration {str(raw_period)[:40]!r}... (out of range)")
        else:
            if not 1000 <= period_us <= 1_000_000:
                r.error(
                    "cpuCFSQuotaPeriod",
                    f"invalid configuration: cpuCFSQuotaPeriod {raw_period} must be "
                    "between 1msec and 1sec, inclusive",
                )
            elif period_us != 100_000 and not _gate(gates, "CustomCPUCFSQuotaPeriod"):
                r.error(
                    "cpuCFSQuotaPeriod",
                    f"invalid configuration: cpuCFSQuotaPeriod {raw_period} requires "
                    "feature gate CustomCPUCFSQuotaPeriod",
                )
                period_us = 100_000

    max_pods = _count(r, doc, "maxPods", 110, "maxPods (--max-pods)")
    pods_per_core = _count(r, doc, "podsPerCore", 0, "podsPerCore (--pods-per-core)")
    kube_reserved = r.resource_list("kubeReserved")
    system_reserved = r.resource_list("systemReserved")
    reserved_cpus: CPUSet | None = None
    raw_reserved = doc.get("reservedSystemCPUs")
    if raw_reserved not in (None, ""):
        try:
            reserved_cpus = CPUSet.parse(str(raw_reserved))
        except CPUSetError as exc:
            r.error("reservedSystemCPUs", f"unable to parse reservedSystemCPUs: {exc}")
    if reserved_cpus:
        # The kubelet lets --reserved-cpus overwrite the cpu of kubeReserved/systemReserved.
        kube_reserved.pop(CPU, None)
        system_reserved[CPU] = len(reserved_cpus) * 1000
        if topology is not None:
            missing = reserved_cpus.difference(topology.all_cpus)
            if missing:
                r.error(
                    "reservedSystemCPUs",
                    f"unable to reserve the required amount of CPUs: CPUs {missing} are not on this machine",
                )

    eviction: dict[str, str] = {}
    raw_eviction = doc.get("evictionHard")
    if raw_eviction is None:
        eviction = dict(DEFAULT_EVICTION_HARD)
    elif not isinstance(raw_eviction, Mapping):
        r.error("evictionHard", "must be a mapping of signal to threshold")
    else:
        if doc.get("mergeDefaultEvictionSettings") is True:
            eviction = dict(DEFAULT_EVICTION_HARD)
        eviction.update({str(k): str(v) for k, v in raw_eviction.items()})
        threshold = eviction.get("memory.available")
        if threshold is not None:
            try:
                _eviction_memory(threshold, None)
                if threshold.strip().endswith("%") and not 0 <= float(threshold.strip()[:-1]) <= 100:
                    raise ValueError("a percentage must be between 0% and 100%")
            except ValueError as exc:
                r.error("evictionHard.memory.available", f"invalid threshold {threshold!r}: {exc}")
                eviction.pop("memory.available")

    reserved_memory: list[ReservedMemory] = []
    raw_rm = doc.get("reservedMemory")
    if raw_rm is not None and not isinstance(raw_rm, list):
        r.error("reservedMemory", "must be a list of {numaNode, limits}")
        raw_rm = []
    for i, item in enumerate(raw_rm or []):
        field = f"reservedMemory[{i}]"
        if (
            not isinstance(item, Mapping)
            or not isinstance(item.get("numaNode"), int)
            or isinstance(item.get("numaNode"), bool)
            or item["numaNode"] < 0
        ):
            r.error(field, "must have numaNode (a NUMA node id) and limits")
            continue
        limits: dict[str, int] = {}
        raw_limits = item.get("limits") or {}
        if not isinstance(raw_limits, Mapping):
            r.error(f"{field}.limits", "must be a mapping")
            continue
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
        reserved_memory.append(ReservedMemory(int(item["numaNode"]), MappingProxyType(limits)))

    cfg = NodeConfig(
        cpu_manager_policy=cast(Any, cpu_policy),
        cpu_manager_policy_options=MappingProxyType(options),
        reserved_system_cpus=reserved_cpus,
        kube_reserved=MappingProxyType(kube_reserved),
        system_reserved=MappingProxyType(system_reserved),
        topology_manager_policy=cast(Any, topo_policy),
        topology_manager_scope=cast(Any, topo_scope),
        topology_manager_policy_options=MappingProxyType(topo_options),
        memory_manager_policy=cast(Any, mem_policy),
        reserved_memory=tuple(reserved_memory),
        feature_gates=MappingProxyType(gates),
        cpu_cfs_quota=cfs_quota,
        cpu_cfs_quota_period_us=period_us,
        cgroup_driver=cast(Any, cgroup_driver),
        eviction_hard=MappingProxyType(eviction),
        max_pods=max_pods,
        pods_per_core=pods_per_core,
        source=source,
    )
    r.problems.extend(startup_problems(cfg, topology))
    return cfg, r.problems


def reserved_cpu_count(cfg: NodeConfig) -> int:
    """CPUs the static policy reserves: ceil(kubeReserved.cpu + systemReserved.cpu)."""
    milli = cfg.kube_reserved.get(CPU, 0) + cfg.system_reserved.get(CPU, 0)
    return -(-milli // 1000)


def reserved_memory_expected(cfg: NodeConfig, topology: Topology | None) -> dict[str, int] | None:
    """Node Allocatable reservation per memory type: kube + system reserved + hard eviction."""
    out: dict[str, int] = {}
    for res in (cfg.kube_reserved, cfg.system_reserved):
        for name, value in res.items():
            if is_memory_resource(name):
                out[name] = out.get(name, 0) + value
    try:
        eviction = _eviction_memory(cfg.eviction_hard.get("memory.available"), topology)
    except ValueError:
        eviction = 0
    if eviction is None:
        return None
    if eviction:
        out[MEMORY] = out.get(MEMORY, 0) + eviction
    return out


def startup_problems(cfg: NodeConfig, topology: Topology | None = None) -> list[Problem]:
    """Reasons the kubelet would refuse to start with this configuration on `topology`."""
    src = cfg.source
    out: list[Problem] = []

    def err(field: str, message: str) -> None:
        out.append(Problem(field, message, "error", src))

    gates = cfg.feature_gates
    if cfg.cpu_manager_policy == "static":
        if cfg.reserved_system_cpus is None and reserved_cpu_count(cfg) == 0:
            err(
                "cpuManagerPolicy",
                "[cpumanager] unable to determine reserved CPU resources for static policy: "
                "the static policy requires systemreserved.cpu + kubereserved.cpu to be greater than zero",
            )
        for name, value in cfg.cpu_manager_policy_options.items():
            field = f"cpuManagerPolicyOptions.{name}"
            level = CPU_OPTION_LEVEL.get(name)
            if level is None:
                err(field, f'unknown CPU Manager Policy option: "{name}"')
                continue
            if level == "alpha" and not _gate(gates, "CPUManagerPolicyAlphaOptions"):
                err(
                    field,
                    f'CPU Manager Policy Alpha-level Options not enabled, but option "{name}" provided '
                    "(enable feature gate CPUManagerPolicyAlphaOptions)",
                )
            if level == "beta" and not _gate(gates, "CPUManagerPolicyBetaOptions"):
                err(field, f'CPU Manager Policy Beta-level Options not enabled, but option "{name}" provided')
            if value not in _TRUE + _FALSE:
                err(
                    field,
                    f'bad value for option "{name}": strconv.ParseBool: parsing "{value}": invalid syntax',
                )
        on = {n for n, v in cfg.cpu_manager_policy_options.items() if v in _TRUE}
        for a, b in CPU_OPTION_CONFLICTS:
            if a in on and b in on:
                err(
                    "cpuManagerPolicyOptions",
                    f"static policy options {a} and {b} can not be used at the same time",
                )
        if "align-by-socket" in on:
            if cfg.topology_manager_policy == "single-numa-node":
                err(
                    "cpuManagerPolicyOptions.align-by-socket",
                    "Topolgy manager single-numa-node policy is "  # sic: the kubelet's spelling
                    "incompatible with CPUManager align-by-socket policy option",
                )
            if topology is not None and len(topology.socket_ids) > len(topology.cpu_numa_ids):
                err(
                    "cpuManagerPolicyOptions.align-by-socket",
                    "Align by socket is not compatible with hardware "
                    "where number of sockets are more than number of NUMA",
                )

    if cfg.topology_manager_policy != "none":
        limit = DEFAULT_MAX_NUMA_NODES
        for name, value in cfg.topology_manager_policy_options.items():
            field = f"topologyManagerPolicyOptions.{name}"
            if name not in TOPOLOGY_OPTIONS:
                err(field, f'unknown Topology Manager Policy option: "{name}"')
            elif name == "max-allowable-numa-nodes":
                try:
                    limit = int(value)
                except ValueError:
                    err(
                        field,
                        f'unable to convert policy option to integer "{name}": strconv.Atoi: parsing '
                        f'"{value}": invalid syntax',
                    )
                    continue
                if limit < DEFAULT_MAX_NUMA_NODES:
                    err(
                        field,
                        f'the minimum value of "{name}" should not be less than {DEFAULT_MAX_NUMA_NODES}',
                    )
                    limit = DEFAULT_MAX_NUMA_NODES
            elif value not in _TRUE + _FALSE:
                err(
                    field,
                    f'bad value for option "{name}": strconv.ParseBool: parsing "{value}": invalid syntax',
                )
        if topology is not None and len(topology.cpu_numa_ids) > limit:
            err(
                "topologyManagerPolicy",
                f"unsupported on machines with more than {limit} NUMA Nodes "
                f"(this one has {len(topology.cpu_numa_ids)}; raise max-allowable-numa-nodes)",
            )

    if cfg.memory_manager_policy == "Static":
        total = sum(r.limits.get(MEMORY, 0) for r in cfg.reserved_memory)
        if total <= 0:
            err("reservedMemory", "[memorymanager] you should specify the system reserved memory")
        if topology is not None:
            for i, r in enumerate(cfg.reserved_memory):
                if r.numa_node not in topology.node_by_id:
                    err(
                        f"reservedMemory[{i}].numaNode",
                        "the reserved memory configuration references a NUMA "
                        f"node {r.numa_node} that does not exist on this machine",
                    )
        expected = reserved_memory_expected(cfg, topology)
        if expected is not None:
            given: dict[str, int] = {}
            for r in cfg.reserved_memory:
                for mem_type, size in r.limits.items():
                    given[mem_type] = given.get(mem_type, 0) + size
            for name in sorted(set(given) | set(expected)):
                if given.get(name, 0) != expected.get(name, 0):
                    err(
                        "reservedMemory",
                        f'the total amount "{format_bytes(given.get(name, 0))}" of type '
                        f'"{name}" is not equal to the value "{format_bytes(expected.get(name, 0))}" '
                        "determined by Node Allocatable feature (kubeReserved + systemReserved + "
                        "evictionHard memory.available)",
                    )
    return out


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


def demo_config() -> NodeConfig:
    """The demo node's kubelet: static CPU manager with CPU 0 reserved, Static memory manager
    (1Gi reserved on node 0 = 500Mi kube + 424Mi system + 100Mi eviction), topology manager
    `restricted` with scope `pod`, both pod-level gates on, systemd cgroups."""
    docs = load_documents(DEMO_CONFIG_YAML, "<demo>")
    cfg, problems = config_from_mapping(docs[0], "<demo>")
    assert not problems, problems
    return cfg
