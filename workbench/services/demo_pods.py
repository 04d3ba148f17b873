"""The demo's seed pods (already running when `workbench demo` opens) and its teaching
scenarios: Pod manifests kept in code (built without parsing YAML at start) and the manifest
files shipped as package data (`workbench/data/pods/`, linked from the checkout's
`fixtures/pods/`), which the Draft screen's Open dialog offers."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from workbench.kube.model import PodSpec


def _pod(
    name: str,
    namespace: str,
    pod_resources: dict[str, Any] | None,
    containers: list[dict[str, Any]],
    init: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if pod_resources:
        spec["resources"] = pod_resources
    if init:
        spec["initContainers"] = init
    spec["containers"] = containers
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def _c(name: str, cpu: str | None = None, mem: str | None = None, *, sidecar: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "image": "registry.k8s.io/pause:3.10"}
    if sidecar:
        out["restartPolicy"] = "Always"
    if cpu or mem:
        amounts = {k: v for k, v in (("cpu", cpu), ("memory", mem)) if v}
        out["resources"] = {"requests": dict(amounts), "limits": dict(amounts)}
    return out


def _guaranteed(cpu: str, mem: str) -> dict[str, Any]:
    return {"requests": {"cpu": cpu, "memory": mem}, "limits": {"cpu": cpu, "memory": mem}}


SEED_MANIFESTS: tuple[dict[str, Any], ...] = (
    _pod("web", "shop", _guaranteed("4", "8Gi"), [_c("nginx", "2", "4Gi"), _c("log-shipper", sidecar=False)]),
    _pod("cache", "shop", None, [_c("redis", "2", "4Gi")]),
    _pod("batch", "analytics", _guaranteed("6", "12Gi"), [_c("worker", "6", "12Gi")]),
)

SCENARIOS: dict[str, dict[str, Any]] = {
    # PostgreSQL with an 8-CPU pod budget: 6 exclusive CPUs for the database, the backup sidecar
    # in the pod shared pool (2 CPUs).
    "postgres": _pod(
        "postgres",
        "db",
        _guaranteed("8", "32Gi"),
        [_c("postgres", "6", "24Gi")],
        init=[_c("backup", sidecar=True)],
    ),
    # ML trainer: 12 exclusive CPUs, a service-mesh sidecar sharing the remaining 2.
    "ml-trainer": _pod(
        "ml-trainer",
        "ml",
        _guaranteed("14", "48Gi"),
        [_c("trainer", "12", "40Gi")],
        init=[_c("mesh-proxy", sidecar=True)],
    ),
    # 20 CPUs and 120Gi cannot come from one NUMA node (16 CPUs, 96Gi): single-numa-node rejects,
    # restricted admits on the two nodes of one socket.
    "too-big-for-one-numa": _pod("wide", "hpc", _guaranteed("20", "120Gi"), [_c("solver", "20", "120Gi")]),
    # Every CPU of the budget is exclusive, yet a sidecar needs the pod shared pool: rejected.
    "empty-shared-pool": _pod(
        "no-pool",
        "demo",
        _guaranteed("4", "4Gi"),
        [_c("app", "4", "4Gi")],
        init=[_c("mesh-proxy", sidecar=True)],
    ),
}


def seed_pods() -> list[PodSpec]:
    from workbench.kube.pod import pod_from_mapping

    return [pod_from_mapping(m, source="demo seed") for m in SEED_MANIFESTS]


def scenario_pod(name: str) -> PodSpec:
    from workbench.kube.pod import pod_from_mapping

    return pod_from_mapping(SCENARIOS[name], source=f"scenario {name}")


def scenario_files() -> list[Path]:
    """The shipped Pod manifests (`workbench/data/pods/*.yaml`; bad-input examples in its
    `invalid/` folder are test fixtures and not shipped)."""
    base = resources.files("workbench").joinpath("data", "pods")
    # pip installs a wheel as files, so package data has a real path: the Open dialog hands it
    # to the same loader as a path the user types.
    return sorted(Path(str(p)) for p in base.iterdir() if p.name.endswith((".yaml", ".yml")) and p.is_file())
