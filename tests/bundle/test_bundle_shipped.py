"""The bundles shipped in fixtures/bundles/ (one from the demo node, one captured in the
real-kernel VM) open with every reading command, and the TUI opens them read-only."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from bundle_helpers import BUNDLES, PODS, Run

from workbench.bundle.reader import Bundle
from workbench.bundle.replay import sample_roots

DEMO = BUNDLES / "demo-node.tar.gz"
VM = BUNDLES / "vm-real-kernel.tar.gz"


def test_the_demo_bundle_reads_like_the_demo_node(run: Run) -> None:
    code, text, _ = run("topology", "-o", "json", "--bundle", DEMO)
    assert code == 0 and text == run("topology", "-o", "json", "--demo")[1]
    code, text, _ = run("node", "-o", "json", "--bundle", DEMO)
    doc = json.loads(text)
    assert code == 0 and {p["name"] for p in doc["pods"]} >= {"postgres-0", "redis-0"}
    assert run("drift", "--bundle", DEMO)[0] == 0  # its cgroup tree matches its checkpoint
    code, text, _ = run("admit", PODS / "postgres.yaml", "-o", "json", "--bundle", DEMO)
    assert code in (0, 1) and "admitted" in json.loads(text)


def test_the_vm_bundle_is_a_real_kernel_capture(run: Run) -> None:
    with Bundle(VM) as b:
        m = b.manifest
        assert m.machine == "sysfs" and m.host["kernel_release"].startswith("6.")
        assert len(m.samples) == 3
        first, last = sample_roots(b, 0), sample_roots(b, len(m.samples) - 1)
        worker = next(first.cgroup_root.glob("kubepods.slice/*/cri-containerd-00*.scope"))
        rel = worker.relative_to(first.cgroup_root)
        stat0 = dict(line.split() for line in (worker / "cpu.stat").read_text().splitlines())
        stat2 = dict(line.split() for line in (last.cgroup_root / rel / "cpu.stat").read_text().splitlines())
        # The busy process capped at half a CPU ran and was throttled by the real kernel.
        assert int(stat2["usage_usec"]) > int(stat0["usage_usec"])
        assert int(stat2["nr_throttled"]) >= int(stat0["nr_throttled"]) > 0
        assert (worker / "cpuset.cpus.effective").read_text().strip() == "4-5"
        assert (first.proc_root / "stat").read_text().startswith("cpu ")
    code, text, _ = run("topology", "-o", "json", "--bundle", VM)
    doc = json.loads(text)
    assert code == 0 and len(doc["numa_nodes"]) == 2
    assert run("node", "--bundle", VM)[0] == 0


def test_the_tui_opens_a_bundle_read_only_and_refuses_a_commit() -> None:
    pytest.importorskip("textual")
    from workbench.services.source import NodeSource
    from workbench.tui.launch import live_app

    app = live_app(NodeSource(bundle=DEMO))
    seen: list[str] = []

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            assert app.committer is None and app.session.read_only
            strips = app.screen._compositor.render_strips()
            shown = "\n".join(strip.text for strip in strips)
            assert "READ-ONLY (offline capture bundle demo-node.tar.gz)" in shown
            assert not app.write_allowed()
            await pilot.pause()
            seen.extend(str(n.message) for n in app._notifications)

    asyncio.run(main())
    assert app.session.read_only_reason == "offline capture bundle demo-node.tar.gz"
    assert seen == ["read-only: offline capture bundle demo-node.tar.gz; nothing written"]


def test_demo_bundle_option_opens_the_app_on_the_bundle(monkeypatch: pytest.MonkeyPatch, run: Run) -> None:
    from workbench.tui import launch

    opened: list[tuple[object, bool]] = []
    monkeypatch.setattr(
        launch, "run_live", lambda source, **kw: opened.append((source, kw["read_only"])) or 0
    )
    assert run("demo", "--bundle", DEMO)[0] == 0
    ((source, read_only),) = opened
    assert source.bundle == Path(str(DEMO)) and read_only


def test_a_bundle_with_a_cgroup_root_to_write_is_refused() -> None:
    from workbench.errors import InputError
    from workbench.services.source import NodeSource
    from workbench.tui.launch import live_app

    with pytest.raises(InputError, match="a bundle is opened read-only"):
        live_app(NodeSource(bundle=DEMO), cgroup_root=Path("/sys/fs/cgroup"))
