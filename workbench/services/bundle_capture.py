"""Use case "capture" (`workbench capture OUT.tar.gz`): one file with everything the workbench
reads from the node the options name, for opening offline with `--bundle`.

What goes in: the sysfs files the topology reader read (it says which: `recording`), or the
topology spec; the kubelet's config and checkpoint files; the cgroup tree's settings below the
pod parents; N samples of its counters and of /proc/stat; host facts. Nothing secret: no
environment, no command lines, and process names only with `with_processes`.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.bundle import cgroup_tree
from workbench.bundle.host import host_facts, proc_stat, read_small, utc_now
from workbench.bundle.layout import (
    CGROUP_SETTINGS,
    KUBELET,
    KUBELET_VIEW,
    PROCESSES,
    SYSFS,
    SYSFS_LISTING,
    TOPOLOGY_SPEC,
    sample_counters,
    sample_stat,
)
from workbench.bundle.manifest import Manifest
from workbench.bundle.replay import listing_doc
from workbench.bundle.writer import Member, bundle_bytes, write_bundle
from workbench.errors import InputError
from workbench.services.source import NodeSource, load_node, machine_origin

LIVE_CGROUP_ROOT = Path("/sys/fs/cgroup")
LIVE_PROC_ROOT = Path("/proc")
MAX_SAMPLES = 1000


@dataclass(frozen=True)
class CaptureRequest:
    out: Path
    source: NodeSource
    cgroup_root: Path | None = None
    proc_root: Path | None = None
    samples: int = 3
    interval: float = 1.0
    with_processes: bool = False


@dataclass(frozen=True)
class Captured:
    path: Path
    size: int
    files: int
    samples: int
    cgroups: int
    node_name: str
    seconds: float


def _machine(source: NodeSource) -> tuple[list[Member], str, str]:
    """Members describing the machine, its kind ("sysfs"/"spec") and its name."""
    from workbench import topology
    from workbench.services.topology_view import topology_yaml
    from workbench.topology.sysfs_files import recording

    kind, path = machine_origin(source)
    if kind == "sysfs":
        root = os.fspath(path or "/").rstrip("/")
        with recording() as log:
            topo = topology.read_sysfs(root or "/")
        prefix = f"{root}/"
        members = [
            Member(SYSFS + p[len(prefix) :], data, p) for p, data in log.files.items() if p.startswith(prefix)
        ]
        listing = listing_doc(dict(log.listings), prefix)
        members.append(
            Member(SYSFS_LISTING, listing, f"{root or '/'} (directories the topology reader listed)")
        )
        derived = f"{root or '/'} (the kubelet's view of it, derived)"
        view = Member(KUBELET_VIEW, topology_yaml(topo).encode(), derived)
        return [view, *members], "sysfs", topo.name
    if kind == "demo":
        topo = topology.demo_topology()
        return [Member(TOPOLOGY_SPEC, topology_yaml(topo).encode(), "built-in demo node")], "spec", topo.name
    assert path is not None
    topo = topology.load_spec(path)
    return [Member(TOPOLOGY_SPEC, _read(path), str(path))], "spec", topo.name


def _read(path: Path) -> bytes:
    from workbench.kube.checkpoint_json import MAX_CHECKPOINT_BYTES

    try:
        with open(path, "rb") as f:
            return f.read(MAX_CHECKPOINT_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror or exc}", source=str(path)) from None


def _kubelet(source: NodeSource) -> list[Member]:
    from workbench.kube.checkpoint import CONFIG, PODS
    from workbench.kube.checkpoint_cpu import CPU_STATE
    from workbench.kube.checkpoint_device import DEVICE_STATE
    from workbench.kube.checkpoint_memory import MEMORY_STATE
    from workbench.kube.config import DEMO_CONFIG_YAML

    if source.kubelet_dir is not None:
        names = (CONFIG, CPU_STATE, MEMORY_STATE, DEVICE_STATE, PODS)
        paths = [(name, source.kubelet_dir / name) for name in names]
        return [Member(KUBELET + name, _read(p), str(p)) for name, p in paths if p.is_file()]
    if source.kubelet_config is not None:
        return [Member(f"{KUBELET}config.yaml", _read(source.kubelet_config), str(source.kubelet_config))]
    return [Member(f"{KUBELET}config.yaml", DEMO_CONFIG_YAML.encode(), "built-in demo kubelet")]


def _check(req: CaptureRequest) -> None:
    if req.source.bundle is not None:
        raise InputError(
            "capture reads a node, not a bundle", fix="drop --bundle (the bundle is a capture already)"
        )
    if not 1 <= req.samples <= MAX_SAMPLES:
        raise InputError(f"--samples {req.samples}: expected 1 to {MAX_SAMPLES}")
    if not 0 <= req.interval <= 3600:
        raise InputError(f"--interval {req.interval:g}: expected 0 to 3600 seconds")
    if req.cgroup_root is not None and not req.cgroup_root.is_dir():
        raise InputError("not a directory", source=str(req.cgroup_root), fix="give a cgroup v2 root")


def _roots(req: CaptureRequest) -> tuple[Path | None, Path | None]:
    """The cgroup and proc roots: given, else this machine's when the node is this machine."""
    live = req.source.live_machine
    cg = req.cgroup_root or (LIVE_CGROUP_ROOT if live and LIVE_CGROUP_ROOT.is_dir() else None)
    proc = req.proc_root or (LIVE_PROC_ROOT if live else None)
    return cg, proc


def _packed(member: str, files: dict[str, bytes], root: Path, names: tuple[str, ...]) -> Member:
    """Many small files as one JSON member: relative path -> text."""
    doc = {rel: data.decode("utf-8", "replace") for rel, data in files.items()}
    source = f"{root}/**/{{{','.join(names)}}} ({len(doc)} files)"
    return Member(member, json.dumps(doc, separators=(",", ":")).encode(), source)


def _samples(
    req: CaptureRequest, cg: Path | None, cgroups: list[str], proc: Path | None
) -> tuple[list[Member], list[float]]:
    members: list[Member] = []
    times: list[float] = []
    start = time.monotonic()
    for k in range(req.samples):
        if k:
            time.sleep(max(0.0, start + k * req.interval - time.monotonic()))
        times.append(round(time.time(), 3))
        if cg is not None:
            counters = cgroup_tree.read_files(str(cg), cgroups, cgroup_tree.COUNTERS)
            members.append(_packed(sample_counters(k), counters, cg, cgroup_tree.COUNTERS))
        if proc is not None:
            stat = read_small(f"{proc}/stat")
            if stat is not None:
                members.append(Member(sample_stat(k), proc_stat(stat), f"{proc}/stat"))
    return members, times


def capture(req: CaptureRequest) -> Captured:
    from workbench import __version__

    began = time.perf_counter()
    _check(req)
    load_node(req.source)  # what cannot be opened on the node is not worth capturing
    machine_members, machine, machine_name = _machine(req.source)
    # The spec (or kubelet view) and the kubelet files first: what `fleet` reads, so it stops there.
    members = [machine_members[0], *_kubelet(req.source), *machine_members[1:]]
    cg, proc = _roots(req)
    cgroups: list[str] = []
    if cg is not None:
        cgroups = cgroup_tree.cgroups_under(str(cg))
        settings = cgroup_tree.read_files(str(cg), cgroups, cgroup_tree.SETTINGS)
        members.append(_packed(CGROUP_SETTINGS, settings, cg, cgroup_tree.SETTINGS))
        if req.with_processes:
            procs = cgroup_tree.processes(str(cg), cgroups, str(proc or LIVE_PROC_ROOT))
            members.append(Member(PROCESSES, procs, f"{cg}/**/cgroup.procs and /proc/PID/comm"))
    sampled, times = _samples(req, cg, cgroups, proc)
    members += sampled
    host = host_facts(str(proc or LIVE_PROC_ROOT))
    manifest = Manifest(
        files=(),
        created=utc_now(),
        workbench_version=__version__,
        # A node's name is its hostname, captured only on the node itself (else the bundle's name).
        node_name=host["hostname"] if req.source.live_machine else "",
        machine=machine,
        machine_name=machine_name,
        host=host,
        cgroup_root=str(cg) if cg is not None else None,
        samples=tuple(times),
        interval=req.interval,
        with_processes=req.with_processes,
    )
    data = bundle_bytes(manifest, members, int(times[0]) if times else 0)
    write_bundle(req.out, data)
    return Captured(
        req.out,
        len(data),
        len(members),
        len(times),
        len(cgroups),
        manifest.node_name or machine_name,
        time.perf_counter() - began,
    )


def captured_json(c: Captured) -> dict[str, Any]:
    return {
        "bundle": str(c.path),
        "node": c.node_name,
        "bytes": c.size,
        "files": c.files,
        "samples": c.samples,
        "cgroups": c.cgroups,
        "seconds": round(c.seconds, 3),
    }


def captured_text(c: Captured) -> str:
    tree = f", {c.cgroups} cgroups" if c.cgroups else ", no cgroup tree"
    return (
        f"captured {c.node_name} into {c.path}: {c.files} files{tree}, {c.samples} samples, "
        f"{c.size / 1024:.1f} KiB in {c.seconds:.2f} s\n"
    )
