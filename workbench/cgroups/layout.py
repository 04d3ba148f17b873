"""Where a pod and its containers live in the cgroup tree.

Three layouts:

- `StandaloneLayout(parent="workbench.slice")`: the tool's own tree,
  `<parent>/<namespace>_<name>/<container>`, every directory created by the plan as needed;
  processes are attached with `--attach CONTAINER=PID`.
- `KubeletLayout("systemd")`: the kubelet's systemd driver:
  `kubepods.slice/kubepods-<qos>.slice/kubepods-<qos>-pod<uid_>.slice/<runtime scope>`, where
  `<uid_>` is the pod UID with "-" replaced by "_"; Guaranteed pods sit directly in
  `kubepods.slice/kubepods-pod<uid_>.slice`. Container scopes: `cri-containerd-<id>.scope`
  (containerd), `crio-<id>.scope` (CRI-O), `docker-<id>.scope`.
- `KubeletLayout("cgroupfs")`: `kubepods/<qos>/pod<uid>/<id>`; Guaranteed `kubepods/pod<uid>`.

On a real node the pod directory must already exist (the kubelet made it) and is never
created. The cgroup of a container is its runtime scope, named by the container ID, which the
pod YAML does not hold: pass `container_ids` (container name -> ID, e.g. from
`crictl ps --pod POD_ID` or the pod's `status.containerStatuses[].containerID` without its
`containerd://` prefix; a unique prefix of the ID is enough). A container without an ID, or
whose scope is not found, is reported in `PodCgroups.missing` and left out of the plan: the
pod directory also holds the sandbox ("pause") scope, so scopes cannot be matched to names by
elimination. `runtime_scopes(fs, pod_cgroup)` lists the scopes found, for the operator.

Every name taken from pod YAML (namespace, name, UID, container names, IDs) is checked so it
cannot escape the cgroup root: no "..", "/", NUL or control characters.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, Protocol

from workbench.cgroups.fs import CgroupFS, check_name, join, split_cgroup
from workbench.errors import InputError
from workbench.kube.model import PodSpec

Driver = Literal["systemd", "cgroupfs"]
LAYOUT_NAMES = ("standalone", "systemd", "cgroupfs")
DEFAULT_PARENT = "workbench.slice"
SCOPE_PREFIXES = ("cri-containerd-", "crio-", "docker-")


@dataclass(frozen=True)
class PodRef:
    """The pod identity a layout needs. `qos_class` is "Guaranteed", "Burstable" or "BestEffort"."""

    name: str
    namespace: str = "default"
    uid: str = ""
    qos_class: str = ""

    @classmethod
    def from_pod(cls, pod: PodSpec, qos_class: str) -> PodRef:
        return cls(name=pod.name, namespace=pod.namespace, uid=pod.uid, qos_class=qos_class)


@dataclass(frozen=True)
class PodCgroups:
    """The cgroup directories (relative to the root) of one pod, as a layout found or named them."""

    layout: str
    pod: str
    # container name -> cgroup directory (containers whose cgroup is known)
    containers: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # containers asked for whose cgroup could not be found (kubelet layouts only)
    missing: tuple[str, ...] = ()
    # True when the plan may create the directories (standalone); kubelet layouts never create
    create: bool = False
    notes: tuple[str, ...] = ()

    @property
    def ancestors(self) -> tuple[str, ...]:
        """The root's descendants above the pod directory, top-down ("a", "a/b")."""
        parts = self.pod.split("/")[:-1]
        return tuple("/".join(parts[: i + 1]) for i in range(len(parts)))


class Layout(Protocol):
    @property
    def name(self) -> str:
        """The layout's CLI name: "standalone", "systemd" or "cgroupfs"."""
        ...

    def locate(self, fs: CgroupFS, pod: PodRef, containers: Sequence[str]) -> PodCgroups:
        """The pod's cgroups for `containers` (names from the Decision), found in or named for `fs`."""
        ...


def _check_pod(pod: PodRef) -> None:
    check_name(pod.name, what="pod name")
    check_name(pod.namespace, what="pod namespace")


@dataclass(frozen=True)
class StandaloneLayout:
    """The tool's own tree under `parent` (created as needed)."""

    parent: str = DEFAULT_PARENT

    @property
    def name(self) -> str:
        return "standalone"

    def pod_cgroup(self, pod: PodRef) -> str:
        _check_pod(pod)
        split_cgroup(self.parent)
        return join(self.parent, check_name(f"{pod.namespace}_{pod.name}", what="pod cgroup name"))

    def locate(self, fs: CgroupFS, pod: PodRef, containers: Sequence[str]) -> PodCgroups:
        pod_dir = self.pod_cgroup(pod)
        mapping = {c: join(pod_dir, check_name(c, what="container name")) for c in containers}
        return PodCgroups(self.name, pod_dir, MappingProxyType(mapping), create=True)


def systemd_uid(uid: str) -> str:
    """The pod UID as the systemd driver spells it: "-" becomes "_"."""
    return uid.replace("-", "_")


def kubelet_pod_cgroup(driver: Driver, qos_class: str, uid: str) -> str:
    """The kubelet's pod cgroup (relative to the cgroup root) for a QoS class and pod UID."""
    check_name(uid, what="pod UID")
    if not uid.replace("-", "").replace("_", "").isalnum():
        raise InputError(
            f"pod UID {uid!r} is not a UID",
            field="metadata.uid",
            fix="copy it from `kubectl get pod -o yaml`",
        )
    qos = {"Guaranteed": "", "Burstable": "burstable", "BestEffort": "besteffort"}.get(qos_class)
    if qos is None:
        raise InputError(f"unknown QoS class {qos_class!r}", fix="Guaranteed, Burstable or BestEffort")
    if driver == "cgroupfs":
        return join("kubepods", qos, f"pod{uid}")
    # ToSystemd then ExpandSlice: a-b-c.slice lives at a.slice/a-b.slice/a-b-c.slice
    parts = ["kubepods"] + ([qos] if qos else []) + [f"pod{systemd_uid(uid)}"]
    return "/".join("-".join(parts[: i + 1]) + ".slice" for i in range(len(parts)))


def runtime_scopes(fs: CgroupFS, pod_cgroup: str) -> list[str]:
    """Container cgroups under a kubelet pod cgroup (runtime scopes, or bare IDs for cgroupfs)."""
    out = []
    for child in fs.children(pod_cgroup):
        if "conmon" in child:
            continue
        if child.endswith(".scope") or (child.isalnum() and len(child) >= 12):
            out.append(child)
    return out


def _scope_id(child: str) -> str:
    name = child.removesuffix(".scope")
    for prefix in SCOPE_PREFIXES:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


@dataclass(frozen=True)
class KubeletLayout:
    """The kubelet's own tree (systemd or cgroupfs driver); containers found by their IDs."""

    driver: Driver = "systemd"
    container_ids: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def name(self) -> str:
        return self.driver

    def pod_cgroup(self, pod: PodRef) -> str:
        if not pod.uid:
            raise InputError(
                f"pod {pod.namespace}/{pod.name} has no metadata.uid; "
                f"the {self.driver} layout finds pods by UID",
                field="metadata.uid",
                fix="use the pod as `kubectl get pod -o yaml` prints it, or --layout standalone",
            )
        return kubelet_pod_cgroup(self.driver, pod.qos_class, pod.uid)

    def locate(self, fs: CgroupFS, pod: PodRef, containers: Sequence[str]) -> PodCgroups:
        pod_dir = self.pod_cgroup(pod)
        if not fs.exists(pod_dir):
            raise InputError(
                f"pod cgroup {fs.display(pod_dir)} does not exist",
                fix="check the pod runs on this node, its QoS class and --layout",
            )
        scopes = runtime_scopes(fs, pod_dir)
        found: dict[str, str] = {}
        missing: list[str] = []
        notes: list[str] = []
        for name in containers:
            check_name(name, what="container name")
            cid = self.container_ids.get(name, "")
            if not cid:
                missing.append(name)
                continue
            cid = cid.split("://", 1)[-1]
            check_name(cid, what="container ID")
            matches = [s for s in scopes if _scope_id(s).startswith(cid)]
            if len(matches) == 1:
                found[name] = join(pod_dir, matches[0])
            else:
                missing.append(name)
                notes.append(
                    f"container {name}: {'no' if not matches else 'more than one'} scope matches ID {cid}"
                )
        unknown = sorted(set(self.container_ids) - set(containers))
        if unknown:
            notes.append(f"container IDs given for containers not in this plan: {', '.join(unknown)}")
        if missing:
            notes.append(
                "containers without a cgroup are left out: "
                + ", ".join(missing)
                + f" (scopes here: {', '.join(scopes) or 'none'}; give --container-id NAME=ID)"
            )
        return PodCgroups(
            self.driver,
            pod_dir,
            MappingProxyType(found),
            missing=tuple(missing),
            create=False,
            notes=tuple(notes),
        )


def make_layout(
    name: str,
    *,
    parent: str = DEFAULT_PARENT,
    container_ids: Mapping[str, str] | None = None,
) -> Layout:
    """A layout by its CLI name: "standalone", "systemd" or "cgroupfs"."""
    if name == "standalone":
        split_cgroup(parent)
        return StandaloneLayout(parent=parent)
    if name == "systemd":
        return KubeletLayout("systemd", MappingProxyType(dict(container_ids or {})))
    if name == "cgroupfs":
        return KubeletLayout("cgroupfs", MappingProxyType(dict(container_ids or {})))
    raise InputError(f"unknown layout {name!r}", field="--layout", fix="standalone, systemd or cgroupfs")
