"""Topology test fixtures: real machines' sysfs trees (unpacked on first use) and scratch dirs.

Sysfs trees are thousands of tiny files; on a disk-backed /tmp creating them can take a minute
on a busy machine, on tmpfs a few seconds. So scratch space is on /dev/shm when it is there.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from topology_fixture_paths import SYSFS_TARBALLS, tree_names


def _unpack(tarball: Path, dest: Path) -> None:
    tar = shutil.which("tar")
    if tar:
        # GNU tar is about 3x faster than tarfile on these tiny files.
        subprocess.run([tar, "-xJf", str(tarball), "-C", str(dest)], check=True)
    else:
        with tarfile.open(tarball) as archive:
            archive.extractall(dest, filter="tar")


class _Trees(Mapping[str, Path]):
    """name -> unpacked root; each tarball is unpacked the first time a test asks for it."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.names = tree_names()

    def __getitem__(self, name: str) -> Path:
        if name not in self.names:
            raise KeyError(name)
        root = self.base / name
        if not root.exists():
            _unpack(SYSFS_TARBALLS / f"{name}.tar.xz", self.base)
        return root

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)


@pytest.fixture(scope="session")
def scratch_base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        base = Path(tempfile.mkdtemp(prefix="workbench-topology-", dir=shm))
        try:
            yield base
        finally:
            shutil.rmtree(base, ignore_errors=True)
    else:
        yield tmp_path_factory.mktemp("topology-scratch")


@pytest.fixture(scope="session")
def sysfs_trees(scratch_base: Path) -> Mapping[str, Path]:
    trees = scratch_base / "trees"
    trees.mkdir()
    return _Trees(trees)


_counter = itertools.count()


@pytest.fixture
def fast_tmp(scratch_base: Path) -> Path:
    """A fresh empty directory on the fastest scratch filesystem."""
    d = scratch_base / f"t{next(_counter)}"
    d.mkdir()
    return d
