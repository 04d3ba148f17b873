"""Use case "load a node": where the machine and the kubelet's view of it come from.

A `NodeSource` is a plain value naming the source; `load_node` turns it into topology + kubelet
configuration + live allocations. The faces build a source from their options and never look
inside. A capture bundle (`bundle`) is opened by `opened`, which lays the parts a reader needs
out in a private temporary directory and gives back the equivalent plain source, so every
reader works on a bundle exactly as on the node.
"""

from __future__ import annotations

from workbench.record import Record, replace, setfield

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from pathlib import Path
    from typing import Any

    # Annotations only: the models load when a node is loaded, not when a parser is built.
    from workbench.kube.model import NodeConfig, NodeState
    from workbench.topology.model import Topology

# A captured node directory may carry the machine it came from, so it opens anywhere.
CAPTURED_TOPOLOGY = "topology.yaml"


class NodeSource(Record):
    """The machine: a sysfs tree, a topology spec, the demo, or (none given) this machine's /sys.
    The kubelet: a captured kubelet directory, a KubeletConfiguration, or (none) the demo kubelet.
    Or the whole node from a capture bundle (`bundle`, then nothing else is given)."""

    sysfs_root: Path | None
    topology_spec: Path | None
    demo: bool
    kubelet_dir: Path | None
    kubelet_config: Path | None
    bundle: Path | None
    # The machine's name when it is read from a sysfs tree (a bundle's captured name).
    machine_name: str | None

    __slots__ = _fields = (
        "sysfs_root",
        "topology_spec",
        "demo",
        "kubelet_dir",
        "kubelet_config",
        "bundle",
        "machine_name",
    )

    def __init__(
        self,
        sysfs_root: Path | None = None,
        topology_spec: Path | None = None,
        demo: bool = False,
        kubelet_dir: Path | None = None,
        kubelet_config: Path | None = None,
        bundle: Path | None = None,
        machine_name: str | None = None,
    ) -> None:
        setfield(self, "sysfs_root", sysfs_root)
        setfield(self, "topology_spec", topology_spec)
        setfield(self, "demo", demo)
        setfield(self, "kubelet_dir", kubelet_dir)
        setfield(self, "kubelet_config", kubelet_config)
        setfield(self, "bundle", bundle)
        setfield(self, "machine_name", machine_name)

    @property
    def machine_given(self) -> bool:
        """Whether the machine was named explicitly (else a capture's own or the live one)."""
        return bool(self.sysfs_root or self.topology_spec or self.demo or self.bundle)

    @property
    def live_machine(self) -> bool:
        """Whether the machine is this one (its /sys, /proc and cgroups belong to it)."""
        return not self.machine_given and not (
            self.kubelet_dir is not None and (self.kubelet_dir / CAPTURED_TOPOLOGY).is_file()
        )


class Node(Record):
    topology: Topology
    config: NodeConfig
    state: NodeState

    __slots__ = _fields = ("topology", "config", "state")

    def __init__(self, topology: Topology, config: NodeConfig, state: NodeState) -> None:
        setfield(self, "topology", topology)
        setfield(self, "config", config)
        setfield(self, "state", state)


class Opened(Record):
    """A source with its bundle (if any) on disk: the plain source the readers take, the bundle's
    cgroup tree (None without a bundle or a captured tree), and a label for its parts."""

    source: NodeSource
    cgroup_root: Path | None
    label: str

    __slots__ = _fields = ("source", "cgroup_root", "label")

    def __init__(self, source: NodeSource, cgroup_root: Path | None = None, label: str = "") -> None:
        setfield(self, "source", source)
        setfield(self, "cgroup_root", cgroup_root)
        setfield(self, "label", label)


class opened:  # lower case: it stands in for the function it was (`with opened(source) as o`)
    """`source` itself, or its bundle laid out for the readers (`cgroup`: the tree's settings
    too) in a private directory removed afterwards; errors name the bundle's members.

    A class, not `@contextlib.contextmanager`: importing contextlib is ~0.6 ms of `admit`, and a
    source without a bundle has nothing to set up or clean."""

    def __init__(self, source: NodeSource, *, cgroup: bool = False) -> None:
        self._source = source
        self._cgroup = cgroup
        self._parts: AbstractContextManager[Any] | None = None

    def __enter__(self) -> Opened:
        source = self._source
        if source.bundle is None:
            return Opened(source)
        from workbench.services.bundle_open import open_parts

        _refuse_mixing(source)
        laid_out = open_parts(source.bundle, cgroup=self._cgroup)
        parts, label = laid_out.__enter__()
        self._parts = laid_out
        plain = NodeSource(
            sysfs_root=parts.sysfs_root,
            topology_spec=parts.topology_spec,
            kubelet_dir=parts.kubelet_dir,
            machine_name=parts.machine_name,
        )
        return Opened(plain, parts.cgroup_root, label)

    def __exit__(self, *exc_info: Any) -> bool | None:
        parts, self._parts = self._parts, None
        return None if parts is None else parts.__exit__(*exc_info)


def _refuse_mixing(source: NodeSource) -> None:
    from workbench.errors import InputError

    given = [
        flag
        for flag, value in (
            ("--sysfs-root", source.sysfs_root),
            ("--topology", source.topology_spec),
            ("--demo", source.demo),
            ("--kubelet-dir", source.kubelet_dir),
            ("--kubelet-config", source.kubelet_config),
        )
        if value
    ]
    if given:
        raise InputError(
            f"--bundle holds the whole node; {given[0]} cannot be given with it",
            source=str(source.bundle),
            fix=f"drop {given[0]}",
        )


def read_only_reason(source: NodeSource) -> str:
    """Why a face must not write for this source ("" when it may): a bundle is a record."""
    if source.bundle is not None:
        return f"offline capture bundle {source.bundle.name}"
    return ""


def machine_origin(source: NodeSource) -> tuple[str, Path | None]:
    """Which reader gives the machine: ("spec", file), ("demo", None) or ("sysfs", root)."""
    kdir = source.kubelet_dir
    if kdir is not None and not source.machine_given and (kdir / CAPTURED_TOPOLOGY).is_file():
        return "spec", kdir / CAPTURED_TOPOLOGY
    if source.topology_spec is not None:
        return "spec", source.topology_spec
    if source.demo:
        return "demo", None
    if source.sysfs_root:
        return "sysfs", source.sysfs_root
    from pathlib import Path

    return "sysfs", Path("/")


def plain_topology(source: NodeSource) -> Topology:
    from workbench import topology

    kind, path = machine_origin(source)
    if kind == "spec" and path is not None:
        return topology.load_spec(path)
    if kind == "demo":
        return topology.demo_topology()
    from pathlib import Path  # reading a sysfs tree walks Paths anyway

    return topology.read_sysfs(path or Path("/"), name=source.machine_name)


def load_topology(source: NodeSource) -> Topology:
    """The machine the source names; a kubelet capture's own `topology.yaml` when none is."""
    with opened(source) as o:
        return plain_topology(o.source)


def load_node(source: NodeSource) -> Node:
    """Topology + kubelet config + live allocations, from whatever the source names."""

    from workbench.kube import config
    from workbench.kube.model import NodeState

    with opened(source) as o:
        plain = o.source
        topo = plain_topology(plain)
        if plain.kubelet_dir is not None:
            from workbench.kube import checkpoint  # only a captured node has checkpoints to read

            cfg, state = checkpoint.load_kubelet_dir(plain.kubelet_dir, topo)
            if o.label:
                state = replace(state, source=o.label)
        elif plain.kubelet_config is not None:
            cfg, state = config.load_kubelet_config(plain.kubelet_config, topo), NodeState()
        else:
            cfg, state = config.demo_config(), NodeState()
    return Node(topo, cfg, state)
