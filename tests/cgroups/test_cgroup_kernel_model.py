"""The fake kernel: each cgroup v2 rule the tool relies on, one test each (notes §1 of cgroups-journal)."""

from __future__ import annotations

import errno
import tempfile

import pytest
from cgroup_trees import MakeSandbox, kernel
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.sandbox import init_sandbox
from workbench.topology.cpuset import CPUSet


def _errno(excinfo: pytest.ExceptionInfo[OSError]) -> int | None:
    return excinfo.value.errno


def test_mkdir_creates_only_the_files_of_controllers_the_parent_enables(sandbox: CgroupFS) -> None:
    sandbox.mkdir("a")
    assert sandbox.read("a", "cgroup.controllers") == ""
    assert sandbox.read("a", "cgroup.procs") == ""
    assert sandbox.read("a", "cpuset.cpus") is None
    sandbox.write("", "cgroup.subtree_control", "+cpuset +cpu")
    sandbox.mkdir("b")
    assert sandbox.read("b", "cgroup.controllers") == "cpuset cpu"
    assert sandbox.read("b", "cpuset.cpus") == ""
    assert sandbox.read("b", "cpuset.cpus.effective") == "0-7"
    assert sandbox.read("b", "cpuset.mems.effective") == "0-1"
    assert sandbox.read("b", "cpu.max") == "max 100000"
    assert sandbox.read("b", "cpu.weight") == "100"
    assert sandbox.read("b", "memory.max") is None


def test_enabling_a_controller_gives_existing_children_its_files_and_disabling_removes_them(
    sandbox: CgroupFS,
) -> None:
    sandbox.mkdir("a")
    sandbox.write("", "cgroup.subtree_control", "+memory")
    assert sandbox.read("a", "memory.max") == "max"
    assert sandbox.read("a", "memory.current") == "0"
    sandbox.write("", "cgroup.subtree_control", "-memory")
    assert sandbox.read("a", "memory.max") is None
    assert sandbox.read("", "cgroup.subtree_control") == ""


def test_enabling_a_controller_the_parent_does_not_offer_is_enoent(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpu")
    sandbox.mkdir("a")
    with pytest.raises(OSError) as e:
        sandbox.write("a", "cgroup.subtree_control", "+memory")
    assert _errno(e) == errno.ENOENT


def test_subtree_control_write_is_all_or_nothing(sandbox: CgroupFS) -> None:
    with pytest.raises(OSError) as e:
        sandbox.write("", "cgroup.subtree_control", "+cpu +bogus")
    assert _errno(e) == errno.EINVAL
    assert sandbox.read("", "cgroup.subtree_control") == ""
    with pytest.raises(OSError) as e:
        sandbox.write("", "cgroup.subtree_control", "cpu")
    assert _errno(e) == errno.EINVAL


def test_last_token_wins_in_subtree_control(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpu -cpu +memory")
    assert sandbox.read("", "cgroup.subtree_control") == "memory"


def test_no_internal_processes_cgroup_with_processes_cannot_enable_domain_controllers(
    sandbox: CgroupFS,
) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpu +memory")
    sandbox.mkdir("a")
    sandbox.write("a", "cgroup.procs", "1234")
    with pytest.raises(OSError) as e:
        sandbox.write("a", "cgroup.subtree_control", "+memory")
    assert _errno(e) == errno.EBUSY
    # cpu is a threaded controller: it may compete with the cgroup's own tasks (as on 6.1)
    sandbox.write("a", "cgroup.subtree_control", "+cpu")
    # ... unless a child is populated
    sandbox.write("a", "cgroup.subtree_control", "-cpu")
    sandbox.mkdir("a/b")
    sandbox.write("a/b", "cgroup.procs", "77")
    with pytest.raises(OSError) as e:
        sandbox.write("a", "cgroup.subtree_control", "+cpu")
    assert _errno(e) == errno.EBUSY
    # the root is exempt
    sandbox.write("", "cgroup.procs", "99")
    sandbox.write("", "cgroup.subtree_control", "+cpuset")


def test_a_controller_a_child_still_enables_cannot_be_disabled(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpu")
    sandbox.mkdir("a")
    sandbox.write("a", "cgroup.subtree_control", "+cpu")
    with pytest.raises(OSError) as e:
        sandbox.write("", "cgroup.subtree_control", "-cpu")
    assert _errno(e) == errno.EBUSY


def test_cpuset_request_is_narrowed_to_the_parent_effective_set(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpuset")
    sandbox.mkdir("p")
    sandbox.write("p", "cpuset.cpus", "0-3")
    sandbox.write("p", "cgroup.subtree_control", "+cpuset")
    sandbox.mkdir("p/c")
    sandbox.write("p/c", "cpuset.cpus", "2-5")
    assert sandbox.read("p/c", "cpuset.cpus") == "2-5"
    assert sandbox.read("p/c", "cpuset.cpus.effective") == "2-3"


def test_cpuset_request_with_nothing_grantable_silently_inherits_the_parent(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpuset")
    sandbox.mkdir("p")
    sandbox.write("p", "cpuset.cpus", "0-3")
    sandbox.write("p", "cgroup.subtree_control", "+cpuset")
    sandbox.mkdir("p/c")
    sandbox.write("p/c", "cpuset.cpus", "6-7")
    assert sandbox.read("p/c", "cpuset.cpus.effective") == "0-3"


def test_shrinking_a_parent_narrows_effective_sets_down_the_tree(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpuset")
    sandbox.mkdir("p")
    sandbox.write("p", "cgroup.subtree_control", "+cpuset")
    sandbox.mkdir("p/c")
    sandbox.write("p/c", "cgroup.subtree_control", "+cpuset")
    sandbox.mkdir("p/c/g")
    sandbox.write("p/c", "cpuset.cpus", "2-7")
    sandbox.write("p/c/g", "cpuset.cpus", "4-7")
    sandbox.write("p", "cpuset.cpus", "0-5")
    assert sandbox.read("p/c", "cpuset.cpus.effective") == "2-5"
    assert sandbox.read("p/c/g", "cpuset.cpus.effective") == "4-5"
    # the requests are kept; growing the parent again restores the effective sets
    sandbox.write("p", "cpuset.cpus", "")
    assert sandbox.read("p/c/g", "cpuset.cpus.effective") == "4-7"


def test_cpus_or_nodes_the_machine_lacks_are_refused(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpuset")
    sandbox.mkdir("a")
    for file, value, code in (
        ("cpuset.cpus", "0-8", errno.ERANGE),
        ("cpuset.mems", "2", errno.EINVAL),
        ("cpuset.cpus", "zero", errno.EINVAL),
    ):
        with pytest.raises(OSError) as e:
            sandbox.write("a", file, value)
        assert _errno(e) == code
    assert sandbox.read("a", "cpuset.cpus") == ""


def test_strict_rules_refuse_a_child_outside_its_parent_and_a_parent_below_its_child(
    make_sandbox: MakeSandbox,
) -> None:
    fs = make_sandbox(cpuset_rules="strict")
    fs.write("", "cgroup.subtree_control", "+cpuset")
    fs.mkdir("p")
    fs.write("p", "cpuset.cpus", "0-3")
    fs.write("p", "cgroup.subtree_control", "+cpuset")
    fs.mkdir("p/c")
    with pytest.raises(OSError) as e:
        fs.write("p/c", "cpuset.cpus", "2-5")
    assert _errno(e) == errno.EACCES
    fs.write("p/c", "cpuset.cpus", "2-3")
    with pytest.raises(OSError) as e:
        fs.write("p", "cpuset.cpus", "0-2")
    assert _errno(e) == errno.EBUSY
    assert fs.read("p", "cpuset.cpus") == "0-3"


def test_strict_rules_refuse_a_task_in_a_cpuset_not_yet_set(make_sandbox: MakeSandbox) -> None:
    fs = make_sandbox(cpuset_rules="strict")
    fs.write("", "cgroup.subtree_control", "+cpuset")
    fs.mkdir("a")
    with pytest.raises(OSError) as e:
        fs.write("a", "cgroup.procs", "10")
    assert _errno(e) == errno.ENOSPC
    fs.write("a", "cpuset.cpus", "1")
    fs.write("a", "cpuset.mems", "0")
    fs.write("a", "cgroup.procs", "10")


def test_cpu_max_forms_and_bounds(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpu")
    sandbox.mkdir("a")
    sandbox.write("a", "cpu.max", "50000 200000")
    assert sandbox.read("a", "cpu.max") == "50000 200000"
    sandbox.write("a", "cpu.max", "max")  # one value keeps the period
    assert sandbox.read("a", "cpu.max") == "max 200000"
    for bad in ("999 100000", "1000 999", "1000 1000001", "x", "1 2 3"):
        with pytest.raises(OSError) as e:
            sandbox.write("a", "cpu.max", bad)
        assert _errno(e) == errno.EINVAL
    with pytest.raises(OSError) as e:
        sandbox.write("a", "cpu.weight", "0")
    assert _errno(e) == errno.ERANGE


def test_memory_max_below_usage_fails_with_ebusy_by_default(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+memory")
    sandbox.mkdir("a")
    kernel(sandbox).set_usage("a", 10 << 20)
    with pytest.raises(OSError) as e:
        sandbox.write("a", "memory.max", str(5 << 20))
    assert _errno(e) == errno.EBUSY
    assert sandbox.read("a", "memory.max") == "max"
    sandbox.write("a", "memory.max", "20M")
    assert sandbox.read("a", "memory.max") == str(20 << 20)


def test_memory_max_below_usage_oom_kills_when_configured(make_sandbox: MakeSandbox) -> None:
    fs = make_sandbox(memory_max_below_current="oom")
    fs.write("", "cgroup.subtree_control", "+memory")
    fs.mkdir("a")
    fs.write("a", "cgroup.procs", "321")
    kernel(fs).set_usage("a", 10 << 20)
    fs.write("a", "memory.max", str(5 << 20))
    assert fs.read("a", "memory.max") == str(5 << 20)
    assert fs.read("a", "cgroup.procs") == ""
    assert "oom_kill 1" in (fs.read("a", "memory.events") or "")


def test_memory_values_are_stored_in_whole_pages(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+memory")
    sandbox.mkdir("a")
    sandbox.write("a", "memory.max", "5000")
    assert sandbox.read("a", "memory.max") == "4096"  # rounded down, as 6.1 does


def test_cgroup_procs_moves_a_process_and_refuses_inner_nodes(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpu +memory")
    sandbox.mkdir("a")
    sandbox.mkdir("b")
    sandbox.write("a", "cgroup.procs", "500")
    sandbox.write("b", "cgroup.procs", "500")
    assert sandbox.read("a", "cgroup.procs") == ""
    assert sandbox.read("b", "cgroup.procs") == "500"
    with pytest.raises(OSError) as e:
        sandbox.write("b", "cgroup.procs", "500 501")
    assert _errno(e) == errno.EINVAL
    sandbox.write("a", "cgroup.subtree_control", "+cpu")
    sandbox.write("a", "cgroup.procs", "500")  # threaded controllers only: allowed
    sandbox.write("b", "cgroup.procs", "500")
    sandbox.write("a", "cgroup.subtree_control", "+memory")
    with pytest.raises(OSError) as e:
        sandbox.write("a", "cgroup.procs", "500")
    assert _errno(e) == errno.EBUSY


def test_read_only_files_are_einval_and_missing_files_are_enoent(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpuset +memory")
    sandbox.mkdir("a")
    for file in ("cpuset.cpus.effective", "memory.current", "cgroup.controllers", "memory.stat"):
        with pytest.raises(OSError) as e:
            sandbox.write("a", file, "1")
        assert _errno(e) == errno.EINVAL  # what root gets from cgroupfs
    with pytest.raises(OSError) as e:
        sandbox.write("a", "cpu.max", "max")  # cpu not enabled: no such file
    assert _errno(e) == errno.ENOENT
    assert not (sandbox.root / "a" / "cpu.max").exists()


def test_rmdir_refuses_cgroups_with_children_or_processes(sandbox: CgroupFS) -> None:
    sandbox.mkdir("a")
    sandbox.mkdir("a/b")
    with pytest.raises(OSError) as e:
        sandbox.rmdir("a")
    assert _errno(e) == errno.EBUSY
    sandbox.write("a/b", "cgroup.procs", "77")
    with pytest.raises(OSError) as e:
        sandbox.rmdir("a/b")
    assert _errno(e) == errno.EBUSY
    sandbox.write("", "cgroup.procs", "77")
    sandbox.rmdir("a/b")
    sandbox.rmdir("a")
    assert not sandbox.exists("a")


def test_mkdir_errors(sandbox: CgroupFS) -> None:
    sandbox.mkdir("a")
    with pytest.raises(OSError) as e:
        sandbox.mkdir("a")
    assert _errno(e) == errno.EEXIST
    with pytest.raises(OSError) as e:
        sandbox.mkdir("x/y")
    assert _errno(e) == errno.ENOENT


def test_errno_injected_at_the_nth_write_from_the_faults_file(sandbox: CgroupFS) -> None:
    (sandbox.root / ".workbench-faults").write_text("errno-at-write:2:EIO\n")
    sandbox.write("", "cgroup.subtree_control", "+cpu")
    with pytest.raises(OSError) as e:
        sandbox.write("", "cgroup.subtree_control", "+memory")
    assert _errno(e) == errno.EIO
    assert sandbox.read("", "cgroup.subtree_control") == "cpu"
    sandbox.write("", "cgroup.subtree_control", "+memory")
    assert sandbox.read("", "cgroup.subtree_control") == "cpu memory"


def test_errno_injected_on_one_file_from_the_environment(
    sandbox: CgroupFS, monkeypatch: pytest.MonkeyPatch
) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpuset")
    sandbox.mkdir("a")
    monkeypatch.setenv("WORKBENCH_CGROUP_FAULTS", "errno-on:a/cpuset.cpus:ENOSPC")
    with pytest.raises(OSError) as e:
        sandbox.write("a", "cpuset.cpus", "1")
    assert _errno(e) == errno.ENOSPC
    sandbox.write("a", "cpuset.mems", "1")


def test_partition_validity_shows_on_read(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpuset")
    sandbox.mkdir("a")
    sandbox.mkdir("b")
    sandbox.write("a", "cpuset.cpus", "0-3")
    sandbox.write("b", "cpuset.cpus", "2-5")
    sandbox.write("a", "cpuset.cpus.partition", "root")
    assert (sandbox.read("a", "cpuset.cpus.partition") or "").startswith("root invalid")
    sandbox.write("b", "cpuset.cpus", "4-5")
    sandbox.write("a", "cpuset.cpus.partition", "root")
    assert sandbox.read("a", "cpuset.cpus.partition") == "root"


_TREE = ("p", "p/c", "p/c/g", "p/d")
_writes = st.lists(
    st.tuples(
        st.sampled_from(_TREE),
        st.sampled_from(("cpus", "mems")),
        st.sets(st.integers(0, 7), max_size=4),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=30)
@given(writes=_writes)
def test_effective_sets_always_follow_the_v2_rule(writes: list[tuple[str, str, set[int]]]) -> None:
    # After any sequence of requests, every effective set is its request within the parent's
    # effective set, or the parent's whole set when that is empty; never empty, never wider.
    with tempfile.TemporaryDirectory() as tmp:
        init_sandbox(tmp, cpus=CPUSet.parse("0-7"), mems=CPUSet.parse("0-7"), mountinfo="")
        fs = CgroupFS(tmp, mountinfo="")
        fs.write("", "cgroup.subtree_control", "+cpuset")
        for cg in _TREE:
            fs.mkdir(cg)
            if cg != "p/d":
                fs.write(cg, "cgroup.subtree_control", "+cpuset")
        for cg, kind, ids in writes:
            fs.write(cg, f"cpuset.{kind}", str(CPUSet(ids)))
        for cg in _TREE:
            parent = cg.rpartition("/")[0]
            for kind in ("cpus", "mems"):
                parent_eff = CPUSet.parse(fs.read(parent, f"cpuset.{kind}.effective") or "")
                request = CPUSet.parse(fs.read(cg, f"cpuset.{kind}") or "")
                effective = CPUSet.parse(fs.read(cg, f"cpuset.{kind}.effective") or "")
                assert effective == (request.intersection(parent_eff) or parent_eff)
                assert effective and effective.issubset(parent_eff)
