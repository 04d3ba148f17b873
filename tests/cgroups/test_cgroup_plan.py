"""plan(): the order of writes, skipped no-ops, pre-checks, and plans applied to the kernel model."""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import pytest
from cgroup_trees import MakeSandbox, bubble, container, decision, kernel, write_tree
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.cgroups.diff import format_diff
from workbench.cgroups.fs import CgroupFS
from workbench.cgroups.layout import KubeletLayout, PodRef, StandaloneLayout, kubelet_pod_cgroup
from workbench.cgroups.ops import perform, read_back
from workbench.cgroups.plan import PlanError, build_plan, plan
from workbench.cgroups.sandbox import init_sandbox
from workbench.cgroups.write import Write
from workbench.errors import InputError
from workbench.topology.cpuset import CPUSet

POD = "workbench.slice/default_web"
STANDALONE = StandaloneLayout()


def apply(fs: CgroupFS, writes: Sequence[Write]) -> None:
    for w in writes:
        perform(fs, w)
        rb = read_back(fs, w)
        assert rb.ok, (w, rb.problem)


def index(writes: Sequence[Write], cgroup: str, file: str, value: str | None = None) -> int:
    for i, w in enumerate(writes):
        if w.cgroup == cgroup and w.file == file and (value is None or w.value == value):
            return i
    raise AssertionError(f"no write {cgroup}/{file}={value} in\n{format_diff(writes)}")


TWO = decision(
    [
        container("app", "2-3", memory_max="536870912"),
        container("side", "4-5", isolation="pod", cpu_max="400000 100000", memory_max="1073741824"),
    ],
    pod=bubble("2-5", memory_max="1073741824"),
)


def test_a_fresh_pod_is_created_top_down_with_controllers_before_children(make_sandbox: MakeSandbox) -> None:
    fs = make_sandbox(cpuset_rules="strict")
    writes = plan(TWO, STANDALONE, fs)
    order = [(w.action, w.cgroup, w.file) for w in writes[:7]]
    assert order == [
        ("write", "", "cgroup.subtree_control"),
        ("mkdir", "workbench.slice", ""),
        ("write", "workbench.slice", "cgroup.subtree_control"),
        ("mkdir", POD, ""),
        ("write", POD, "cgroup.subtree_control"),
        ("mkdir", f"{POD}/app", ""),
        ("mkdir", f"{POD}/side", ""),
    ]
    assert writes[0].value == "+cpuset +cpu +memory"
    # files of directories that do not exist yet have no before-image
    assert all(w.before is None for w in writes if w.cgroup.startswith(POD) and w.action == "write")
    assert index(writes, POD, "cpuset.cpus") < index(writes, f"{POD}/app", "cpuset.cpus")
    apply(fs, writes)
    assert fs.read(f"{POD}/app", "cpuset.cpus.effective") == "2-3"
    assert fs.read(f"{POD}/side", "cpuset.cpus.effective") == "4-5"
    assert fs.read(POD, "cpuset.cpus.effective") == "2-5"
    assert fs.read(f"{POD}/app", "cpu.max") == "max 100000"
    assert fs.read(f"{POD}/side", "cpu.max") == "400000 100000"
    assert fs.read(f"{POD}/app", "memory.max") == "536870912"
    assert fs.read(POD, "memory.max") == "1073741824"


def test_writes_whose_value_is_already_there_are_left_out(sandbox: CgroupFS) -> None:
    apply(sandbox, plan(TWO, STANDALONE, sandbox))
    assert plan(TWO, STANDALONE, sandbox) == []
    assert format_diff([]) == "(no changes)"
    # the default cpu.max of a new cgroup already is "max 100000": no write for it
    fresh = plan(TWO, StandaloneLayout(parent="other.slice"), sandbox)
    assert not any(w.file == "cpu.max" and w.cgroup.endswith("/app") for w in fresh)


def test_cpusets_grow_parent_first_and_shrink_child_first(make_sandbox: MakeSandbox) -> None:
    fs = make_sandbox(cpuset_rules="strict")
    apply(fs, plan(TWO, STANDALONE, fs))
    moved = decision([container("app", "6-7"), container("side", "4-5", isolation="pod")], pod=bubble("4-7"))
    writes = plan(moved, STANDALONE, fs)
    grow = index(writes, POD, "cpuset.cpus", "2-7")
    app_union = index(writes, f"{POD}/app", "cpuset.cpus", "2-3,6-7")
    app_final = index(writes, f"{POD}/app", "cpuset.cpus", "6-7")
    shrink = index(writes, POD, "cpuset.cpus", "4-7")
    assert grow < app_union < app_final < shrink
    # each write's before-image is what the previous planned write left
    assert writes[app_final].before == "2-3,6-7"
    assert writes[shrink].before == "2-7"
    apply(fs, writes)  # the strict model (v1 subset rules) accepts every step
    assert fs.read(f"{POD}/app", "cpuset.cpus.effective") == "6-7"


def test_shrinking_in_the_wrong_order_is_what_the_strict_model_refuses(make_sandbox: MakeSandbox) -> None:
    fs = make_sandbox(cpuset_rules="strict")
    apply(fs, plan(TWO, STANDALONE, fs))
    smaller = decision([container("app", "2"), container("side", "3", isolation="pod")], pod=bubble("2-3"))
    writes = plan(smaller, STANDALONE, fs)
    assert index(writes, f"{POD}/side", "cpuset.cpus") < index(writes, POD, "cpuset.cpus")
    with pytest.raises(OSError):
        fs.write(POD, "cpuset.cpus", "2-3")  # parent first: side still holds 4-5
    apply(fs, writes)


def test_limits_are_raised_parent_first_and_lowered_child_first(sandbox: CgroupFS) -> None:
    apply(sandbox, plan(TWO, STANDALONE, sandbox))
    lower = decision(
        [container("app", "2-3", memory_max="268435456"), container("side", "4-5", isolation="pod")],
        pod=bubble("2-5", memory_max="536870912", cpu_max="200000 100000"),
    )
    writes = plan(lower, STANDALONE, sandbox)
    assert index(writes, f"{POD}/app", "memory.max") < index(writes, POD, "memory.max")
    apply(sandbox, writes)
    writes = plan(TWO, STANDALONE, sandbox)
    assert index(writes, POD, "memory.max") < index(writes, f"{POD}/app", "memory.max")
    assert index(writes, POD, "cpu.max") < index(writes, f"{POD}/side", "memory.max")


def test_controllers_are_enabled_top_down_on_a_kubelet_tree(make_sandbox: MakeSandbox) -> None:
    fs = make_sandbox()
    uid = "1234abcd-0000-1111-2222-333344445555"
    pod_dir = kubelet_pod_cgroup("systemd", "Burstable", uid)
    parts = pod_dir.split("/")
    for i in range(len(parts)):
        fs.mkdir("/".join(parts[: i + 1]))
    fs.mkdir(f"{pod_dir}/cri-containerd-abc123def456.scope")
    layout = KubeletLayout("systemd", {"app": "abc123"})
    d = decision([container("app", "1-2", isolation="pod", cpu_max="200000 100000")], qos="Burstable")
    writes = plan(d, layout, fs, pod=PodRef("web", uid=uid, qos_class="Burstable"))
    enables = [w.cgroup for w in writes if w.file == "cgroup.subtree_control"]
    assert enables == ["", "kubepods.slice", "kubepods.slice/kubepods-burstable.slice", pod_dir]
    assert not any(w.action == "mkdir" for w in writes)
    apply(fs, writes)
    assert fs.read(f"{pod_dir}/cri-containerd-abc123def456.scope", "cpuset.cpus.effective") == "1-2"


def test_a_kubelet_pod_cgroup_that_does_not_exist_is_an_input_error(sandbox: CgroupFS) -> None:
    with pytest.raises(InputError, match="does not exist"):
        plan(TWO, KubeletLayout("systemd"), sandbox, pod=PodRef("web", uid="abc-1", qos_class="Guaranteed"))


def test_containers_without_a_known_cgroup_are_left_out_with_a_note(sandbox: CgroupFS) -> None:
    uid = "abc-1"
    pod_dir = kubelet_pod_cgroup("cgroupfs", "Guaranteed", uid)
    sandbox.mkdir("kubepods")
    sandbox.mkdir(pod_dir)
    result = build_plan(
        TWO, KubeletLayout("cgroupfs"), sandbox, pod=PodRef("web", uid=uid, qos_class="Guaranteed")
    )
    assert result.cgroups.missing == ("app", "side")
    assert any("--container-id" in n for n in result.notes)
    # the pod cpuset still covers every container of the decision
    assert any(w.cgroup == pod_dir and w.file == "cpuset.cpus" and w.value == "2-5" for w in result.writes)


def test_cpus_outside_the_parents_effective_set_are_refused(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpuset +cpu +memory")
    sandbox.mkdir("workbench.slice")
    sandbox.write("workbench.slice", "cpuset.cpus", "0-3")
    with pytest.raises(PlanError, match="4-5|2-5"):
        plan(TWO, STANDALONE, sandbox)
    far = decision([container("app", "0-1", mems="1")], pod=bubble("0-1", mems="1"))
    sandbox.write("workbench.slice", "cpuset.mems", "0")
    with pytest.raises(PlanError, match="mems"):
        plan(far, STANDALONE, sandbox)


def test_memory_max_below_usage_is_refused_unless_forced(sandbox: CgroupFS) -> None:
    apply(sandbox, plan(TWO, STANDALONE, sandbox))
    kernel(sandbox).set_usage(f"{POD}/app", 400 << 20)
    tight = decision(
        [container("app", "2-3", memory_max=str(300 << 20)), container("side", "4-5", isolation="pod")],
        pod=bubble("2-5", memory_max="1073741824"),
    )
    with pytest.raises(PlanError, match="memory.current"):
        plan(tight, STANDALONE, sandbox)
    forced = plan(tight, STANDALONE, sandbox, force=True)
    assert index(forced, f"{POD}/app", "memory.max", str(300 << 20)) >= 0


def test_a_cgroup_with_its_own_processes_cannot_get_child_controllers(sandbox: CgroupFS) -> None:
    sandbox.write("", "cgroup.subtree_control", "+cpuset +cpu +memory")
    sandbox.mkdir("workbench.slice")
    sandbox.write("workbench.slice", "cgroup.procs", "555")
    with pytest.raises(PlanError, match="processes"):
        plan(TWO, STANDALONE, sandbox)


def test_a_rejected_pod_produces_no_plan(sandbox: CgroupFS) -> None:
    with pytest.raises(PlanError, match="reject"):
        plan(decision([container("app", "1")], admitted=False), STANDALONE, sandbox)


def test_v1_trees_are_refused(tmp_path: Path) -> None:
    root = tmp_path
    write_tree(root, {"cpuset/tasks": "", "memory/tasks": ""})
    with pytest.raises(PlanError, match="v1"):
        plan(TWO, STANDALONE, CgroupFS(root, mountinfo=""))


def test_a_root_without_the_cpuset_controller_is_refused(tmp_path: Path) -> None:
    root = tmp_path
    write_tree(root, {"cgroup.controllers": "cpu io memory pids\n", "cgroup.subtree_control": ""})
    with pytest.raises(PlanError, match="cpuset"):
        plan(TWO, STANDALONE, CgroupFS(root, mountinfo=""))


def test_attach_moves_pids_last_and_records_where_they_came_from(make_sandbox: MakeSandbox) -> None:
    sandbox = make_sandbox(cpuset_rules="strict")  # which also refuses tasks in an unset cpuset
    sandbox.mkdir("elsewhere")
    sandbox.write("elsewhere", "cgroup.procs", "4242")
    writes = plan(TWO, STANDALONE, sandbox, attach={"app": 4242})
    assert writes[-1] == Write(
        f"{POD}/app", "cgroup.procs", "4242", before="elsewhere", reason="attach PID 4242 to app"
    )
    apply(sandbox, writes)
    assert sandbox.cgroup_of_pid(4242) == f"{POD}/app"
    assert plan(TWO, STANDALONE, sandbox, attach={"app": 4242}) == []
    with pytest.raises(InputError, match="nope"):
        plan(TWO, STANDALONE, sandbox, attach={"nope": 1})
    with pytest.raises(InputError):
        plan(TWO, STANDALONE, sandbox, attach={"app": -3})


def test_names_from_the_pod_cannot_escape_the_root(sandbox: CgroupFS) -> None:
    for pod in (PodRef("../../etc"), PodRef("web", namespace="a/b"), PodRef("we\x00b")):
        with pytest.raises(InputError):
            plan(TWO, STANDALONE, sandbox, pod=pod)
    with pytest.raises(InputError):
        plan(decision([container("..", "1")]), STANDALONE, sandbox)
    assert sandbox.children("") == []


def test_format_diff_shows_path_old_new_and_reason(sandbox: CgroupFS) -> None:
    apply(sandbox, plan(TWO, STANDALONE, sandbox))
    moved = decision([container("app", "6-7"), container("side", "4-5", isolation="pod")], pod=bubble("4-7"))
    text = format_diff(plan(moved, STANDALONE, sandbox), sandbox)
    assert f"{sandbox.root}/{POD}/app/cpuset.cpus: 2-3 -> 2-3,6-7" in text
    assert f"{sandbox.root}/{POD}/app/cpuset.cpus: 2-3,6-7 -> 6-7  (app: container isolation cpuset)" in text
    created = format_diff(plan(TWO, StandaloneLayout(parent="x.slice"), sandbox))
    assert "+ mkdir x.slice/default_web" in created
    assert "x.slice/default_web/cpuset.cpus: (none) -> 2-5" in created


# ---- property: any re-placement applies cleanly under the strict (v1 subset) rules --------
_cpus = st.sets(st.integers(0, 7), min_size=1, max_size=4)


@st.composite
def _placement(draw: st.DrawFn) -> tuple[str, str, str]:
    a, b = draw(_cpus), draw(_cpus)
    extra = draw(st.sets(st.integers(0, 7), max_size=3))
    pod = sorted(a | b | extra)
    fmt = lambda s: ",".join(str(i) for i in sorted(s))  # noqa: E731
    return fmt(a), fmt(b), fmt(pod)


@settings(max_examples=30)
@given(first=_placement(), second=_placement())
def test_replanning_never_breaks_the_subset_rules(
    first: tuple[str, str, str], second: tuple[str, str, str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        init_sandbox(
            tmp, cpus=CPUSet.parse("0-7"), mems=CPUSet.parse("0-1"), cpuset_rules="strict", mountinfo=""
        )
        fs = CgroupFS(tmp, mountinfo="")
        for a, b, pod in (first, second):
            d = decision([container("a", a), container("b", b, isolation="pod")], pod=bubble(pod))
            apply(fs, plan(d, STANDALONE, fs))
            assert CPUSet.parse(fs.read(f"{POD}/a", "cpuset.cpus.effective") or "") == CPUSet.parse(a)
            assert CPUSet.parse(fs.read(POD, "cpuset.cpus.effective") or "") == CPUSet.parse(pod)
            assert plan(d, STANDALONE, fs) == []


def test_attaching_a_pid_that_does_not_exist_on_a_real_tree_is_refused(tmp_path: Path) -> None:
    write_tree(tmp_path, {"cgroup.controllers": "cpuset cpu memory\n", "cgroup.subtree_control": ""})
    fs = CgroupFS(tmp_path, mountinfo="")
    assert fs.mode == "v2"
    with pytest.raises(InputError, match="no process"):
        plan(TWO, STANDALONE, fs, attach={"app": 2**31 - 1})


def test_cgroups_of_containers_no_longer_in_the_decision_are_noted(sandbox: CgroupFS) -> None:
    apply(sandbox, plan(TWO, STANDALONE, sandbox))
    only_app = decision([container("app", "2-3")], pod=bubble("2-3"))
    result = build_plan(only_app, STANDALONE, sandbox)
    assert any("side" in n for n in result.notes)
    assert not any(w.cgroup.endswith("/side") for w in result.writes)


def test_kubelet_layouts_skip_finished_init_containers(sandbox: CgroupFS) -> None:
    uid = "abc-2"
    pod_dir = kubelet_pod_cgroup("cgroupfs", "Guaranteed", uid)
    sandbox.mkdir("kubepods")
    sandbox.mkdir(pod_dir)
    sandbox.mkdir(f"{pod_dir}/{'a' * 64}")
    init = replace(container("setup", "2-3"), kind="init")
    d = decision([init, container("app", "2-3")], pod=bubble("2-3"))
    layout = KubeletLayout("cgroupfs", {"app": "a" * 12, "ghost": "b" * 12})
    result = build_plan(d, layout, sandbox, pod=PodRef("web", uid=uid, qos_class="Guaranteed"))
    assert result.cgroups.missing == ()
    assert any("init containers have finished" in n and "setup" in n for n in result.notes)
    assert any("ghost" in n for n in result.notes)


def test_the_pod_is_named_from_the_decision_when_no_pod_is_given() -> None:
    from types import MappingProxyType

    from workbench.cgroups.plan import pod_ref
    from workbench.kube.model import NodeState, PodInfo

    assert pod_ref(decision([], pod_key="shop/web", qos="Burstable")) == PodRef(
        "web", "shop", "", "Burstable"
    )
    by_uid = replace(
        decision([], pod_key="u-1"),
        state_after=NodeState(pods=MappingProxyType({"u-1": PodInfo("u-1", "web", "shop")})),
    )
    assert pod_ref(by_uid) == PodRef("web", "shop", "u-1", "Guaranteed")
    assert pod_ref(decision([], pod_key="u-2")) == PodRef("u-2", "default", "u-2", "Guaranteed")
