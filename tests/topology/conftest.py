"""Topology test fixtures: the real machines' sysfs trees, unpacked once per session."""

from __future__ import annotations

import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
from topology_fixture_paths import SYSFS_TARBALLS, tree_names


def _unpack(tarball: Path, dest: Path) -> None:
    tar = shutil.which("tar")
    if tar:
        # GNU tar is about 3x faster than tarfile on these ~25,000 tiny files.
        subprocess.run([tar, "-xJf", str(tarball), "-C", str(dest)], check=True)
    else:
        with tarfile.open(tarball) as archive:
            archive.extractall(dest, filter="tar")


@pytest.fixture(scope="session")
def sysfs_trees(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """name -> root directory of each hwloc snapshot (holding sys/devices/system/...)."""
    base = tmp_path_factory.mktemp("sysfs-trees")
    roots: dict[str, Path] = {}
    for name in tree_names():
        _unpack(SYSFS_TARBALLS / f"{name}.tar.xz", base)
        roots[name] = base / name
    return roots
