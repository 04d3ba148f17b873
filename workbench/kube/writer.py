"""Writing an edited pod back as YAML that `kubectl apply --dry-run=client` accepts.

Only what the operator changed is rewritten: a `resources` block whose values (after the API
server's defaulting) are unchanged is left exactly as the user wrote it, unchanged quantities
keep their spelling (`0.5` stays `0.5`), and every other field keeps its value and its order.
Changed quantities are printed in the API server's canonical form (`1536Mi`, `1500m`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from workbench.errors import InputError
from workbench.kube.model import CPU, PodSpec, Resources, is_memory_resource
from workbench.kube.pod import LoadedPod, amount, pod_from_spec, quantity_text, spec_path_of
from workbench.quantity import format_bytes, format_cpu, parse_quantity

PAUSE_IMAGE = "registry.k8s.io/pause:3.10"


def format_resource(name: str, value: int) -> str:
    """Canonical text of a model amount: millicores for cpu, bytes for memory, else a count."""
    if name == CPU:
        return format_cpu(value)
    if is_memory_resource(name) or name == "ephemeral-storage":
        return format_bytes(value)
    return str(value)


def resources_doc(res: Resources) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if res.requests:
        out["requests"] = {k: format_resource(k, v) for k, v in res.requests.items()}
    if res.limits:
        out["limits"] = {k: format_resource(k, v) for k, v in res.limits.items()}
    return out


def _same_value(name: str, raw: Any, value: int) -> bool:
    try:
        return amount(name, parse_quantity(quantity_text(raw))) == value
    except ValueError:
        return False


def _merge_list(existing: Any, target: Mapping[str, int]) -> dict[str, Any]:
    """`target` as a resource list, reusing the user's key order and spelling where equal."""
    old = existing if isinstance(existing, Mapping) else {}
    out: dict[str, Any] = {}
    for name, raw in old.items():
        if name in target:
            out[name] = raw if _same_value(name, raw, target[name]) else format_resource(name, target[name])
    for name, value in target.items():
        if name not in out:
            out[name] = format_resource(name, value)
    return out


def _write_resources(holder: dict[str, Any], target: Resources) -> None:
    existing = holder.get("resources")
    block: dict[str, Any] = dict(existing) if isinstance(existing, Mapping) else {}
    for key, values in (("requests", target.requests), ("limits", target.limits)):
        if values:
            block[key] = _merge_list(block.get(key), values)
        else:
            block.pop(key, None)
    if block:
        holder["resources"] = block
    elif existing is not None and isinstance(existing, Mapping) and not existing:
        pass  # the user's own `resources: {}` stays as written
    else:
        holder.pop("resources", None)


def _same_resources(a: Resources, b: Resources) -> bool:
    return dict(a.requests) == dict(b.requests) and dict(a.limits) == dict(b.limits)


def _navigate(doc: dict[str, Any], path: Sequence[str]) -> dict[str, Any]:
    node: Any = doc
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        raise InputError("the document has no pod spec at " + ".".join(path))
    return node


def set_resources(
    doc: Mapping[str, Any], pod: PodSpec, spec_path: Sequence[str] | None = None
) -> dict[str, Any]:
    """A copy of `doc` whose pod-level and container resources are those of `pod`.

    `spec_path` is where the PodSpec sits (found from `kind` when not given), e.g.
    `("spec", "template", "spec")` for a Deployment.
    """
    if spec_path is None:
        found = spec_path_of(doc)
        if found is None:
            raise InputError(f"kind {doc.get('kind')!r} holds no pod spec to write resources into")
        spec_path = found
    new: dict[str, Any] = copy.deepcopy(dict(doc))
    spec = _navigate(new, spec_path)
    try:
        before: PodSpec | None = pod_from_spec(spec, name=pod.name)
    except InputError:
        before = None  # the original does not parse: rewrite every block
    if before is None or not _same_resources(before.resources, pod.resources):
        _write_resources(spec, pod.resources)
    old_by_name = {c.name: c for c in before.all_containers} if before else {}
    for key, containers in (("initContainers", pod.init_containers), ("containers", pod.containers)):
        raw_list = spec.get(key)
        raw_by_name = {
            c.get("name"): c for c in (raw_list if isinstance(raw_list, list) else []) if isinstance(c, dict)
        }
        for c in containers:
            raw = raw_by_name.get(c.name)
            if raw is None:
                raise InputError(
                    f"container {c.name!r} is not in the manifest", field=".".join([*spec_path, key])
                )
            old = old_by_name.get(c.name)
            if old is None or not _same_resources(old.resources, c.resources):
                _write_resources(raw, c.resources)
    return new


def write_pod(loaded: LoadedPod, pod: PodSpec) -> str:
    """YAML of the manifest `loaded` came from, with the resources of the edited `pod`."""
    return dump_yaml(set_resources(loaded.doc, pod, loaded.spec_path))


def pod_manifest(pod: PodSpec) -> dict[str, Any]:
    """A fresh Pod object for a draft that has no source manifest."""

    def container(c: Any) -> dict[str, Any]:
        out: dict[str, Any] = {"name": c.name, "image": PAUSE_IMAGE}
        if c.kind == "sidecar":
            out["restartPolicy"] = "Always"
        if c.resources.is_set:
            out["resources"] = resources_doc(c.resources)
        return out

    spec: dict[str, Any] = {}
    if pod.resources.is_set:
        spec["resources"] = resources_doc(pod.resources)
    if pod.init_containers:
        spec["initContainers"] = [container(c) for c in pod.init_containers]
    spec["containers"] = [container(c) for c in pod.containers]
    meta: dict[str, Any] = {"name": pod.name, "namespace": pod.namespace}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def dump_yaml(doc: Any) -> str:
    """YAML text of one document, keys in their original order."""
    return yaml.safe_dump(_plain(doc), sort_keys=False, default_flow_style=False, allow_unicode=True)


def dump_yaml_all(docs: Sequence[Any]) -> str:
    return yaml.safe_dump_all(
        [_plain(d) for d in docs], sort_keys=False, default_flow_style=False, allow_unicode=True
    )
