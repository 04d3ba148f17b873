"""Fixtures for the TUI tests (the helpers themselves live in tui_helpers.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tui_helpers import build_demo_app, make_topology

from workbench.topology.model import Topology

__all__ = ["build_demo_app", "make_topology"]


@pytest.fixture
def snc() -> Topology:
    return make_topology()


SYSFS_TARBALLS = Path(__file__).resolve().parents[2] / "fixtures" / "sysfs"


@pytest.fixture(scope="session")
def sysfs_tree(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """name -> the unpacked sysfs tree of `fixtures/sysfs/<name>.tar.xz` (real machines,
    from hwloc's test suite; see fixtures/sysfs/README.md), unpacked once per session."""
    import tarfile

    base = tmp_path_factory.mktemp("sysfs")

    def tree(name: str) -> Path:
        root = base / name
        if not root.exists():
            with tarfile.open(SYSFS_TARBALLS / f"{name}.tar.xz") as archive:
                archive.extractall(base, filter="tar")
        return root

    return tree
