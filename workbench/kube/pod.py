"""Pods from YAML: a Pod, or the pod template of a workload, as the kubelet will see it.

Reads `kind: Pod`, the templates of Deployment, ReplicaSet, StatefulSet, DaemonSet, Job,
CronJob, PodTemplate and ReplicationController, and `kind: List` (what `kubectl get -o yaml`
prints). Other kinds in a multi-document file (Services, ConfigMaps...) are skipped.

Resources are converted to the canonical integers of `kube.model` (cpu millicores, bytes,
counts) after the API server's defaulting: a container's requests default to its limits, and
pod-level requests default to pod-level limits (hugepages first to the containers' aggregate).
The raw document is kept so `writer` can write an edited draft back without losing fields.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType

from workbench.errors import InputError
from workbench.kube.loaded_pod import LoadedPod as LoadedPod
from workbench.kube.model import (
    CPU,
    HUGEPAGES_PREFIX,
    MEMORY,
    Container,
    ContainerKind,
    PodSpec,
    Resources,
    is_memory_resource,
)
from workbench.kube.names import name_problem
from workbench.kube.yamlio import load_documents, read_text
from workbench.quantity import Quantity, parse_quantity

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any

# kind -> path of the PodSpec inside the object
POD_SPEC_PATHS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "Pod": ("spec",),
        "PodTemplate": ("template", "spec"),
        "Deployment": ("spec", "template", "spec"),
        "ReplicaSet": ("spec", "template", "spec"),
        "ReplicationController": ("spec", "template", "spec"),
        "StatefulSet": ("spec", "template", "spec"),
        "DaemonSet": ("spec", "template", "spec"),
        "Job": ("spec", "template", "spec"),
        "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    }
)


def is_pod_level_resource(name: str) -> bool:
    """Resources `spec.resources` may hold (`IsSupportedPodLevelResource`)."""
    return name in (CPU, MEMORY) or name.startswith(HUGEPAGES_PREFIX)


# The kubelet counts every resource in an int64 (`Quantity.MilliValue`/`Value`): beyond it the
# value wraps, so an amount that does not fit is refused where it is read.
MAX_AMOUNT = 2**63 - 1
_NAME_FIX = "use lower-case letters, digits and '-' (e.g. my-pod)"


def amount(name: str, q: Quantity) -> int:
    """Canonical integer of a quantity: millicores for cpu, whole units (rounded up) otherwise.

    ValueError when it does not fit the kubelet's int64."""
    value = q.milli_value() if name == CPU else q.value()
    if abs(value) > MAX_AMOUNT:
        unit = "millicores" if name == CPU else "bytes" if is_memory_resource(name) else "units"
        raise ValueError(
            f'Invalid value: "{q}": too large: more than {MAX_AMOUNT} {unit}, the kubelet\'s int64 limit'
        )
    return value


def quantity_text(value: Any) -> str | int | float:
    """What the API server's JSON decoder hands `ParseQuantity` (strings are trimmed)."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    raise ValueError(f"{value!r} is not a valid quantity: expected a string or number")


def parse_resource_list(value: Any, *, source: str, field: str) -> dict[str, int]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InputError("must be a mapping of resource name to quantity", source=source, field=field)
    out: dict[str, int] = {}
    for name, raw in value.items():
        if not isinstance(name, str):
            raise InputError(f"resource name {name!r} is not a string", source=source, field=field)
        try:
            q = parse_quantity(quantity_text(raw))
        except ValueError as exc:
            raise InputError(str(exc), source=source, field=f"{field}.{name}") from None
        if q.sign() < 0:
            raise InputError(
                f"must be greater than or equal to 0, got {q}", source=source, field=f"{field}.{name}"
            )
        try:
            out[name] = amount(name, q)
        except ValueError as exc:
            raise InputError(str(exc), source=source, field=f"{field}.{name}") from None
    return out


def _resources(raw: Any, *, source: str, field: str) -> tuple[dict[str, int], dict[str, int]]:
    if raw is None:
        return {}, {}
    if not isinstance(raw, Mapping):
        raise InputError("must be a mapping with requests and limits", source=source, field=field)
    requests = parse_resource_list(raw.get("requests"), source=source, field=f"{field}.requests")
    limits = parse_resource_list(raw.get("limits"), source=source, field=f"{field}.limits")
    return requests, limits


def _frozen(values: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(values))


def _container(raw: Any, kind: ContainerKind, *, source: str, field: str) -> Container:
    if not isinstance(raw, Mapping):
        raise InputError("must be a mapping (a container)", source=source, field=field)
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise InputError("Required value: container name", source=source, field=f"{field}.name")
    bad = name_problem(name, "container")
    if bad is not None:
        raise InputError(bad, source=source, field=f"{field}.name", fix=_NAME_FIX)
    if kind == "init" and raw.get("restartPolicy") == "Always":
        kind = "sidecar"
    requests, limits = _resources(raw.get("resources"), source=source, field=f"{field}.resources")
    # API defaulting: a limit without a request makes the request equal to the limit.
    for res, lim in limits.items():
        requests.setdefault(res, lim)
    return Container(name, kind, Resources(_frozen(requests), _frozen(limits)))


def aggregate_container_requests(
    init_containers: Sequence[Container], containers: Sequence[Container], *, limits: bool = False
) -> dict[str, int]:
    """`AggregateContainerRequests` (or `...Limits`): max(app + sidecars, each init container plus
    the sidecars started before it)."""

    def values(c: Container) -> Mapping[str, int]:
        return c.resources.limits if limits else c.resources.requests

    total: dict[str, int] = {}
    for c in containers:
        for res, v in values(c).items():
            total[res] = total.get(res, 0) + v
    sidecars: dict[str, int] = {}
    init_peak: dict[str, int] = {}
    for c in init_containers:
        if c.restartable:
            for res, v in values(c).items():
                sidecars[res] = sidecars.get(res, 0) + v
                total[res] = total.get(res, 0) + v
            continue
        for res, v in values(c).items():
            init_peak[res] = max(init_peak.get(res, 0), v + sidecars.get(res, 0))
    for res, v in init_peak.items():
        total[res] = max(total.get(res, 0), v)
    return total


def _unique_names(init: Sequence[Container], app: Sequence[Container], *, source: str, dot: str) -> None:
    """Container names are unique across init and app containers (`validateContainers`)."""
    seen: set[str] = set()
    for group, containers in (("initContainers", init), ("containers", app)):
        for i, c in enumerate(containers):
            if c.name in seen:
                raise InputError(
                    f'Duplicate value: "{c.name}"', source=source, field=f"{dot}{group}[{i}].name"
                )
            seen.add(c.name)


def _pod_resources(
    raw: Any, init: Sequence[Container], app: Sequence[Container], *, source: str, field: str
) -> Resources:
    requests, limits = _resources(raw, source=source, field=field)
    if limits:
        # `defaultPodRequests`: only when pod-level limits are set.
        aggregate = aggregate_container_requests(init, app)
        for res, v in aggregate.items():
            if res not in requests and res.startswith(HUGEPAGES_PREFIX):
                requests[res] = v
        for res, lim in limits.items():
            if res not in requests and is_pod_level_resource(res):
                requests[res] = lim
    return Resources(_frozen(requests), _frozen(limits))


def _get_path(doc: Mapping[str, Any], path: Sequence[str]) -> Any:
    node: Any = doc
    for key in path:
        if not isinstance(node, Mapping):
            return None
        node = node.get(key)
    return node


def _metadata(obj: Any) -> Mapping[str, Any]:
    meta = obj.get("metadata") if isinstance(obj, Mapping) else None
    return meta if isinstance(meta, Mapping) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def spec_path_of(doc: Mapping[str, Any]) -> tuple[str, ...] | None:
    """Where the PodSpec is in `doc`, or None if the object holds no pod."""
    kind = doc.get("kind")
    if isinstance(kind, str) and kind in POD_SPEC_PATHS:
        return tuple(POD_SPEC_PATHS[kind])
    if kind is None:
        if isinstance(doc.get("spec"), Mapping) and "containers" in doc["spec"]:
            return ("spec",)
        if "containers" in doc:
            return ()
    return None


def pod_from_spec(
    spec: Any, *, name: str, namespace: str = "default", uid: str = "", source: str = "", prefix: str = "spec"
) -> PodSpec:
    """A `PodSpec` model from the raw `spec` mapping of a pod; InputError names the bad field."""
    dot = f"{prefix}." if prefix else ""
    if not isinstance(spec, Mapping):
        raise InputError("must be a mapping (the pod spec)", source=source, field=prefix or "spec")
    raw_init = spec.get("initContainers") or []
    raw_app = spec.get("containers")
    if not isinstance(raw_init, list):
        raise InputError("must be a list", source=source, field=f"{dot}initContainers")
    if not isinstance(raw_app, list) or not raw_app:
        raise InputError("Required value: at least one container", source=source, field=f"{dot}containers")
    init = tuple(
        _container(c, "init", source=source, field=f"{dot}initContainers[{i}]")
        for i, c in enumerate(raw_init)
    )
    app = tuple(
        _container(c, "app", source=source, field=f"{dot}containers[{i}]") for i, c in enumerate(raw_app)
    )
    _unique_names(init, app, source=source, dot=dot)
    resources = _pod_resources(spec.get("resources"), init, app, source=source, field=f"{dot}resources")
    overhead = parse_resource_list(spec.get("overhead"), source=source, field=f"{dot}overhead")
    return PodSpec(
        name=name,
        namespace=namespace or "default",
        uid=uid,
        resources=resources,
        init_containers=init,
        containers=app,
        overhead=_frozen(overhead),
        source=source,
    )


def _loaded(doc: Mapping[str, Any], source: str, document: int, item: int | None) -> LoadedPod | None:
    path = spec_path_of(doc)
    if path is None:
        return None
    kind = _text(doc.get("kind")) or "Pod"
    meta = _metadata(doc)
    object_name = _text(meta.get("name"))
    template = _get_path(doc, path[:-1]) if len(path) > 1 else doc
    tmeta = _metadata(template) if path != ("spec",) else meta
    tprefix = ".".join((*path[:-1], "metadata")) if path != ("spec",) else "metadata"
    name = _text(tmeta.get("name")) or object_name or "pod"
    namespace = _text(tmeta.get("namespace")) or _text(meta.get("namespace")) or "default"
    where = source if item is None else f"{source} (item {item})"
    # The names become cgroup directories and are printed: refused here as the API server would.
    for key, value, what in (("name", name, "pod"), ("namespace", namespace, "namespace")):
        bad = name_problem(value, what)
        if bad is not None:
            field = f"{tprefix}.{key}" if _text(tmeta.get(key)) else f"metadata.{key}"
            raise InputError(bad, source=where, field=field, fix=_NAME_FIX)
    uid = _text(meta.get("uid")) if kind == "Pod" else ""
    spec = _get_path(doc, path) if path else doc
    pod = pod_from_spec(spec, name=name, namespace=namespace, uid=uid, source=where, prefix=".".join(path))
    return LoadedPod(pod, doc, kind, path, document, item, object_name or name)


def pods_from_documents(docs: Sequence[Any], source: str) -> list[LoadedPod]:
    """Every pod (or pod template) in a list of YAML documents."""
    out: list[LoadedPod] = []
    for index, doc in enumerate(docs):
        if not isinstance(doc, Mapping):
            raise InputError(f"document {index + 1} is a {type(doc).__name__}, not an object", source=source)
        if doc.get("kind") == "List" or (doc.get("kind") is None and isinstance(doc.get("items"), list)):
            items = doc.get("items")
            if not isinstance(items, list):
                raise InputError("must be a list", source=source, field="items")
            for i, obj in enumerate(items):
                if isinstance(obj, Mapping):
                    loaded = _loaded(obj, source, index, i)
                    if loaded is not None:
                        out.append(loaded)
            continue
        loaded = _loaded(doc, source, index, None)
        if loaded is not None:
            out.append(loaded)
    return out


def load_pods(path: Path | str) -> list[LoadedPod]:
    """All pods in a file (`-` for stdin); InputError if there are none."""
    text, label = read_text(path)
    return pods_from_text(text, label)


def pods_from_text(text: str, source: str) -> list[LoadedPod]:
    pods = pods_from_documents(load_documents(text, source), source)
    if not pods:
        raise InputError(
            "no Pod or workload with a pod template found",
            source=source,
            fix="give a Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job or CronJob",
        )
    return pods


def select_pod(pods: Sequence[LoadedPod], name: str | None, source: str = "") -> LoadedPod:
    """The pod called `name` (pod or workload name), or the only one."""
    if name is None:
        if len(pods) == 1:
            return pods[0]
        names = ", ".join(p.object_name for p in pods)
        raise InputError(f"holds {len(pods)} pods ({names})", source=source, fix="pick one with --pod NAME")
    matches = [p for p in pods if name in (p.pod.name, p.object_name, f"{p.pod.namespace}/{p.pod.name}")]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(p.object_name for p in pods)
    if not matches:
        raise InputError(f"no pod named {name!r} (found: {names})", source=source)
    raise InputError(f"{len(matches)} pods are named {name!r}", source=source, fix="use namespace/name")


def load_loaded_pod(path: Path | str, name: str | None = None) -> LoadedPod:
    pods = load_pods(path)
    return select_pod(pods, name, pods[0].pod.source if pods else str(path))


def load_pod(path: Path | str, name: str | None = None) -> PodSpec:
    """The pod `name` (or the only pod) of a file; `-` reads stdin."""
    return load_loaded_pod(path, name).pod


def pod_from_mapping(doc: Any, source: str = "") -> PodSpec:
    """A pod from one parsed document: a Pod, a workload with a template, or a bare PodSpec."""
    if not isinstance(doc, Mapping):
        raise InputError("expected an object (a Pod or a workload)", source=source)
    loaded = _loaded(doc, source, 0, None)
    if loaded is None:
        kind = doc.get("kind")
        raise InputError(
            f"kind {kind!r} holds no pod" if kind else "no pod spec found",
            source=source,
            fix="give a Pod or a workload with a pod template",
        )
    return loaded.pod
