"""Use case "open a node from a capture bundle": the bundle's machine, kubelet files and
(when asked) cgroup tree laid out for the ordinary readers, in a private temporary directory
that is gone when the caller is done. Input from a bundle is untrusted (see bundle.reader)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

from workbench.bundle.layout import KUBELET, TOPOLOGY_SPEC
from workbench.bundle.reader import Bundle
from workbench.bundle.replay import (
    VIRTUAL_ROOT,
    SampleRoots,
    cgroup_root,
    sample_in_place,
    sample_roots,
    sysfs_log,
)
from workbench.errors import InputError
from workbench.topology.sysfs_files import ReadLog, replaying

KUBELET_CONFIG = f"{KUBELET}config.yaml"


def renamed(exc: InputError, bundle: Bundle) -> InputError:
    """The error with the temporary directory's paths shown as the bundle's members."""
    tmp = f"{bundle.root}/"
    name = f"{bundle.label}:"

    def fix(text: str) -> str:
        return text.replace(tmp, name).replace(str(bundle.root), bundle.label)

    return InputError(fix(exc.problem), source=fix(exc.source), field=exc.field, fix=fix(exc.fix))


@dataclass(frozen=True)
class Parts:
    """Where the extracted bundle's parts are: the machine (a sysfs root or a spec), the kubelet
    directory, and the cgroup tree (None when not asked for or not captured)."""

    sysfs_root: Path | None  # a virtual root: read it inside `replaying(sysfs)`
    sysfs: ReadLog | None
    topology_spec: Path | None
    machine_name: str | None
    kubelet_dir: Path
    cgroup_root: Path | None


def parts(bundle: Bundle, *, cgroup: bool = False) -> Parts:
    m = bundle.manifest
    root = bundle.extract((TOPOLOGY_SPEC, KUBELET))  # the sysfs files stay in memory
    sysfs = spec = None
    if m.machine == "sysfs":
        sysfs = sysfs_log(bundle)
    elif bundle.has(TOPOLOGY_SPEC):
        spec = root / TOPOLOGY_SPEC
    else:
        raise InputError(f"no {TOPOLOGY_SPEC} and no sysfs files", source=bundle.label, fix="capture again")
    if not bundle.has(KUBELET_CONFIG):
        raise InputError(f"no {KUBELET_CONFIG}", source=bundle.label, fix="capture the node again")
    tree = cgroup_root(bundle) if cgroup else None
    virtual = Path(VIRTUAL_ROOT) if sysfs is not None else None
    return Parts(virtual, sysfs, spec, m.machine_name or None, root / KUBELET.rstrip("/"), tree)


@contextmanager
def open_parts(path: Path, *, cgroup: bool = False) -> Iterator[tuple[Parts, str]]:
    """The bundle at `path` laid out for the readers, and the label of its kubelet files; errors
    raised meanwhile name the bundle's members instead of the temporary directory."""
    with Bundle(path) as bundle:
        try:
            found = parts(bundle, cgroup=cgroup)
            with replaying(found.sysfs) if found.sysfs is not None else nullcontext():
                yield found, f"{bundle.label}:{KUBELET}"
        except InputError as exc:
            raise renamed(exc, bundle) from None


def bundle_name(path: Path) -> str:
    """A bundle's name when it has no captured hostname: its file name without .tar.gz."""
    name = path.name
    for suffix in (".tar.gz", ".tgz"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


class Replay:
    """A bundle's samples for a sampler that reads a cgroup root and a proc root (`top --bundle`
    replays them once the usage sampler lands): `roots(k)` lays sample k out and says where."""

    def __init__(self, bundle: Bundle) -> None:
        self.bundle = bundle

    @property
    def count(self) -> int:
        return len(self.bundle.manifest.samples)

    @property
    def interval(self) -> float:
        return self.bundle.manifest.interval

    def roots(self, k: int) -> SampleRoots:
        """Sample k in a directory of its own."""
        try:
            return sample_roots(self.bundle, k)
        except InputError as exc:
            raise renamed(exc, self.bundle) from None

    def play(self, k: int) -> SampleRoots:
        """Sample k written over one tree (the same files for every k): what a sampler reading
        the same roots tick after tick sees on the node."""
        try:
            return sample_in_place(self.bundle, k)
        except InputError as exc:
            raise renamed(exc, self.bundle) from None


@contextmanager
def replay(path: Path) -> Iterator[Replay]:
    """The samples of the bundle at `path`, in a private directory removed afterwards."""
    with Bundle(path) as bundle:
        yield Replay(bundle)
