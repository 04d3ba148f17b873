"""`workbench validate FILE...` and `workbench node --kubelet-dir DIR`.

`validate` checks pods (and pod templates) the way the API server would, and kubelet
configurations the way the kubelet does at start; it prints every problem with its file and
field path. Exit 0: nothing wrong (warnings only, unless --strict); 1: problems; 2: a file could
not be read at all.

`node` shows a captured node's live allocations from its checkpoint files (the machine comes
from --topology/--sysfs-root/--demo, else from DIR/topology.yaml if the capture has one, else
from this machine's sysfs): the default CPU set,
each pod's bubble and per-container CPU sets, per-NUMA memory tables, devices, and what the
kubelet would object to at start. Exit 1 when the checkpoints have problems.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.cli.common import (
    add_format_option,
    add_topology_options,
    emit_json,
    load_topology,
    topology_given,
)
from workbench.errors import InputError

if TYPE_CHECKING:
    # Annotations only: every command builds this module's parser, so keep its imports cheap.
    from workbench.kube.model import NodeConfig, NodeState
    from workbench.topology.model import Topology


def register(sub: Any) -> None:
    p = sub.add_parser(
        "validate",
        help="check pod manifests and kubelet configs for problems",
        description="Check pods (and workload pod templates) as the API server would, and "
        "KubeletConfiguration files as the kubelet does at start. '-' reads stdin.",
    )
    p.add_argument("files", nargs="+", metavar="FILE", help="YAML files (pods, workloads, kubelet configs)")
    p.add_argument("--strict", action="store_true", help="warnings also make the exit code 1")
    add_topology_options(p)
    add_format_option(p)
    p.set_defaults(func=run_validate)

    n = sub.add_parser(
        "node",
        help="show a captured node's live allocations (kubelet checkpoints)",
        description="Read config.yaml, cpu_manager_state, memory_manager_state (and the device "
        "checkpoint) from a kubelet directory and show what is allocated where.",
    )
    n.add_argument("--kubelet-dir", metavar="DIR", required=True, help="e.g. a copy of /var/lib/kubelet")
    add_topology_options(n)
    add_format_option(n)
    n.set_defaults(func=run_node)


# ---- validate --------------------------------------------------------------------------
def _explicit_topology(args: argparse.Namespace) -> Topology | None:
    return load_topology(args) if topology_given(args) else None


def validate_file(path: str, topology: Topology | None = None) -> list[Any]:
    """Problems of one file (raises InputError if it cannot be read or parsed)."""
    from workbench.kube import config as kcfg
    from workbench.kube.pod import spec_path_of
    from workbench.kube.problem import Problem
    from workbench.kube.validate import validate_pod_doc
    from workbench.kube.yamlio import load_documents, read_text

    text, label = read_text(path)
    docs = load_documents(text, label)
    problems: list[Problem] = []
    checked = 0
    for index, doc in enumerate(docs):
        if not isinstance(doc, Mapping):
            problems.append(Problem(f"document {index + 1}", "is not an object", "error", label))
            continue
        objects = doc.get("items") if doc.get("kind") == "List" else [doc]
        for obj in objects if isinstance(objects, list) else []:
            if not isinstance(obj, Mapping):
                continue
            if obj.get("kind") == kcfg.KIND:
                checked += 1
                problems.extend(kcfg.config_problems(obj, label, topology))
            elif spec_path_of(obj) is not None:
                checked += 1
                problems.extend(validate_pod_doc(obj, label))
    if not checked:
        problems.append(
            Problem("", "no Pod, workload or KubeletConfiguration found (nothing to check)", "error", label)
        )
    return problems


def run_validate(args: argparse.Namespace) -> int:
    topology = _explicit_topology(args)
    unreadable: list[str] = []
    results: list[Any] = []
    for path in args.files:
        try:
            results.extend(validate_file(path, topology))
        except InputError as exc:
            unreadable.append(exc.line())
    errors = sum(1 for p in results if p.severity == "error")
    warnings = len(results) - errors
    if args.format == "json":
        emit_json(
            {
                "files": list(args.files),
                "problems": [p.as_dict() for p in results],
                "unreadable": unreadable,
                "errors": errors,
                "warnings": warnings,
            }
        )
    else:
        for line in unreadable:
            print(f"workbench: {line}", file=sys.stderr)
        for p in results:
            print(p.line())
        if not results and not unreadable:
            print(f"ok: {len(args.files)} file(s), no problems")
        elif results:
            print(f"{errors} error(s), {warnings} warning(s)")
    if unreadable:
        return 2
    if errors or (warnings and args.strict):
        return 1
    return 0


# ---- node ------------------------------------------------------------------------------
def _fmt_bytes(n: int) -> str:
    from workbench.quantity import format_bytes

    return format_bytes(n)


def config_summary(cfg: NodeConfig) -> dict[str, Any]:
    return {
        "cpu_manager_policy": cfg.cpu_manager_policy,
        "cpu_manager_policy_options": dict(cfg.cpu_manager_policy_options),
        "reserved_system_cpus": str(cfg.reserved_system_cpus)
        if cfg.reserved_system_cpus is not None
        else None,
        "kube_reserved": dict(cfg.kube_reserved),
        "system_reserved": dict(cfg.system_reserved),
        "topology_manager_policy": cfg.topology_manager_policy,
        "topology_manager_scope": cfg.topology_manager_scope,
        "topology_manager_policy_options": dict(cfg.topology_manager_policy_options),
        "memory_manager_policy": cfg.memory_manager_policy,
        "reserved_memory": [
            {"numa_node": r.numa_node, "limits": dict(r.limits)} for r in cfg.reserved_memory
        ],
        "feature_gates": dict(cfg.feature_gates),
        "cpu_cfs_quota": cfg.cpu_cfs_quota,
        "cpu_cfs_quota_period_us": cfg.cpu_cfs_quota_period_us,
        "cgroup_driver": cfg.cgroup_driver,
        "eviction_hard": dict(cfg.eviction_hard),
    }


def _block_dict(b: Any) -> dict[str, Any]:
    return {"numa_affinity": list(b.numa_affinity), "type": b.type, "size": b.size}


def pods_view(state: NodeState, topology: Topology | None) -> list[dict[str, Any]]:
    """One entry per pod UID: its bubble, containers (CPU sets, memory blocks) and devices."""
    out: list[dict[str, Any]] = []
    for uid in state.pod_uids():
        info = state.pods.get(uid)
        cpus = state.cpu_assignments.get(uid, {})
        mems = state.memory_assignments.get(uid, {})
        bubble = state.pod_cpusets.get(uid)
        names = list(dict.fromkeys([*cpus, *mems, *(d.container for d in state.devices if d.pod_uid == uid)]))
        containers = []
        for name in names:
            cs = cpus.get(name)
            shared = cs is not None and sum(1 for other in cpus.values() if other == cs) > 1
            # The checkpoint does not say why a container holds its set: a set shared by several
            # containers of a pod is its shared pool; inside a bubble a set of one container may be
            # exclusive or the pool of a lone shared container ("bubble").
            if cs is None:
                isolation = "host"
            elif shared:
                isolation = "pod"
            elif bubble is not None and len(cpus) > 1:
                isolation = "bubble"
            else:
                isolation = "container"
            containers.append(
                {
                    "name": name,
                    "cpuset": str(cs) if cs is not None else None,
                    "numa": str(topology.numa_of(cs)) if topology is not None and cs is not None else None,
                    "isolation": isolation,
                    "memory": [_block_dict(b) for b in mems.get(name, ())],
                    "devices": [
                        {"resource": d.resource, "ids": sorted(d.device_ids)}
                        for d in state.devices
                        if d.pod_uid == uid and d.container == name
                    ],
                }
            )
        out.append(
            {
                "uid": uid,
                "name": info.name if info else "",
                "namespace": info.namespace if info else "",
                "pod_cpuset": str(bubble) if bubble is not None else None,
                "pod_numa": str(topology.numa_of(bubble))
                if topology is not None and bubble is not None
                else None,
                "pod_memory": [_block_dict(b) for b in state.pod_memory.get(uid, ())],
                "containers": containers,
            }
        )
    return out


def memory_view(state: NodeState) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for numa, node in sorted((state.memory or {}).items()):
        for res, t in sorted(node.memory_map.items(), key=lambda kv: (kv[0] != "memory", kv[0])):
            rows.append(
                {
                    "numa": numa,
                    "resource": res,
                    "total": t.total,
                    "system_reserved": t.system_reserved,
                    "allocatable": t.allocatable,
                    "reserved": t.reserved,
                    "free": t.free,
                    "cells": list(node.cells),
                    "assignments": node.number_of_assignments,
                }
            )
    return rows


def node_document(kd: Any, topology: Topology | None) -> dict[str, Any]:
    state: NodeState = kd.state
    return {
        "kubelet_dir": state.source,
        "topology": topology.name if topology is not None else None,
        "config": config_summary(kd.config),
        "checkpoints": {
            "files": list(kd.files),
            "cpu_version": kd.cpu_version,
            "memory_version": kd.memory_version,
        },
        "cpu_policy": state.cpu_policy,
        "default_cpuset": str(state.default_cpuset) if state.default_cpuset is not None else None,
        "pods": pods_view(state, topology),
        "memory_policy": state.memory_policy,
        "memory": memory_view(state),
        "registered_devices": {k: list(v) for k, v in state.registered_devices.items()},
        "problems": list(state.problems),
    }


def _block_text(b: dict[str, Any]) -> str:
    """`12Gi@0` for memory, `2Gi hugepages-1Gi@0,1` for hugepages: short enough for 80 columns."""
    kind = "" if b["type"] == "memory" else f" {b['type']}"
    return f"{_fmt_bytes(b['size'])}{kind}@{','.join(str(n) for n in b['numa_affinity'])}"


def _print_node(doc: dict[str, Any]) -> None:
    """Plain text that fits 80 columns (long CPU lists and problems wrap at the terminal)."""
    cfg = doc["config"]
    cp = doc["checkpoints"]
    print(f"Kubelet dir  {doc['kubelet_dir']}")
    if doc["topology"]:
        print(f"Machine      {doc['topology']}")
    reserved = cfg["reserved_system_cpus"]
    print(f"CPU manager  {cfg['cpu_manager_policy']}" + (f", reserved CPUs {reserved}" if reserved else ""))
    print(
        f"Managers     memory {cfg['memory_manager_policy']}, topology {cfg['topology_manager_policy']}"
        f"/{cfg['topology_manager_scope']}, cgroup {cfg['cgroup_driver']}"
    )
    gates = ", ".join(f"{k}={'on' if v else 'off'}" for k, v in cfg["feature_gates"].items())
    print(f"Gates        {gates or 'defaults'}")
    versions = ", ".join(
        f"{name} {v}" for name, v in (("cpu", cp["cpu_version"]), ("memory", cp["memory_version"])) if v
    )
    print(f"Checkpoints  {versions or 'none (fresh node)'}")
    default = doc["default_cpuset"]
    print(f"Shared pool  {default if default is not None else 'all CPUs (fresh node)'}")
    print()
    if not doc["pods"]:
        print("Pods         none with pinned CPUs, memory or devices")
        print()
    for pod in doc["pods"]:
        label = f"{pod['namespace']}/{pod['name']}" if pod["namespace"] else pod["name"] or pod["uid"]
        uid = pod["uid"] if len(pod["uid"]) <= 36 else pod["uid"][:12] + "…"
        print(f"Pod {label}  {uid}")
        if pod["pod_cpuset"] is not None:
            mem = ", ".join(_block_text(b) for b in pod["pod_memory"])
            numa = f"NUMA {pod['pod_numa']}" if pod["pod_numa"] is not None else ""
            print(f"  {'(pod bubble)':<14} {pod['pod_cpuset']:<16} {numa:<8} {'':<15} {mem}".rstrip())
        for c in pod["containers"]:
            isolation = {
                "container": "exclusive",
                "pod": "pod shared pool",
                "bubble": "in pod bubble",
                "host": "node pool",
            }[c["isolation"]]
            cs = c["cpuset"] if c["cpuset"] is not None else "-"
            numa = f"NUMA {c['numa']}" if c["numa"] else ""
            mem = ", ".join(_block_text(b) for b in c["memory"])
            name = c["name"] if len(c["name"]) <= 14 else c["name"][:13] + "…"
            print(f"  {name:<14} {cs:<16} {numa:<8} {isolation:<15} {mem}".rstrip())
            for d in c["devices"]:
                print(f"  {'':<14} {d['resource']}: {', '.join(d['ids'])}")
        print()
    if doc["memory"]:
        print("Memory manager, per NUMA node")
        print(
            f"  {'node':<5}{'resource':<15}{'total':>8}{'system':>8}{'alloc.':>8}"
            f"{'reserved':>9}{'free':>8}  cells"
        )
        for r in doc["memory"]:
            print(
                f"  {r['numa']:<5}{r['resource']:<15}{_fmt_bytes(r['total']):>8}"
                f"{_fmt_bytes(r['system_reserved']):>8}{_fmt_bytes(r['allocatable']):>8}"
                f"{_fmt_bytes(r['reserved']):>9}{_fmt_bytes(r['free']):>8}"
                f"  {','.join(str(c) for c in r['cells'])}"
            )
        print()
    for res, ids in doc["registered_devices"].items():
        shown = ", ".join(ids) if len(ids) <= 4 else f"{ids[0]} ... {ids[-1]}"
        print(f"Devices      {res}: {len(ids)} registered ({shown})")
    if doc["problems"]:
        print("Problems (the kubelet would refuse this state at start)")
        for p in doc["problems"]:
            print(f"  ✗ {p}")
    else:
        print("Problems     none")


def _picked_reserved_problems(kd: Any, topology: Topology) -> list[str]:
    """Without `reservedSystemCPUs` the static policy picks its reserved CPUs with its own
    picker (admission layer); check the checkpoint's default set against that pick."""
    from workbench.admission import take_by_topology
    from workbench.kube.checkpoint import check_reserved
    from workbench.kube.config import reserved_cpu_count

    cfg, state = kd.config, kd.state
    count = reserved_cpu_count(cfg)
    if (
        cfg.cpu_manager_policy != "static"
        or cfg.reserved_system_cpus
        or not count
        or state.default_cpuset is None
    ):
        return []
    options = [name for name in cfg.cpu_manager_policy_options if cfg.option(name)]
    try:
        reserved = take_by_topology(topology, topology.all_cpus, count, options=options)
    except Exception:  # the kubelet would not start either; the config check reports why
        return []
    return check_reserved(state.default_cpuset, reserved, strict=cfg.option("strict-cpu-reservation"))


def run_node(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from workbench.kube.checkpoint import read_kubelet_dir

    directory = Path(args.kubelet_dir)
    # load_topology prefers an explicit source, then the capture's own topology.yaml.
    topology = load_topology(args)
    kd = read_kubelet_dir(directory, topology)
    extra = _picked_reserved_problems(kd, topology)
    if extra:
        kd = replace(kd, state=replace(kd.state, problems=(*extra, *kd.state.problems)))
    doc = node_document(kd, topology)
    if args.format == "json":
        emit_json(doc)
    else:
        _print_node(doc)
    return 1 if kd.state.problems else 0
