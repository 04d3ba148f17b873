"""ops: read-back verdicts, undo writes, compare-before-undo; files: parsers and normalisation."""

from __future__ import annotations

import pytest
from cgroup_trees import MakeSandbox, bubble, container, decision, kernel

from workbench.cgroups.files import (
    CPUMax,
    parse_controllers,
    parse_cpu_max,
    parse_cpu_stat,
    parse_cpu_weight,
    parse_cpulist,
    parse_flat_keyed,
    parse_memory,
    parse_memory_stat,
    parse_partition,
    parse_procs,
    parse_subtree_change,
)
from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.layout import StandaloneLayout
from workbench.cgroups.ops import inverse, perform, read_back, still_ours
from workbench.cgroups.plan import plan
from workbench.cgroups.sandbox import snapshot
from workbench.cgroups.write import Write
from workbench.errors import InputError
from workbench.topology.cpuset import CPUSet

POD = "workbench.slice/default_web"
D = decision(
    [container("app", "2-3", memory_max="536870912"), container("side", "4-5", isolation="pod")],
    pod=bubble("2-5", cpu_max="600000 100000"),
)


def test_undoing_a_plan_in_reverse_restores_the_tree_exactly(sandbox: CgroupFS) -> None:
    sandbox.mkdir("elsewhere")
    sandbox.write("elsewhere", "cgroup.procs", "4242")
    before = snapshot(sandbox.root)
    writes = plan(D, StandaloneLayout(), sandbox, attach={"app": 4242})
    for w in writes:
        perform(sandbox, w)
    assert snapshot(sandbox.root) != before
    for w in reversed(writes):
        assert still_ours(sandbox, w), w
        undo = inverse(w)
        if undo is not None:
            perform(sandbox, undo)
    assert snapshot(sandbox.root) == before


def test_undoing_a_change_to_an_existing_tree_restores_it(sandbox: CgroupFS) -> None:
    for w in plan(D, StandaloneLayout(), sandbox):
        perform(sandbox, w)
    before = snapshot(sandbox.root)
    moved = decision([container("app", "6-7"), container("side", "4-5", isolation="pod")], pod=bubble("4-7"))
    writes = plan(moved, StandaloneLayout(), sandbox)
    for w in writes:
        perform(sandbox, w)
    for w in reversed(writes):
        undo = inverse(w)
        assert undo is not None and undo.before == w.value
        perform(sandbox, undo)
    assert snapshot(sandbox.root) == before


def test_inverse_of_each_kind_of_write() -> None:
    assert inverse(Write("a", "", "", action="mkdir")) == Write(
        "a", "", "", action="rmdir", before="dir", reason="undo: mkdir"
    )
    assert inverse(Write("a", "cpu.max", "max 100000", before=None)) is None
    assert inverse(Write("a", "cpu.max", "max 100000", before="1000 100000", reason="r")) == Write(
        "a", "cpu.max", "1000 100000", before="max 100000", reason="undo: r"
    )
    sub = inverse(Write("", "cgroup.subtree_control", "+cpuset +cpu", before="cpu io"))
    assert sub is not None and sub.value == "-cpuset"
    assert inverse(Write("", "cgroup.subtree_control", "+cpu", before="cpu io")) is None
    procs = inverse(Write("a", "cgroup.procs", "42", before="b"))
    assert procs is not None and (procs.cgroup, procs.value) == ("b", "42")


def test_read_back_fails_when_the_kernel_narrows_a_cpuset(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpuset")
    sandbox.mkdir("p")
    sandbox.write("p", "cpuset.cpus", "0-3")
    sandbox.write("p", "cgroup.subtree_control", "+cpuset")
    sandbox.mkdir("p/c")
    w = Write("p/c", "cpuset.cpus", "2-5")
    perform(sandbox, w)  # no error: v2 accepts and narrows
    rb = read_back(sandbox, w)
    assert not rb.ok and rb.effective == "2-3" and "effective" in rb.problem
    ok = Write("p/c", "cpuset.cpus", "1-2")
    perform(sandbox, ok)
    assert read_back(sandbox, ok).ok


def test_read_back_of_an_invalid_partition_fails(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpuset")
    sandbox.mkdir("a")
    w = Write("a", "cpuset.cpus.partition", "root")
    perform(sandbox, w)  # cpuset.cpus is empty: the partition is invalid
    assert not read_back(sandbox, w).ok


def test_read_back_accepts_memory_rounded_to_pages(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+memory")
    sandbox.mkdir("a")
    w = Write("a", "memory.max", "1000000")
    perform(sandbox, w)
    assert sandbox.read("a", "memory.max") == "999424"
    assert read_back(sandbox, w).ok and still_ours(sandbox, w)


def test_still_ours_sees_an_outside_writer(sandbox: CgroupFS) -> None:
    for w in plan(D, StandaloneLayout(), sandbox):
        perform(sandbox, w)
    mine = Write(f"{POD}/app", "cpuset.cpus", "2-3", before="")
    assert still_ours(sandbox, mine)
    sandbox.write(f"{POD}/app", "cpuset.cpus", "2")  # the kubelet, say
    assert not still_ours(sandbox, mine)
    attach = Write(f"{POD}/app", "cgroup.procs", "9")
    kernel(sandbox).add_process(f"{POD}/app", 9)
    assert still_ours(sandbox, attach)
    kernel(sandbox).add_process("", 9)
    assert not still_ours(sandbox, attach)
    assert still_ours(sandbox, Write(POD, "", "", action="mkdir"))
    assert not still_ours(sandbox, Write("gone", "", "", action="mkdir"))


# ---- files ------------------------------------------------------------------------------
def test_parsers_read_what_the_kernel_writes() -> None:
    assert parse_cpulist("0-3,8-11\n") == CPUSet.parse("0-3,8-11")
    assert parse_cpulist("") == CPUSet()
    assert parse_cpu_max("max 100000") == CPUMax(None, 100000)
    assert parse_cpu_max("50000 200000").cpus == 0.25
    assert parse_cpu_max("50000", current_period=200000) == CPUMax(50000, 200000)
    assert parse_cpu_weight("100\n") == 100
    assert parse_memory("max") is None
    assert parse_memory("1G") == 1 << 30
    assert parse_memory("123\n") == 123
    assert parse_procs("1\n22\n333\n") == (1, 22, 333)
    assert parse_controllers("cpuset cpu io memory pids\n") == {"cpuset", "cpu", "io", "memory", "pids"}
    assert parse_subtree_change("+cpu -io +io") == (frozenset({"cpu", "io"}), frozenset())
    stat = parse_cpu_stat("usage_usec 10\nuser_usec 4\nsystem_usec 6\nnr_periods 5\nnr_throttled 1\n")
    assert stat["nr_throttled"] == 1 and stat["usage_usec"] == 10
    mem = parse_memory_stat("anon 4096\nfile 8192\nnew_key_from_a_newer_kernel 7\n")
    assert mem["file"] == 8192 and mem["new_key_from_a_newer_kernel"] == 7
    part = parse_partition("root invalid (Cpu list in cpuset.cpus not exclusive)")
    assert not part.valid and part.reason == "Cpu list in cpuset.cpus not exclusive"
    assert str(part) == "root invalid (Cpu list in cpuset.cpus not exclusive)"
    assert parse_partition("isolated").valid
    assert parse_flat_keyed("low 0\nhigh 2\nmax 0\noom 1\noom_kill 1\n", "memory.events")["oom_kill"] == 1


@pytest.mark.parametrize(
    ("parse", "text"),
    [
        (parse_cpulist, "0-"),
        (parse_cpu_max, "max 100000 5"),
        (parse_cpu_max, "-5 100000"),
        (parse_cpu_weight, "0"),
        (parse_cpu_weight, "abc"),
        (parse_memory, "12Q"),
        (parse_procs, "12 x"),
        (parse_partition, "leader"),
        (parse_subtree_change, "cpu"),
        (parse_cpu_stat, "usage_usec ten"),
    ],
)
def test_parsers_name_the_file_when_the_text_is_wrong(parse: object, text: str) -> None:
    with pytest.raises(InputError) as e:
        parse(text)  # type: ignore[operator]
    assert e.value.source


def test_a_plan_failing_at_any_write_is_undone_exactly_by_its_inverses(make_sandbox: MakeSandbox) -> None:
    # Like the journal's failure path, without the journal: for every k, the kth kernel write
    # fails (EIO); what was done is undone in reverse and the tree is exactly as it was.
    moved = decision([container("app", "6-7"), container("side", "4-5", isolation="pod")], pod=bubble("4-7"))
    for scenario, target in (("fresh", D), ("re-place", moved)):
        k = 0
        while True:
            k += 1
            setup = make_sandbox()
            if scenario == "re-place":
                for w in plan(D, StandaloneLayout(), setup):
                    perform(setup, w)
            writes = plan(target, StandaloneLayout(), setup)
            if k > sum(w.action == "write" for w in writes):
                break
            before = snapshot(setup.root)
            (setup.root / ".workbench-faults").write_text(f"errno-at-write:{k}:EIO\n")
            fs = CgroupFS(setup.root, mountinfo="")  # a fresh kernel object counts from 1
            done: list[Write] = []
            with pytest.raises(OSError):
                for w in writes:
                    perform(fs, w)
                    done.append(w)
            (setup.root / ".workbench-faults").unlink()
            assert sum(w.action == "write" for w in done) == k - 1
            for w in reversed(done):
                undo = inverse(w)
                if undo is not None:
                    perform(fs, undo)
            assert snapshot(setup.root) == before, (scenario, k)
        assert k > 5
