"""Layouts: kubelet cgroup naming (systemd and cgroupfs drivers), standalone tree, name checks."""

from __future__ import annotations

import pytest

from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.layout import (
    KubeletLayout,
    PodRef,
    StandaloneLayout,
    kubelet_pod_cgroup,
    make_layout,
    runtime_scopes,
)
from workbench.errors import InputError
from workbench.kube.model import PodSpec

UID = "6f1d2c3b-aaaa-4bbb-8ccc-0123456789ab"
UID_ = "6f1d2c3b_aaaa_4bbb_8ccc_0123456789ab"
CID = "3f9c1a2b4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8"


@pytest.mark.parametrize(
    ("driver", "qos", "path"),
    [
        # notes/kubelet-semantics.md §5.1 and cgroups-journal.md §2.5 (kubelet ToSystemd + ExpandSlice)
        ("systemd", "Guaranteed", f"kubepods.slice/kubepods-pod{UID_}.slice"),
        (
            "systemd",
            "Burstable",
            f"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{UID_}.slice",
        ),
        (
            "systemd",
            "BestEffort",
            f"kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod{UID_}.slice",
        ),
        ("cgroupfs", "Guaranteed", f"kubepods/pod{UID}"),
        ("cgroupfs", "Burstable", f"kubepods/burstable/pod{UID}"),
        ("cgroupfs", "BestEffort", f"kubepods/besteffort/pod{UID}"),
    ],
)
def test_kubelet_pod_cgroup_names(driver: str, qos: str, path: str) -> None:
    assert kubelet_pod_cgroup(driver, qos, UID) == path  # type: ignore[arg-type]


def test_bad_uids_and_qos_classes_are_input_errors() -> None:
    for uid in ("../x", "a/b", "x\x00", "", "pod uid"):
        with pytest.raises(InputError):
            kubelet_pod_cgroup("systemd", "Burstable", uid)
    with pytest.raises(InputError):
        kubelet_pod_cgroup("systemd", "Platinum", UID)


def test_standalone_layout_names_the_pod_namespace_underscore_name() -> None:
    pod = PodSpec(name="web", namespace="shop", uid=UID)
    ref = PodRef.from_pod(pod, "Burstable")
    assert ref == PodRef("web", "shop", UID, "Burstable")
    fs = CgroupFS("/nonexistent-root-for-naming", mountinfo="")
    found = StandaloneLayout().locate(fs, ref, ["app", "sidecar"])
    assert found.pod == "workbench.slice/shop_web"
    assert dict(found.containers) == {
        "app": "workbench.slice/shop_web/app",
        "sidecar": "workbench.slice/shop_web/sidecar",
    }
    assert found.create and found.ancestors == ("workbench.slice",)
    nested = StandaloneLayout(parent="a.slice/b.slice").locate(fs, ref, [])
    assert nested.ancestors == ("a.slice", "a.slice/b.slice")


@pytest.mark.parametrize(
    "ref",
    [PodRef(".."), PodRef("a/b"), PodRef("web", namespace=".."), PodRef("w\x00"), PodRef("w\n")],
)
def test_standalone_refuses_names_that_escape(ref: PodRef) -> None:
    fs = CgroupFS("/nonexistent-root-for-naming", mountinfo="")
    with pytest.raises(InputError):
        StandaloneLayout().locate(fs, ref, ["app"])


def test_standalone_refuses_bad_container_names_and_parents() -> None:
    fs = CgroupFS("/nonexistent-root-for-naming", mountinfo="")
    with pytest.raises(InputError):
        StandaloneLayout().locate(fs, PodRef("web"), ["../../x"])
    with pytest.raises(InputError):
        make_layout("standalone", parent="/etc")
    with pytest.raises(InputError):
        make_layout("standalone", parent="a/../../b")
    with pytest.raises(InputError):
        make_layout("k8s")


def test_kubelet_layout_finds_containers_by_id_prefix(sandbox: CgroupFS) -> None:
    pod_dir = kubelet_pod_cgroup("systemd", "Burstable", UID)
    parts = pod_dir.split("/")
    for i in range(len(parts)):
        sandbox.mkdir("/".join(parts[: i + 1]))
    sandbox.mkdir(f"{pod_dir}/cri-containerd-{CID}.scope")
    sandbox.mkdir(f"{pod_dir}/cri-containerd-{'e' * 64}.scope")  # the pause container
    sandbox.mkdir(f"{pod_dir}/crio-conmon-{'c' * 64}.scope")
    assert runtime_scopes(sandbox, pod_dir) == [
        f"cri-containerd-{CID}.scope",
        f"cri-containerd-{'e' * 64}.scope",
    ]
    layout = make_layout("systemd", container_ids={"app": f"containerd://{CID[:12]}", "db": "deadbeef"})
    found = layout.locate(sandbox, PodRef("web", uid=UID, qos_class="Burstable"), ["app", "db", "log"])
    assert dict(found.containers) == {"app": f"{pod_dir}/cri-containerd-{CID}.scope"}
    assert found.missing == ("db", "log")
    assert not found.create
    assert any("deadbeef" in n for n in found.notes)


def test_cgroupfs_layout_finds_bare_container_ids(sandbox: CgroupFS) -> None:
    sandbox.mkdir("kubepods")
    sandbox.mkdir(f"kubepods/pod{UID}")
    sandbox.mkdir(f"kubepods/pod{UID}/{CID}")
    found = KubeletLayout("cgroupfs", {"app": CID}).locate(
        sandbox, PodRef("web", uid=UID, qos_class="Guaranteed"), ["app"]
    )
    assert found.containers["app"] == f"kubepods/pod{UID}/{CID}"


def test_kubelet_layouts_need_the_pod_uid(sandbox: CgroupFS) -> None:
    with pytest.raises(InputError, match="uid"):
        KubeletLayout("systemd").locate(sandbox, PodRef("web", qos_class="Burstable"), [])
    with pytest.raises(InputError):
        KubeletLayout("systemd", {"app": "../../x"}).pod_cgroup(
            PodRef("web", uid="a/b", qos_class="Burstable")
        )
