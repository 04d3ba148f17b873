"""The API server's validation of a pod's resources, with messages that name the field path.

`validate_pod_doc` walks the raw document (so it can report every problem, not just the first):
resource names, malformed or negative quantities, requests above limits, extended resources,
container sums above the pod-level budget, duplicate container names, and a misspelled
`resources` key (which the API server would silently drop). Findings the API server accepts but
that change placement (a non-whole CPU count on a container that looks exclusive) are warnings.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from workbench.kube.model import CPU, HUGEPAGES_PREFIX, MEMORY, Container, ContainerKind, PodSpec, Resources
from workbench.kube.names import name_problem
from workbench.kube.pod import (
    aggregate_container_requests,
    amount,
    is_pod_level_resource,
    quantity_text,
    spec_path_of,
)
from workbench.kube.problem import Problem
from workbench.kube.qos import container_guaranteed_equivalent, pod_qos
from workbench.kube.writer import format_resource
from workbench.quantity import Quantity, parse_quantity

CONTAINER_FIELDS = frozenset(
    "name image command args workingDir ports envFrom env resources resizePolicy restartPolicy "
    "restartPolicyRules volumeMounts volumeDevices livenessProbe readinessProbe startupProbe lifecycle "
    "terminationMessagePath terminationMessagePolicy imagePullPolicy securityContext "
    "stdin stdinOnce tty".split()
)
POD_SPEC_FIELDS = frozenset(
    "volumes initContainers containers ephemeralContainers restartPolicy terminationGracePeriodSeconds "
    "activeDeadlineSeconds dnsPolicy nodeSelector serviceAccountName serviceAccount "
    "automountServiceAccountToken nodeName hostNetwork hostPID hostIPC shareProcessNamespace "
    "securityContext imagePullSecrets hostname subdomain affinity schedulerName tolerations hostAliases "
    "priorityClassName priority dnsConfig readinessGates runtimeClassName enableServiceLinks "
    "preemptionPolicy overhead topologySpreadConstraints setHostnameAsFQDN os hostUsers schedulingGates "
    "resourceClaims resources hostnameOverride workloadRef".split()
)
RESOURCES_FIELDS = frozenset(("requests", "limits", "claims"))
STANDARD_CONTAINER_RESOURCES = (CPU, MEMORY, "ephemeral-storage")
_QUALIFIED = re.compile(r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?/[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


def _did_you_mean(key: str, candidates: tuple[str, ...], cutoff: float = 0.75) -> str | None:
    if not isinstance(key, str):
        return None
    lowered = {c.lower(): c for c in candidates}
    if key.lower() in lowered and key not in candidates:
        return lowered[key.lower()]
    match = difflib.get_close_matches(key, candidates, n=1, cutoff=cutoff)
    return match[0] if match else None


class _Collector:
    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[Problem] = []

    def error(self, field: str, message: str) -> None:
        self.problems.append(Problem(field, message, "error", self.source))

    def warning(self, field: str, message: str) -> None:
        self.problems.append(Problem(field, message, "warning", self.source))

    @property
    def has_errors(self) -> bool:
        return any(p.severity == "error" for p in self.problems)


def _misspelled(
    out: _Collector, mapping: Mapping[Any, Any], known: frozenset[str], field: str, targets: tuple[str, ...]
) -> None:
    for key in mapping:
        if key in known:
            continue
        hint = _did_you_mean(key, targets)
        if hint:
            out.error(
                f"{field}.{key}" if field else str(key),
                f'unknown field "{key}" would be ignored (did you mean {hint}?)',
            )


def _check_name(out: _Collector, name: Any, field: str, *, pod_level: bool) -> bool:
    if not isinstance(name, str):
        out.error(field, f"Invalid value: {name!r}: resource names are strings")
        return False
    if pod_level:
        if not is_pod_level_resource(name):
            out.error(
                f"{field}.{name}",
                f'Unsupported value: "{name}": supported values: "cpu", "hugepages-", "memory"',
            )
            return False
        return _check_hugepages_name(out, name, field)
    if name in STANDARD_CONTAINER_RESOURCES:
        return True
    if name.startswith(HUGEPAGES_PREFIX):
        return _check_hugepages_name(out, name, field)
    if "/" in name and _QUALIFIED.match(name):
        domain = name.split("/", 1)[0]
        if domain == "kubernetes.io" or domain.endswith(".kubernetes.io"):
            out.error(
                f"{field}.{name}", f'Invalid value: "{name}": must be a standard resource for containers'
            )
            return False
        return True
    hint = _did_you_mean(
        name, (*STANDARD_CONTAINER_RESOURCES, "nvidia.com/gpu", "hugepages-2Mi", "hugepages-1Gi"), cutoff=0.6
    )
    extra = f" (did you mean {hint}?)" if hint else ""
    out.error(
        f"{field}.{name}",
        f'Invalid value: "{name}": must be a standard resource type or fully qualified{extra}',
    )
    return False


def _check_hugepages_name(out: _Collector, name: str, field: str) -> bool:
    if not name.startswith(HUGEPAGES_PREFIX):
        return True
    try:
        size = parse_quantity(name[len(HUGEPAGES_PREFIX) :])
    except ValueError:
        size = None
    if size is None or size.sign() <= 0 or not size.is_whole():
        out.error(f"{field}.{name}", f'Invalid value: "{name}": hugepages size must be a positive quantity')
        return False
    return True


def _check_list(out: _Collector, raw: Any, field: str, *, pod_level: bool) -> dict[str, Quantity]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        out.error(field, "must be a mapping of resource name to quantity")
        return {}
    values: dict[str, Quantity] = {}
    for name, value in raw.items():
        if not _check_name(out, name, field, pod_level=pod_level):
            continue
        path = f"{field}.{name}"
        try:
            q = parse_quantity(quantity_text(value))
        except ValueError as exc:
            out.error(path, str(exc))
            continue
        if q.sign() < 0:
            out.error(path, f'Invalid value: "{q}": must be greater than or equal to 0')
            continue
        try:
            amount(name, q)
        except ValueError as exc:
            out.error(path, str(exc))
            continue
        if "/" in name and not q.is_whole():
            out.error(path, f'Invalid value: "{q}": must be an integer')
            continue
        if name.startswith(HUGEPAGES_PREFIX):
            page = parse_quantity(name[len(HUGEPAGES_PREFIX) :]).value()
            if q.value() % page:
                out.error(path, f'Invalid value: "{q}": {q} is not positive integer multiple of {name}')
                continue
        values[name] = q
    return values


def _check_resources(out: _Collector, raw: Any, field: str, *, pod_level: bool) -> Resources:
    """Problems of one `resources` block; returns its valid part with requests defaulted to limits."""
    if raw is None:
        return Resources()
    if not isinstance(raw, Mapping):
        out.error(field, "must be a mapping with requests and limits")
        return Resources()
    _misspelled(out, raw, RESOURCES_FIELDS, field, ("requests", "limits"))
    requests = _check_list(out, raw.get("requests"), f"{field}.requests", pod_level=pod_level)
    limits = _check_list(out, raw.get("limits"), f"{field}.limits", pod_level=pod_level)
    for name, req in requests.items():
        lim = limits.get(name)
        if "/" in name or name.startswith(HUGEPAGES_PREFIX):
            # Extended resources and hugepages cannot be overcommitted.
            if lim is None:
                out.error(
                    f"{field}.limits.{name}",
                    "Required value: Limit must be set for non overcommitable resources",
                )
            elif req != lim:
                out.error(
                    f"{field}.requests.{name}",
                    f'Invalid value: "{req}": must be equal to {name} limit of {lim}',
                )
            continue
        if lim is not None and req > lim:
            out.error(
                f"{field}.requests.{name}",
                f'Invalid value: "{req}": must be less than or equal to {name} limit of {lim}',
            )
    if not pod_level:
        has_huge = any(n.startswith(HUGEPAGES_PREFIX) for n in (*requests, *limits))
        if has_huge and not any(n in (CPU, MEMORY) for n in (*requests, *limits)):
            out.error(field, "HugePages require cpu or memory")
    req_out = {n: amount(n, q) for n, q in requests.items()}
    lim_out = {n: amount(n, q) for n, q in limits.items()}
    for n, v in lim_out.items():
        req_out.setdefault(n, v)
    return Resources(MappingProxyType(req_out), MappingProxyType(lim_out))


def _check_containers(
    out: _Collector, spec: Mapping[str, Any], prefix: str
) -> tuple[list[Container], list[Container]]:
    seen: dict[str, str] = {}
    found: dict[str, list[Container]] = {"initContainers": [], "containers": []}
    for key in ("initContainers", "containers"):
        raw_list = spec.get(key)
        if raw_list is None:
            if key == "containers":
                out.error(f"{prefix}containers", "Required value: at least one container")
            continue
        if not isinstance(raw_list, list):
            out.error(f"{prefix}{key}", "must be a list")
            continue
        if key == "containers" and not raw_list:
            out.error(f"{prefix}containers", "Required value: at least one container")
        for i, raw in enumerate(raw_list):
            field = f"{prefix}{key}[{i}]"
            if not isinstance(raw, Mapping):
                out.error(field, "must be a mapping (a container)")
                continue
            name = raw.get("name")
            if not isinstance(name, str) or not name:
                out.error(f"{field}.name", "Required value")
            elif (bad := name_problem(name, "container")) is not None:
                out.error(f"{field}.name", bad)
            elif name in seen:
                out.error(f"{field}.name", f'Duplicate value: "{name}" (also {seen[name]})')
            else:
                seen[name] = field
            _misspelled(out, raw, CONTAINER_FIELDS, field, ("resources",))
            policy = raw.get("restartPolicy")
            if key == "initContainers" and policy is not None and policy != "Always":
                out.error(
                    f"{field}.restartPolicy", f'Unsupported value: "{policy}": supported values: "Always"'
                )
            res = _check_resources(out, raw.get("resources"), f"{field}.resources", pod_level=False)
            kind: ContainerKind = "app"
            if key == "initContainers":
                kind = "sidecar" if policy == "Always" else "init"
            found[key].append(Container(name if isinstance(name, str) else f"#{i}", kind, res))
    return found["initContainers"], found["containers"]


def _check_budget(out: _Collector, pod: PodSpec, prefix: str) -> None:
    """Pod-level budget against the containers (KEP-2837 validation)."""
    res = pod.resources
    aggregate = aggregate_container_requests(pod.init_containers, pod.containers)
    for name, req in res.requests.items():
        total = aggregate.get(name, 0)
        if total > req:
            out.error(
                f"{prefix}resources.requests.{name}",
                f'Invalid value: "{format_resource(name, req)}": must be greater than or equal to aggregate '
                f"container requests of {format_resource(name, total)}",
            )
    # Pod-level hugepage limits cover the containers' aggregate limits.
    aggregate_limits = aggregate_container_requests(pod.init_containers, pod.containers, limits=True)
    for name, lim in res.limits.items():
        total = aggregate_limits.get(name, 0)
        if name.startswith(HUGEPAGES_PREFIX) and total > lim:
            out.error(
                f"{prefix}resources.limits.{name}",
                f'Invalid value: "{format_resource(name, lim)}": must be greater than or equal to aggregate '
                f"container limits of {format_resource(name, total)}",
            )
    # No app container may have a limit above the pod's (validatePodResourceConsistency).
    for name, lim in res.limits.items():
        for i, c in enumerate(pod.containers):
            own = c.resources.limits.get(name)
            if own is not None and own > lim:
                out.error(
                    f"{prefix}containers[{i}].resources.limits.{name}",
                    f'Invalid value: "{format_resource(name, own)}": must be less than or equal to pod '
                    f"limits of {format_resource(name, lim)}",
                )


def _check_exclusive(out: _Collector, pod: PodSpec, prefix: str) -> None:
    """Non-whole CPUs where the static policy would otherwise pin (accepted, but unpinned)."""
    if pod_qos(pod) != "Guaranteed":
        return
    if pod.has_pod_level_resources:
        cpu = pod.resources.requests.get(CPU, 0)
        if cpu % 1000:
            out.warning(
                f"{prefix}resources.requests.cpu",
                f"pod budget of {format_resource(CPU, cpu)} CPUs is not a whole number: the static CPU "
                "manager pins nothing and the pod runs in the node's shared pool",
            )
    for group, containers in (("initContainers", pod.init_containers), ("containers", pod.containers)):
        for i, c in enumerate(containers):
            cpu = c.resources.requests.get(CPU, 0)
            if cpu % 1000 and container_guaranteed_equivalent(c):
                out.warning(
                    f"{prefix}{group}[{i}].resources.requests.cpu",
                    f"{format_resource(CPU, cpu)} is not a whole number of CPUs: this container gets no "
                    "exclusive CPUs (it runs in the shared pool)",
                )


def validate_pod_spec(
    spec: Any, *, source: str = "", prefix: str = "spec", name: str = "pod"
) -> list[Problem]:
    out = _Collector(source)
    dot = f"{prefix}." if prefix else ""
    if not isinstance(spec, Mapping):
        out.error(prefix or "spec", "must be a mapping (the pod spec)")
        return out.problems
    _misspelled(out, spec, POD_SPEC_FIELDS, prefix, ("resources", "containers", "initContainers"))
    pod_res = _check_resources(out, spec.get("resources"), f"{dot}resources", pod_level=True)
    init, app = _check_containers(out, spec, dot)
    # The checks below compare amounts: run them on every value that was valid, as the API
    # server does after defaulting (pod requests default to pod limits, hugepages first to the
    # containers' aggregate).
    if pod_res.limits:
        requests = {
            n: v for n, v in pod_res.requests.items() if n not in pod_res.limits or n in _explicit(spec)
        }
        aggregate = aggregate_container_requests(init, app)
        for n, v in aggregate.items():
            if n.startswith(HUGEPAGES_PREFIX) and n not in requests:
                requests[n] = v
        for n, v in pod_res.limits.items():
            requests.setdefault(n, v)
        pod_res = Resources(MappingProxyType(requests), pod_res.limits)
    pod = PodSpec(name, resources=pod_res, init_containers=tuple(init), containers=tuple(app), source=source)
    _check_budget(out, pod, dot)
    _check_exclusive(out, pod, dot)
    return out.problems


def _explicit(spec: Mapping[str, Any]) -> set[str]:
    """Pod-level request names written in the manifest (not defaulted)."""
    res = spec.get("resources")
    req = res.get("requests") if isinstance(res, Mapping) else None
    return {n for n in req if isinstance(n, str)} if isinstance(req, Mapping) else set()


def validate_pod_doc(doc: Any, source: str = "") -> list[Problem]:
    """Every problem the API server (or the kubelet's placement) would have with this object."""
    if not isinstance(doc, Mapping):
        return [Problem("", "expected an object (a Pod or a workload)", "error", source)]
    path = spec_path_of(doc)
    if path is None:
        return []
    spec: Any = doc
    for key in path:
        spec = spec.get(key) if isinstance(spec, Mapping) else None
    meta = doc.get("metadata")
    name = meta.get("name") if isinstance(meta, Mapping) else None
    problems = _metadata_problems(meta, source)
    problems += validate_pod_spec(
        spec, source=source, prefix=".".join(path), name=name if isinstance(name, str) else "pod"
    )
    return problems


def _metadata_problems(meta: Any, source: str) -> list[Problem]:
    """The object's name (`ValidatePodName`: a DNS subdomain) and namespace (a DNS label), when
    given: a manifest without a name is still worth previewing."""
    if meta is None:
        return []
    if not isinstance(meta, Mapping):
        return [Problem("metadata", "must be a mapping", "error", source)]
    out: list[Problem] = []
    for key, kind in (("name", "pod"), ("namespace", "namespace")):
        if meta.get(key) is None:
            continue
        bad = name_problem(meta[key], kind)
        if bad is not None:
            out.append(Problem(f"metadata.{key}", bad, "error", source))
    return out
