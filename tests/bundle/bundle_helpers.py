"""Bundle tests' helpers: small nodes to capture (a real machine's sysfs snapshot, a fake cgroup
v2 tree with pods) and the paths of the shipped data. (A module of its own, not conftest: other
test directories have a conftest too, and `from conftest import` would find theirs.)"""

from __future__ import annotations

import tarfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SYSFS = REPO / "fixtures" / "sysfs"
KUBELET = REPO / "fixtures" / "kubelet"
BUNDLES = REPO / "fixtures" / "bundles"
PODS = REPO / "workbench" / "data" / "pods"

Run = Callable[..., tuple[int, str, str]]


def unpack_sysfs(name: str, dest: Path) -> Path:
    with tarfile.open(SYSFS / f"{name}.tar.xz") as archive:
        archive.extractall(dest, filter="tar")
    return dest / name


def counters(usage: int) -> dict[str, str]:
    return {
        "cpu.stat": f"usage_usec {usage}\nuser_usec {usage // 2}\nsystem_usec {usage // 2}\n"
        f"nr_periods 10\nnr_throttled 2\nthrottled_usec {usage // 10}",
        "cpu.pressure": "some avg10=0.00 avg60=0.00 avg300=0.00 total=5\n"
        "full avg10=0.00 avg60=0.00 avg300=0.00 total=1",
        "memory.current": str(usage * 4096),
        "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0",
        "memory.numa_stat": f"anon N0={usage} N1=0\nfile N0=0 N1={usage}",
    }


def make_cgroup_tree(root: Path, pods: int = 2) -> list[str]:
    """A kubelet-style (systemd) cgroup v2 tree; returns its container cgroups."""

    def put(rel: str, cpus: str, usage: int) -> None:
        d = root / rel if rel else root
        d.mkdir(parents=True, exist_ok=True)
        files = {"cpuset.cpus": cpus, "cpuset.cpus.effective": cpus, "cpuset.mems": "0-1"}
        files |= {"cpu.max": "max 100000", "cpu.weight": "100", "memory.max": "max"}
        for name, text in (files | counters(usage)).items():
            (d / name).write_text(text + "\n")

    put("", "0-31", 1000)
    (root / "cgroup.controllers").write_text("cpuset cpu io memory pids\n")
    put("kubepods.slice", "0-31", 900)
    put("system.slice", "0-31", 5)  # not below a pod parent: left out
    containers = []
    for p in range(pods):
        pod = f"kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod{p:04d}_abcd.slice"
        put(pod, "0-31", 100 + p)
        for c in range(2):
            rel = f"{pod}/cri-containerd-{p:02d}{c:02d}{'f' * 60}.scope"
            put(rel, f"{2 * p + c}", 10 + c)
            containers.append(rel)
    return containers
