"""The text of `workbench node`, built from its JSON document: plain text that fits 80 columns
(long CPU lists and problems wrap at the terminal)."""

from __future__ import annotations

from typing import Any

from workbench.quantity import format_bytes

_ISOLATION = {
    "container": "exclusive",
    "pod": "pod shared pool",
    "pod-or-container": "excl. or pool",
    "host": "node pool",
}


def _block_text(b: dict[str, Any]) -> str:
    """`12Gi@0` for memory, `2Gi hugepages-1Gi@0,1` for hugepages: short enough for 80 columns."""
    kind = "" if b["type"] == "memory" else f" {b['type']}"
    return f"{format_bytes(b['size'])}{kind}@{','.join(str(n) for n in b['numa_affinity'])}"


def _header(doc: dict[str, Any]) -> list[str]:
    cfg = doc["config"]
    cp = doc["checkpoints"]
    out = [f"Kubelet dir  {doc['kubelet_dir']}"]
    if doc["topology"]:
        out.append(f"Machine      {doc['topology']}")
    reserved = cfg["reserved_system_cpus"]
    out.append(
        f"CPU manager  {cfg['cpu_manager_policy']}" + (f", reserved CPUs {reserved}" if reserved else "")
    )
    out.append(
        f"Managers     memory {cfg['memory_manager_policy']}, topology {cfg['topology_manager_policy']}"
        f"/{cfg['topology_manager_scope']}, cgroup {cfg['cgroup_driver']}"
    )
    gates = ", ".join(f"{k}={'on' if v else 'off'}" for k, v in cfg["feature_gates"].items())
    out.append(f"Gates        {gates or 'defaults'}")
    versions = ", ".join(
        f"{name} {v}" for name, v in (("cpu", cp["cpu_version"]), ("memory", cp["memory_version"])) if v
    )
    out.append(f"Checkpoints  {versions or 'none (fresh node)'}")
    default = doc["default_cpuset"]
    out.append(f"Shared pool  {default if default is not None else 'all CPUs (fresh node)'}")
    out.append("")
    return out


def _pod(pod: dict[str, Any]) -> list[str]:
    label = f"{pod['namespace']}/{pod['name']}" if pod["namespace"] else pod["name"] or pod["uid"]
    uid = pod["uid"] if len(pod["uid"]) <= 36 else pod["uid"][:12] + "…"
    out = [f"Pod {label}  {uid}"]
    if pod["pod_cpuset"] is not None:
        mem = ", ".join(_block_text(b) for b in pod["pod_memory"])
        numa = f"NUMA {pod['pod_numa']}" if pod["pod_numa"] is not None else ""
        out.append(f"  {'(pod bubble)':<14} {pod['pod_cpuset']:<16} {numa:<8} {'':<15} {mem}".rstrip())
    for c in pod["containers"]:
        isolation = _ISOLATION[c["isolation"]]
        cs = c["cpuset"] if c["cpuset"] is not None else "-"
        numa = f"NUMA {c['numa']}" if c["numa"] else ""
        mem = ", ".join(_block_text(b) for b in c["memory"])
        name = c["name"] if len(c["name"]) <= 14 else c["name"][:13] + "…"
        out.append(f"  {name:<14} {cs:<16} {numa:<8} {isolation:<15} {mem}".rstrip())
        for d in c["devices"]:
            out.append(f"  {'':<14} {d['resource']}: {', '.join(d['ids'])}")
    out.append("")
    return out


def _memory(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    out = [
        "Memory manager, per NUMA node",
        f"  {'node':<5}{'resource':<15}{'total':>8}{'system':>8}{'alloc.':>8}"
        f"{'reserved':>9}{'free':>8}  cells",
    ]
    for r in rows:
        out.append(
            f"  {r['numa']:<5}{r['resource']:<15}{format_bytes(r['total']):>8}"
            f"{format_bytes(r['system_reserved']):>8}{format_bytes(r['allocatable']):>8}"
            f"{format_bytes(r['reserved']):>9}{format_bytes(r['free']):>8}"
            f"  {','.join(str(c) for c in r['cells'])}"
        )
    out.append("")
    return out


def _devices_and_problems(doc: dict[str, Any]) -> list[str]:
    out = []
    for res, ids in doc["registered_devices"].items():
        shown = ", ".join(ids) if len(ids) <= 4 else f"{ids[0]} ... {ids[-1]}"
        out.append(f"Devices      {res}: {len(ids)} registered ({shown})")
    if doc["problems"]:
        out.append("Problems (the kubelet would refuse this state at start)")
        out += [f"  ✗ {p}" for p in doc["problems"]]
    else:
        out.append("Problems     none")
    return out


def node_document_text(doc: dict[str, Any]) -> str:
    lines = _header(doc)
    if not doc["pods"]:
        lines += ["Pods         none with pinned CPUs, memory or devices", ""]
    for pod in doc["pods"]:
        lines += _pod(pod)
    if any(c["isolation"] == "pod-or-container" for p in doc["pods"] for c in p["containers"]):
        lines += [
            "excl. or pool: the checkpoint records the same sets for an exclusive container and for",
            "a lone shared container's pod shared pool; the container's cpu.max tells them apart",
            "(`workbench top --cgroup-root DIR`).",
            "",
        ]
    lines += _memory(doc["memory"])
    lines += _devices_and_problems(doc)
    return "\n".join(lines) + "\n"
