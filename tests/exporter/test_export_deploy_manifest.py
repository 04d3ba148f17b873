"""deploy/daemonset.yaml runs the CLI it ships with: its command parses with `workbench`'s own
parser, the port it listens on is the one the pod, the Service and the scrape config name, and
every path it reads is under a read-only hostPath mount of /sys or /var/lib/kubelet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from workbench.cli.main import build_parser

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"


def _docs(name: str) -> list[dict[str, Any]]:
    with open(DEPLOY / name, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def _kind(kind: str) -> dict[str, Any]:
    (doc,) = [d for d in _docs("daemonset.yaml") if d["kind"] == kind]
    return doc


@pytest.fixture
def container() -> dict[str, Any]:
    (c,) = _kind("DaemonSet")["spec"]["template"]["spec"]["containers"]
    return c


def test_the_command_is_a_valid_export_invocation(container: dict[str, Any]) -> None:
    command = container["command"]
    assert command[0] == "workbench"
    args = build_parser().parse_args(command[1:])
    assert args.command == "export"
    assert args.func.__module__ == "workbench.cli.export"


def test_the_port_agrees_everywhere(container: dict[str, Any]) -> None:
    args = build_parser().parse_args(container["command"][1:])
    port = int(args.listen.rpartition(":")[2])
    (cport,) = container["ports"]
    assert cport["containerPort"] == port
    svc = _kind("Service")
    (sport,) = svc["spec"]["ports"]
    assert sport["port"] == port and sport["targetPort"] == cport["name"]
    # Prometheus keeps the Service's endpoint port by that name.
    (job,) = _docs("prometheus-scrape.yaml")[0]["scrape_configs"]
    keep = [r for r in job["relabel_configs"] if r.get("action") == "keep"]
    assert keep and keep[0]["regex"] == f"{svc['metadata']['name']};{cport['name']}"
    assert svc["spec"]["selector"] == _kind("DaemonSet")["spec"]["selector"]["matchLabels"]


def test_every_path_read_is_under_a_read_only_host_mount(container: dict[str, Any]) -> None:
    args = build_parser().parse_args(container["command"][1:])
    pod = _kind("DaemonSet")["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = container["volumeMounts"]
    assert mounts and all(m["readOnly"] is True for m in mounts)
    by_path = {m["mountPath"]: volumes[m["name"]]["hostPath"]["path"] for m in mounts}
    assert set(by_path.values()) == {"/sys", "/var/lib/kubelet"}

    def host_path(p: str) -> str:
        for mount, host in by_path.items():
            if p == mount or p.startswith(mount + "/"):
                return host + p[len(mount) :]
        raise AssertionError(f"{p} is not under a mount")

    # --sysfs-root R reads R/sys/devices/system/...
    assert host_path(args.sysfs_root + "/sys/devices/system") == "/sys/devices/system"
    assert host_path(args.cgroup_root) == "/sys/fs/cgroup"
    assert host_path(args.kubelet_dir) == "/var/lib/kubelet"


def test_the_pod_runs_unprivileged_read_only_with_requests(container: dict[str, Any]) -> None:
    sc = container["securityContext"]
    assert sc["privileged"] is False and sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    pod = _kind("DaemonSet")["spec"]["template"]["spec"]
    assert not pod.get("hostPID") and not pod.get("hostNetwork")
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
