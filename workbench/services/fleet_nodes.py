"""Opening many node bundles quickly (for `fleet`): only the manifest, the machine's spec (the
kubelet view a capture derived from sysfs, when this workbench version made it; else the sysfs
files, read again) and the kubelet files are read, and a machine is parsed once per distinct
spec: fleets share hardware, and the manifest's sha256 says which nodes do without reading."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.bundle.layout import KUBELET, KUBELET_VIEW, TOPOLOGY_SPEC
from workbench.bundle.reader import Bundle
from workbench.errors import InputError
from workbench.services.bundle_open import bundle_name, parts, renamed
from workbench.services.source import Node

if TYPE_CHECKING:
    from workbench.topology.model import Topology

# Hostnames that name no node (a machine without one set, e.g. a VM guest).
_NO_NAME = ("", "(none)", "localhost", "localhost.localdomain")


@dataclass
class MachineCache:
    topologies: dict[str, Topology] = field(default_factory=dict)


def bundle_files(paths: list[Path]) -> list[Path]:
    """The bundles named: files as given, directories' *.tar.gz / *.tgz (sorted)."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found += sorted(q for q in p.iterdir() if q.name.endswith((".tar.gz", ".tgz")) and q.is_file())
        elif p.is_file():
            found.append(p)
        else:
            raise InputError(
                "no such file or directory", source=str(p), fix="give bundle files or directories"
            )
    if not found:
        raise InputError(
            "no bundles (*.tar.gz) found", source=" ".join(map(str, paths)), fix="capture some first"
        )
    return found


def node_name(bundle: Bundle) -> str:
    name = bundle.manifest.node_name
    return bundle_name(bundle.path) if name in _NO_NAME else name


def _spec_member(bundle: Bundle) -> str | None:
    from workbench import __version__

    m = bundle.manifest
    if m.machine == "spec":
        return TOPOLOGY_SPEC
    if bundle.has(KUBELET_VIEW) and m.workbench_version == __version__:
        return KUBELET_VIEW
    return None


def _spec(path: Path, label: str) -> Any:
    """The spec as a mapping, through the input boundary (libyaml's safe loader with nesting
    bounded first, size cap, any parser failure one InputError)."""
    from workbench.inputs import decode, load_yaml_document, read_bytes

    raw, _ = read_bytes(path)
    doc = load_yaml_document(decode(raw, label), label)
    if not isinstance(doc, dict):
        raise InputError("expected a topology spec (a mapping)", source=label, fix="capture the node again")
    return doc


def _machine(bundle: Bundle, cache: MachineCache) -> Topology:
    from workbench import topology
    from workbench.services.source import NodeSource, plain_topology

    member = _spec_member(bundle)
    if member is not None:
        digest = next(f.sha256 for f in bundle.manifest.files if f.path == member)
        if digest not in cache.topologies:
            bundle.extract((member,))
            cache.topologies[digest] = topology.load_spec(
                _spec(bundle.root / member, f"{bundle.label}:{member}")
            )
        return cache.topologies[digest]
    from workbench.topology.sysfs_files import ReadLog, replaying

    found = parts(bundle)
    with replaying(found.sysfs or ReadLog()):
        return plain_topology(NodeSource(sysfs_root=found.sysfs_root, machine_name=found.machine_name))


def open_node(path: Path, cache: MachineCache) -> tuple[str, Node]:
    """The node a bundle holds (machine, kubelet config, allocations) and its name."""
    from workbench.kube.checkpoint import load_kubelet_dir

    with Bundle(path) as bundle:
        try:
            topo = _machine(bundle, cache)
            if not bundle.manifest.paths(KUBELET):
                raise InputError(
                    f"no {KUBELET}config.yaml", source=bundle.label, fix="capture the node again"
                )
            bundle.extract((KUBELET,))
            cfg, state = load_kubelet_dir(bundle.root / KUBELET.rstrip("/"), topo)
        except InputError as exc:
            raise renamed(exc, bundle) from None
        return node_name(bundle), Node(topo, cfg, state)


__all__ = ["MachineCache", "bundle_files", "node_name", "open_node"]
