"""CgroupFS: mode detection, write refusal outside v2, path confinement, single-syscall writes."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cgroup_trees import write_tree

from workbench.cgroups.fs import CgroupFS, detect_mode, parse_mountinfo
from workbench.cgroups.sandbox import init_sandbox, snapshot
from workbench.errors import InputError
from workbench.topology.cpuset import CPUSet

FIXTURES = Path(__file__).parent / "fixtures"


def _mountinfo(*mounts: tuple[str, str]) -> str:
    """mountinfo lines for (mount point, fs type) pairs."""
    return "".join(
        f"{30 + i} 1 0:{40 + i} / {point} rw,relatime - {fstype} {fstype} rw\n"
        for i, (point, fstype) in enumerate(mounts)
    )


# ---- modes ------------------------------------------------------------------------------
def test_this_hosts_hybrid_mountinfo_is_detected_as_hybrid_or_v1() -> None:
    # Captured from the development machine (tmpfs at /sys/fs/cgroup, v1 controllers, cgroup2 at unified).
    text = (FIXTURES / "mountinfo-hybrid.txt").read_text()
    assert detect_mode(Path("/sys/fs/cgroup"), text) == "hybrid"
    assert detect_mode(Path("/sys/fs/cgroup/unified"), text) == "hybrid"
    assert detect_mode(Path("/sys/fs/cgroup/cpuset"), text) == "v1"


def test_a_pure_cgroup2_mount_is_v2_and_writable(tmp_path: Path) -> None:
    fs = CgroupFS(tmp_path, mountinfo=_mountinfo(("/", "ext4"), (str(tmp_path), "cgroup2")))
    assert fs.mode == "v2"
    assert fs.writable and fs.refuse_writes_reason() is None
    below = tmp_path / "kubepods.slice"
    below.mkdir()
    assert CgroupFS(below, mountinfo=_mountinfo((str(tmp_path), "cgroup2"))).mode == "v2"


def test_legacy_and_hybrid_trees_in_a_temp_dir_are_recognised_by_their_files(tmp_path: Path) -> None:
    v1 = tmp_path / "v1"
    write_tree(v1, {"cpuset/tasks": "", "cpuset/cpuset.cpus": "0-3\n", "memory/tasks": ""})
    assert CgroupFS(v1, mountinfo="").mode == "v1"
    hybrid = tmp_path / "hybrid"
    write_tree(hybrid, {"cpuset/tasks": "", "unified/cgroup.controllers": "\n"})
    assert CgroupFS(hybrid, mountinfo="").mode == "hybrid"
    v2 = tmp_path / "v2"
    write_tree(v2, {"cgroup.controllers": "cpuset cpu memory\n"})
    assert CgroupFS(v2, mountinfo="").mode == "v2"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert CgroupFS(empty, mountinfo="").mode == "none"
    assert CgroupFS(tmp_path / "missing", mountinfo="").mode == "none"


def test_mount_points_with_escaped_characters_are_decoded(tmp_path: Path) -> None:
    root = tmp_path / "my cgroups"
    root.mkdir()
    escaped = str(root).replace(" ", "\\040")
    text = f"41 31 0:38 / {escaped} rw,relatime - cgroup2 cgroup2 rw\n"
    assert parse_mountinfo(text)[0].point == str(root)
    assert detect_mode(root, text) == "v2"


def test_v1_mounts_in_mountinfo_make_a_tmpfs_root_v1(tmp_path: Path) -> None:
    text = _mountinfo(
        (str(tmp_path), "tmpfs"), (f"{tmp_path}/cpuset", "cgroup"), (f"{tmp_path}/memory", "cgroup")
    )
    assert detect_mode(tmp_path, text) == "v1"
    text += _mountinfo((f"{tmp_path}/unified", "cgroup2"))
    assert detect_mode(tmp_path, text) == "hybrid"


@pytest.mark.parametrize("layout", ["v1", "hybrid", "none"])
def test_v1_hybrid_and_unknown_trees_are_read_but_never_written(tmp_path: Path, layout: str) -> None:
    files = {"cpuset/tasks": "", "cpuset/cpuset.cpus": "0-3\n"}
    if layout == "hybrid":
        files["unified/cgroup.controllers"] = "\n"
    if layout == "none":
        files = {"notes.txt": "x"}
    write_tree(tmp_path, files)
    fs = CgroupFS(tmp_path, mountinfo="")
    assert fs.mode == layout
    reason = fs.refuse_writes_reason()
    assert reason is not None and str(tmp_path) in reason
    assert not fs.writable
    if layout != "none":
        assert fs.read("cpuset", "cpuset.cpus") == "0-3"
        assert "v2 only" in reason
    with pytest.raises(InputError) as e:
        fs.write("cpuset", "cpuset.cpus", "0")
    assert e.value.problem == reason
    with pytest.raises(InputError):
        fs.mkdir("new")
    assert not (tmp_path / "new").exists()
    if layout != "none":
        assert (tmp_path / "cpuset" / "cpuset.cpus").read_text() == "0-3\n"


def test_a_sandbox_marker_on_a_real_cgroup_mount_is_ignored(tmp_path: Path) -> None:
    init_sandbox(tmp_path, cpus=CPUSet.parse("0-1"), mountinfo="")
    fs = CgroupFS(tmp_path, mountinfo=_mountinfo((str(tmp_path), "cgroup2")))
    assert fs.mode == "v2" and fs.kernel is None


def test_init_sandbox_refuses_real_cgroup_mounts_and_foreign_directories(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        init_sandbox(tmp_path, cpus=CPUSet.parse("0"), mountinfo=_mountinfo((str(tmp_path), "cgroup2")))
    with pytest.raises(InputError):
        init_sandbox(Path("/sys/fs/cgroup/workbench-test"), cpus=CPUSet.parse("0"), mountinfo="")
    (tmp_path / "precious.txt").write_text("keep me")
    with pytest.raises(InputError):
        init_sandbox(tmp_path, cpus=CPUSet.parse("0"), mountinfo="")
    assert (tmp_path / "precious.txt").read_text() == "keep me"


# ---- confinement ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cgroup", "file"),
    [
        ("..", ""),
        ("a/../..", ""),
        ("a/..", "cpu.max"),
        ("/etc", ""),
        ("a\x00b", ""),
        ("a", "../cpu.max"),
        ("a", "x/y"),
        ("a//b", ""),
        ("a/\x1b[31m", ""),
        (".", "cpu.max"),
    ],
)
def test_paths_that_could_leave_the_root_are_refused(tmp_path: Path, cgroup: str, file: str) -> None:
    init_sandbox(tmp_path, cpus=CPUSet.parse("0-1"), mountinfo="")
    fs = CgroupFS(tmp_path, mountinfo="")
    with pytest.raises(InputError):
        fs.resolve(cgroup, file)
    with pytest.raises(InputError):
        fs.write(cgroup, file or "cpu.max", "max")
    with pytest.raises(InputError):
        fs.read(cgroup, file or "cpu.max")


def test_a_symlinked_cgroup_is_never_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "cpu.max").write_text("untouched\n")
    root = tmp_path / "root"
    init_sandbox(root, cpus=CPUSet.parse("0-1"), mountinfo="")
    fs = CgroupFS(root, mountinfo="")
    fs.mkdir("a")
    (root / "a" / "evil").symlink_to(outside)
    with pytest.raises(InputError):
        fs.write("a/evil", "cpu.max", "max")
    with pytest.raises(InputError):
        fs.read("a/evil", "cpu.max")
    with pytest.raises(InputError):  # the usage view's listing reads through read_many
        fs.read_many("a/evil", ["cpu.max", "cpuset.cpus"])
    (root / "a" / "cpu.weight").symlink_to(outside / "cpu.max")
    with pytest.raises(InputError):
        fs.read("a", "cpu.weight")
    with pytest.raises(InputError):
        fs.read_many("a", ["cpu.max", "cpu.weight"])
    assert fs.read("a", "no.such.file") is None
    assert fs.read_many("a/missing", ["cpu.max"]) == {"cpu.max": None}
    with pytest.raises(InputError):
        fs.mkdir("a/evil/sub")
    assert (outside / "cpu.max").read_text() == "untouched\n"
    assert not (outside / "sub").exists()
    assert "evil" not in fs.children("a")


def test_a_directory_swapped_for_a_symlink_after_the_check_is_still_not_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outside = tmp_path / "outside"
    write_tree(outside, {"cpu.max": "untouched\n"})
    root = tmp_path / "v2"
    write_tree(root, {"cgroup.controllers": "cpu\n"})
    (root / "a").symlink_to(outside)
    fs = CgroupFS(root, mountinfo="")
    # the race: the lstat walk saw a directory, then someone swapped in a link
    monkeypatch.setattr(fs, "resolve", lambda cgroup, file="": root / cgroup / file)
    with pytest.raises(OSError) as e:
        fs.write("a", "cpu.max", "max")
    assert e.value.errno in (errno.ELOOP, errno.ENOTDIR)
    try:
        assert fs.read("a", "cpu.max") is None  # the link is not a directory here
    except OSError as err:
        assert err.errno == errno.ELOOP
    assert (outside / "cpu.max").read_text() == "untouched\n"


def test_a_symlinked_interface_file_is_never_written(tmp_path: Path) -> None:
    target = tmp_path / "target"
    target.write_text("keep\n")
    root = tmp_path / "v2"
    write_tree(root, {"cgroup.controllers": "cpu\n", "a/cgroup.procs": ""})
    (root / "a" / "cpu.max").symlink_to(target)
    fs = CgroupFS(root, mountinfo="")
    assert fs.mode == "v2"
    with pytest.raises(InputError):
        fs.write("a", "cpu.max", "max")
    assert target.read_text() == "keep\n"


# ---- writes -----------------------------------------------------------------------------
def test_a_v2_write_is_one_write_of_the_value_and_never_creates_files(tmp_path: Path) -> None:
    write_tree(tmp_path, {"cgroup.controllers": "cpu\n", "a/cpu.max": "max 100000\n"})
    fs = CgroupFS(tmp_path, mountinfo="")
    fs.write("a", "cpu.max", "50000 100000")
    # O_WRONLY without O_TRUNC: the kernel replaces the value; a plain file keeps the tail
    assert (tmp_path / "a" / "cpu.max").read_text().startswith("50000 100000")
    with pytest.raises(OSError) as e:
        fs.write("a", "memory.max", "max")
    assert e.value.errno == errno.ENOENT
    assert not (tmp_path / "a" / "memory.max").exists()
    assert fs.writes_done == 1


def test_mkdir_and_rmdir_on_a_real_tree_touch_exactly_the_named_cgroup(tmp_path: Path) -> None:
    # Found by the fidelity run on a real kernel: mkdir "x/y" with no "x" must be ENOENT, not
    # create "x".
    write_tree(tmp_path, {"cgroup.controllers": "cpu\n"})
    fs = CgroupFS(tmp_path, mountinfo="")
    with pytest.raises(FileNotFoundError):
        fs.mkdir("x/y")
    assert not (tmp_path / "x").exists()
    fs.mkdir("x")
    fs.mkdir("x/y")
    assert (tmp_path / "x" / "y").is_dir()
    with pytest.raises(OSError) as e:
        fs.rmdir("x")
    assert e.value.errno == errno.ENOTEMPTY
    fs.rmdir("x/y")
    assert not (tmp_path / "x" / "y").exists() and (tmp_path / "x").is_dir()
    assert fs.resolve("x/y/z", "cpu.max") == tmp_path / "x" / "y" / "z" / "cpu.max"


def test_the_kernels_errno_surfaces_at_the_write(sandbox: CgroupFS) -> None:
    (sandbox.root / ".workbench-faults").write_text("errno-at-write:1:EPERM\n")
    with pytest.raises(OSError) as e:
        sandbox.write("", "cgroup.subtree_control", "+cpu")
    assert e.value.errno == errno.EPERM
    assert sandbox.writes_done == 0


def test_identity_is_the_directory_inode_and_disappears_with_the_cgroup(sandbox: CgroupFS) -> None:
    sandbox.mkdir("a")
    st = os.lstat(sandbox.root / "a")
    assert sandbox.identity("a") == (st.st_dev, st.st_ino)
    assert sandbox.inode("a") == st.st_ino
    sandbox.rmdir("a")
    assert sandbox.identity("a") is None and sandbox.inode("a") is None
    assert sandbox.identity("") is not None


def test_cgroup_of_pid_in_a_sandbox(sandbox: CgroupFS) -> None:
    sandbox.mkdir("a")
    assert sandbox.cgroup_of_pid(4242) == ""
    sandbox.write("a", "cgroup.procs", "4242")
    assert sandbox.cgroup_of_pid(4242) == "a"


_KILL_SCRIPT = """
import sys
from workbench.cgroups.fs import CgroupFS
fs = CgroupFS(sys.argv[1], mountinfo="")
fs.write("", "cgroup.subtree_control", "+cpu")
fs.mkdir("a")
fs.write("a", "cpu.max", "50000 100000")
fs.write("a", "cpu.weight", "7")
print("survived")
"""


def test_kill_after_write_hook_kills_the_process_right_after_its_nth_write(sandbox: CgroupFS) -> None:
    env = dict(os.environ, WORKBENCH_FAULT="kill-after-write:2")
    proc = subprocess.run(
        [sys.executable, "-c", _KILL_SCRIPT, str(sandbox.root)], env=env, capture_output=True, text=True
    )
    assert proc.returncode == -9
    assert "survived" not in proc.stdout
    tree = snapshot(sandbox.root)
    assert tree["a/cpu.max"] == "50000 100000\n"
    assert tree["a/cpu.weight"] == "100\n"
