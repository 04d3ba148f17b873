"""Fixtures for the cgroup layer: sandboxes (fake cgroup v2 trees) in temporary directories."""

from __future__ import annotations

from pathlib import Path

import pytest
from cgroup_trees import MakeSandbox

from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.sandbox import init_sandbox
from workbench.topology.cpuset import CPUSet


@pytest.fixture(autouse=True)
def _no_fault_env(monkeypatch: pytest.MonkeyPatch) -> None:
    # A developer's shell must not inject faults into these tests.
    monkeypatch.delenv("WORKBENCH_FAULT", raising=False)
    monkeypatch.delenv("WORKBENCH_CGROUP_FAULTS", raising=False)


@pytest.fixture
def make_sandbox(tmp_path: Path) -> MakeSandbox:
    """A fresh sandbox (8 CPUs, 2 NUMA nodes unless told) and a CgroupFS on it."""
    count = 0

    def make(cpus: str = "0-7", mems: str = "0-1", **options: str) -> CgroupFS:
        nonlocal count
        count += 1
        root = tmp_path / f"sandbox{count}"
        init_sandbox(root, cpus=CPUSet.parse(cpus), mems=CPUSet.parse(mems), mountinfo="", **options)
        return CgroupFS(root, mountinfo="")

    return make


@pytest.fixture
def sandbox(make_sandbox: MakeSandbox) -> CgroupFS:
    return make_sandbox()
