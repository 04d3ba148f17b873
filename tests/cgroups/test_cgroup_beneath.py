"""Sandbox writes are confined like cgroupfs writes: descriptor-relative, no link followed, and
no file with a second (hard) link written through (issue 14: in 10 of 30 runs a directory
swapped for a symlink during `commit --apply` let writes land outside the sandbox)."""

from __future__ import annotations

import errno
import os
import threading
from pathlib import Path

import pytest
from cgroup_trees import MakeSandbox

from workbench.cgroups.kernel import Kernel
from workbench.cgroups.sandbox import snapshot


def _outside(tmp_path: Path) -> Path:
    out = tmp_path / "outside"
    out.mkdir()
    (out / "cpu.max").write_text("max 100000\n")
    (out / "cgroup.procs").write_text("")
    return out


def test_a_hard_link_planted_in_the_sandbox_is_not_written_through(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    fs = make_sandbox()
    fs.write("", "cgroup.subtree_control", "+cpu")
    fs.mkdir("a")
    outside = _outside(tmp_path)
    (fs.root / "a" / "cpu.max").unlink()
    os.link(outside / "cpu.max", fs.root / "a" / "cpu.max")
    with pytest.raises(OSError) as caught:
        fs.write("a", "cpu.max", "50000 100000")
    assert caught.value.errno == errno.EMLINK
    assert (outside / "cpu.max").read_text() == "max 100000\n"


def test_the_kernel_model_never_follows_a_directory_swapped_for_a_symlink(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    fs = make_sandbox()
    fs.write("", "cgroup.subtree_control", "+cpu")
    fs.mkdir("a")
    outside = _outside(tmp_path)
    # The swap happens after CgroupFS checked the path: the model gets the already-checked name.
    os.rename(fs.root / "a", fs.root / "a-old")
    os.symlink(outside, fs.root / "a")
    with pytest.raises(OSError) as caught:
        Kernel(fs.root).write("a", "cpu.max", "50000 100000")
    assert caught.value.errno in (errno.ELOOP, errno.ENOTDIR, errno.ENOENT)
    assert (outside / "cpu.max").read_text() == "max 100000\n"
    with pytest.raises(OSError):
        Kernel(fs.root).mkdir("a/b")
    assert sorted(p.name for p in outside.iterdir()) == ["cgroup.procs", "cpu.max"]


def test_swapping_directories_for_symlinks_during_writes_never_reaches_outside(
    make_sandbox: MakeSandbox, tmp_path: Path
) -> None:
    """A swapper thread races a writer; whatever wins, nothing outside changes."""
    fs = make_sandbox()
    fs.write("", "cgroup.subtree_control", "+cpu")
    fs.mkdir("a")
    outside = _outside(tmp_path)
    real, link, parked = fs.root / "a", fs.root / "a-link", fs.root / "a-real"
    os.symlink(outside, link)
    stop = threading.Event()

    def swap() -> None:
        while not stop.is_set():
            try:
                os.rename(real, parked)
                os.rename(link, real)
                os.rename(real, link)
                os.rename(parked, real)
            except OSError:
                pass

    swapper = threading.Thread(target=swap)
    swapper.start()
    try:
        for i in range(300):
            try:
                fs.write("a", "cpu.max", f"{1000 + i} 100000")
            except (OSError, ValueError):
                pass
            except Exception as exc:  # InputError: the path check caught the link itself
                assert "symlink" in str(exc)
    finally:
        stop.set()
        swapper.join()
    assert (outside / "cpu.max").read_text() == "max 100000\n"
    assert "outside" not in str(snapshot(fs.root).keys())
