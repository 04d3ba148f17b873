"""`workbench fleet admit`: each captured node's own verdict, and the roomiest admitting node."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from bundle_helpers import BUNDLES, KUBELET, PODS, Run

from workbench.services import bundle_capture as bc
from workbench.services.source import NodeSource


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    """The shipped bundles plus two demo machines: one fresh, one with pods placed."""
    d = tmp_path / "fleet"
    d.mkdir()
    for b in BUNDLES.glob("*.tar.gz"):
        shutil.copy(b, d)
    bc.capture(bc.CaptureRequest(d / "fresh.tar.gz", NodeSource(demo=True), samples=1, interval=0))
    busy = NodeSource(demo=True, kubelet_dir=KUBELET / "intel-2s-snc-v4")
    bc.capture(bc.CaptureRequest(d / "busy.tar.gz", busy, samples=1, interval=0))
    return d


def test_each_node_gets_the_verdict_admit_gives_it(run: Run, fleet: Path) -> None:
    pod = PODS / "postgres.yaml"
    code, out, err = run("fleet", "admit", pod, "--bundles", fleet, "-o", "json")
    doc = json.loads(out)
    assert code == 0 and err == ""
    nodes = {n["node"]: n for n in doc["nodes"]}
    assert set(nodes) == {"busy", "demo-node", "fresh", "vm-real-kernel"}
    for name, n in nodes.items():
        single_code, single, _ = run("admit", pod, "-o", "json", "--bundle", fleet / f"{name}.tar.gz")
        one = json.loads(single)
        assert n["admitted"] == one["admitted"] == (single_code == 0), name
        assert n["reason"] == one["reason"]
        if n["admitted"]:
            mems = {int(m) for c in one["containers"] for m in _cpulist(c["mems"])}
            assert set(n["numa_nodes"]) == mems and n["numa_nodes"]
        else:
            assert n["numa_nodes"] == [] and n["reason"]
    assert not nodes["vm-real-kernel"]["admitted"]  # 8 CPUs: too small for postgres
    # Both keep a whole NUMA node free; the fresh one has more CPUs free in all.
    assert doc["summary"]["most_room"] == "fresh"
    fresh, busy = nodes["fresh"]["room_after"], nodes["busy"]["room_after"]
    assert (fresh["free_cpus"], fresh["node_free_cpus"]) > (busy["free_cpus"], busy["node_free_cpus"])
    assert sorted(doc["summary"]["admitted"]) == ["busy", "demo-node", "fresh"]


def _cpulist(text: str) -> list[int]:
    out: list[int] = []
    for part in filter(None, text.split(",")):
        a, _, b = part.partition("-")
        out += range(int(a), int(b or a) + 1)
    return out


def test_text_names_the_verdicts_and_the_roomiest_node(run: Run, fleet: Path) -> None:
    code, out, _ = run("fleet", "admit", PODS / "postgres.yaml", "--bundles", fleet)
    assert code == 0
    assert "pod db/postgres-0 on 4 nodes: 3 admit it" in out
    assert "vm-real-kernel" in out and "REJECT" in out and "OutOfcpu" in out
    assert out.rstrip().endswith(")") and "most room on one NUMA node afterwards: fresh" in out


def test_no_node_admits_exit_1(run: Run, fleet: Path) -> None:
    vm = fleet / "vm-real-kernel.tar.gz"
    code, out, _ = run("fleet", "admit", PODS / "postgres.yaml", "--bundles", vm, "-o", "json")
    assert code == 1 and json.loads(out)["summary"]["most_room"] is None


def test_an_unreadable_bundle_is_named_and_the_others_decided(run: Run, fleet: Path) -> None:
    (fleet / "broken.tar.gz").write_bytes(b"not a bundle")
    code, out, err = run("fleet", "admit", PODS / "postgres.yaml", "--bundles", fleet, "-o", "json")
    doc = json.loads(out)
    assert code == 2
    assert err.count("\n") == 1 and "broken.tar.gz" in err and "not a readable .tar.gz" in err
    assert doc["summary"]["unreadable"] == ["broken.tar.gz"]
    assert len(doc["summary"]["admitted"]) == 3


def test_no_bundles_is_bad_input(run: Run, tmp_path: Path) -> None:
    code, _, err = run("fleet", "admit", PODS / "postgres.yaml", "--bundles", tmp_path)
    assert code == 2 and "no bundles" in err


def test_fleet_top_lists_pools_across_nodes_most_throttled_first(run: Run, fleet: Path) -> None:
    (fleet / "broken.tar.gz").write_bytes(b"junk")
    code, out, err = run("fleet", "top", "--bundles", fleet, "-o", "json")
    pools = json.loads(out)["pools"]
    assert code == 2 and "broken.tar.gz" in err and err.count("\n") == 3  # broken, fresh, busy: 1 sample
    shares = [p["throttled_ratio"] or 0.0 for p in pools]
    assert shares == sorted(shares, reverse=True)
    top = pools[0]
    # The real kernel's busy worker (capped at half a CPU) is throttled every period.
    assert top["node"] == "vm-real-kernel" and top["throttled_ratio"] > 0.9
    assert {p["node"] for p in pools} == {"vm-real-kernel", "demo-node"}
