"""The session and commit view-models without the app: what the screens are built from."""

from __future__ import annotations

from pathlib import Path

from workbench.admission.ownership import OwnerKind
from workbench.cgroups.sandbox import init_sandbox, snapshot
from workbench.services.journal_explain import txn_detail, txn_row
from workbench.tui.viewmodel import draft as dm
from workbench.tui.viewmodel.commit import Committer
from workbench.tui.viewmodel.preview_view import preview_lines
from workbench.tui.viewmodel.scenarios import SCENARIOS, scenario_pod
from workbench.tui.viewmodel.session import demo_session


def test_demo_seeds_pods_and_owners_show_them() -> None:
    s = demo_session()
    assert s.notices == []
    assert set(s.placed) == {"shop/web", "shop/cache", "analytics/batch"}
    owners = s.owners()
    kinds = {o.kind for o in owners.values()}
    assert {OwnerKind.RESERVED, OwnerKind.EXCLUSIVE, OwnerKind.POD_SHARED, OwnerKind.SHARED} <= kinds
    web = {c for c, o in owners.items() if o.label == "shop/web"}
    assert any(owners[c].kind is OwnerKind.POD_SHARED for c in web)  # the log shipper's pool
    # web 8Gi + cache 4Gi + batch 12Gi, all on NUMA 0, as the memory manager charged them
    used = {n: u for n, (u, _) in s.numa_memory().items()}
    assert used == {0: 24 * 2**30, 1: 0, 2: 0, 3: 0}


def test_every_scenario_decides_and_shows_a_verdict() -> None:
    s = demo_session()
    seen = {}
    for name in SCENARIOS:
        s.load_pod(scenario_pod(name))
        p = s.preview()
        assert p.decision is not None
        seen[name] = p.decision.admitted
        lines = [text for _, text in preview_lines(p)]
        assert lines[0].startswith("ADMITTED" if p.decision.admitted else "REJECTED")
        assert any(line.startswith("merged") for line in lines)
    assert seen == {
        "postgres": True,
        "ml-trainer": True,
        "too-big-for-one-numa": True,
        "empty-shared-pool": False,
    }


def test_fast_preview_then_advice_adopted_only_if_still_current() -> None:
    s = demo_session()
    s.load_pod(scenario_pod("empty-shared-pool"))
    fast = s.preview(advise=False)
    assert fast.decision is not None and not fast.decision.admitted and not fast.advised
    assert any("working out" in t for _, t in preview_lines(fast))
    done = s.with_advice(fast)
    assert done.advised and done.decision is not None
    # the same advice the core gives when asked in one go
    from workbench.admission.admit import admit

    assert fast.result.pod is not None
    assert done.decision.advice == admit(s.topology, s.config, s.state, fast.result.pod).advice
    assert s.adopt_advice(fast, done) and s.preview(advise=False) is done
    # a stale answer (the draft changed meanwhile) is dropped
    fast2 = s.preview(advise=False)
    s.set_draft(dm.set_field(s.draft, "pod.name", "other"))
    assert not s.adopt_advice(fast2, done)


def test_policy_switch_flips_the_wide_pod() -> None:
    s = demo_session()
    s.load_pod(scenario_pod("too-big-for-one-numa"))
    verdicts = {}
    for _ in range(4):
        d = s.preview(advise=False).decision
        assert d is not None
        verdicts[s.config.topology_manager_policy] = d.admitted
        s.cycle_policy()
    assert verdicts["single-numa-node"] is False and verdicts["restricted"] is True
    before = s.config.topology_manager_scope
    assert s.toggle_scope() != before
    assert s.toggle_cpu_option("full-pcpus-only") is True and s.config.option("full-pcpus-only")


def test_commit_plan_apply_confirm_rollback_without_the_app(tmp_path: Path) -> None:
    s = demo_session()
    init_sandbox(tmp_path / "cg", s.topology)
    c = Committer(tmp_path / "cg", tmp_path / "j.db", label="sandbox")
    d = s.preview().decision
    assert d is not None and d.admitted
    before = snapshot(tmp_path / "cg")
    planned = c.plan(d)
    assert planned.writes and "cpuset.cpus" in planned.diff
    assert snapshot(tmp_path / "cg") == before  # planning is a dry run
    pending = c.apply(planned, subject="test")
    assert c.pending is pending and pending.remaining() > 0
    assert all(want == got for _, want, got in pending.readback)
    # The deadline is held by the journal's timer (a watchdog outside this process), not by us.
    assert c.history()[0][0].timer.startswith(("pid:", "systemd:"))
    assert c.confirm(pending.txid) == f"transaction {pending.txid} confirmed"
    assert c.pending is None
    txn, steps, events = c.history()[0]
    assert txn.state == "confirmed" and txn_row(txn, steps)[2] == "confirmed"
    detail = txn_detail(txn, steps, events)
    assert "applied and confirmed" in detail and "verified" in detail and "read back" not in detail
    assert "rolled_back" in c.rollback(txn.id)
    assert snapshot(tmp_path / "cg") == before
    assert s.place_committed() and "db/postgres" in s.placed


def test_fixture_manifests_load_into_the_draft_and_decide() -> None:
    from workbench.kube.pod import load_pods
    from workbench.tui.viewmodel.scenarios import scenario_files

    files = scenario_files()
    assert files, "fixtures/pods is missing"
    s = demo_session()
    for path in files:
        s.load_pod(load_pods(path)[0].pod)
        p = s.preview(advise=False)
        assert p.decision is not None, path
        assert dm.to_podspec(dm.from_podspec(p.result.pod)).pod == p.result.pod  # type: ignore[arg-type]


def test_a_state_decided_before_is_not_decided_again_until_the_node_changes(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Undoing an edit (or p four times) comes back to a decision already made: the preview
    is that decision, without a new admission; a pod placed on the node decides anew."""
    import workbench.services.admit as admit

    s = demo_session()
    calls: list[str] = []
    real = admit.decide

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(args[3].name)
        return real(*args, **kwargs)

    monkeypatch.setattr(admit, "decide", counting)
    first = s.preview(advise=False)
    start = s.draft
    s.set_draft(dm.toggle_exclusive(start, 0))
    other = s.preview(advise=False)
    s.set_draft(start)
    assert s.preview(advise=False) is first
    policy = s.config.topology_manager_policy
    for _ in range(4):
        s.cycle_policy()
        s.preview(advise=False)
    assert s.config.topology_manager_policy == policy and s.preview(advise=False) is first
    assert len(calls) == 5  # the draft, the toggled draft, three other policies
    assert other.decision is not None and first.decision is not None
    s.place(scenario_pod("ml-trainer"))
    assert s.preview(advise=False) is not first
    assert len(calls) == 7  # the placed pod, then the draft on the new node state


def test_the_ownership_view_of_a_config_seen_before_is_the_same_until_the_node_changes() -> None:
    """p or S back to a config shown a few keys ago: the same ownership view (the grid's
    redraw check is by identity), equal to a fresh one; a pod placed makes a new view."""
    s = demo_session()
    first = s.ownership()
    s.toggle_scope()
    toggled = s.ownership()
    s.toggle_scope()
    assert s.ownership() is first
    for _ in range(4):
        s.cycle_policy()
        s.ownership()
    assert s.ownership() is first and toggled is not first
    s.place(scenario_pod("ml-trainer"))
    placed = s.ownership()
    assert placed is not first and placed.cpus != first.cpus
    s._ownership.clear()
    assert s.ownership() == placed
