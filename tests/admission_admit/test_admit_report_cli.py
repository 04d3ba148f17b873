"""`workbench admit`: the JSON document, the 80-column text, and the exit codes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from admit_nodes import FIXTURES, POSTGRES, TOO_BIG, config, pod, topology

from workbench.admission.admit import admit
from workbench.admission.report import decision_to_json, decision_to_text
from workbench.cli.main import main
from workbench.kube.model import NodeState

SNC = str(FIXTURES / "intel-2s-snc.yaml")


def test_json_shape_of_an_admission() -> None:
    d = admit(topology("intel-2s-snc"), config(), NodeState(), pod(POSTGRES))
    doc = decision_to_json(d)
    json.dumps(doc)  # serialisable as is
    assert {
        "admitted",
        "reason",
        "message",
        "policy",
        "scope",
        "hint",
        "providers",
        "pod",
        "containers",
    } <= set(doc)
    assert {"default_cpuset", "qos_class", "advice"} <= set(doc)
    assert doc["admitted"] is True and doc["reason"] == "" and doc["qos_class"] == "Guaranteed"
    assert doc["hint"] == {"numa": "0", "preferred": True}
    assert doc["providers"]["cpu"]["cpu"][0] == {"numa": "0", "preferred": True}
    assert doc["providers"]["devices"] == {}
    assert doc["pod"] == {
        "cpus": "1-4,33-36",
        "shared_pool": "4,36",
        "mems": "0",
        "memory_blocks": doc["pod"]["memory_blocks"],
    }
    # exclusive containers in the pod: the pod cgroup's quota is off (addenda §6.2)
    assert doc["pod_cgroup"] == {"cpu_max": "max 100000", "memory_max": str(16 << 30)}
    names = [(c["name"], c["kind"]) for c in doc["containers"]]
    assert names == [("pg-backup", "sidecar"), ("postgres", "app")]
    pg = doc["containers"][1]
    assert {k: pg[k] for k in ("cpus", "mems", "isolation", "cpu_max", "memory_max")} == {
        "cpus": "1-3,33-35",
        "mems": "0",
        "isolation": "container",
        "cpu_max": "max 100000",
        "memory_max": str(12 << 30),
    }
    assert doc["default_cpuset"] == "0,5-32,37-63"


def test_json_of_a_rejection_has_no_placement() -> None:
    d = admit(topology("intel-2s-snc"), config("single-numa-node"), NodeState(), pod(TOO_BIG))
    doc = decision_to_json(d)
    assert doc["admitted"] is False and doc["reason"] == "TopologyAffinityError"
    assert doc["pod"] is None and doc["containers"] == []
    assert doc["hint"] == {"numa": None, "preferred": False}
    assert isinstance(doc["advice"], list) and doc["advice"]


def test_text_verdict_first_and_fits_80_columns() -> None:
    snc = topology("intel-2s-snc")
    ok = decision_to_text(admit(snc, config(), NodeState(), pod(POSTGRES)), snc)
    bad = decision_to_text(admit(snc, config("single-numa-node"), NodeState(), pod(TOO_BIG)), snc)
    for text in (ok, bad):
        assert max(len(line) for line in text.splitlines()) <= 80
    assert ok.startswith("ADMITTED")
    assert "=> merged  0*" in ok or "=> merged 0*" in ok
    assert "postgres" in ok and "1-3,33-35" in ok and "max 100000" in ok
    assert bad.startswith("REJECTED  TopologyAffinityError")
    assert "Rule that failed" in bad and "single-numa-node admits only" in bad
    assert "Advice (what-if by this tool, not the kubelet's decision)" in bad


@pytest.fixture
def manifests(tmp_path: Path) -> dict[str, Path]:
    files = {"postgres": POSTGRES, "big": TOO_BIG, "broken": "kind: Pod\nspec: [unclosed\n"}
    out = {}
    for name, text in files.items():
        p = tmp_path / f"{name}.yaml"
        p.write_text(text)
        out[name] = p
    return out


def test_cli_admitted_exit_0_json(manifests: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["admit", str(manifests["postgres"]), "--topology", SNC, "-o", "json"])
    out = capsys.readouterr().out
    assert code == 0
    doc = json.loads(out)
    assert doc["admitted"] is True and doc["policy"] == "restricted" and doc["scope"] == "pod"


def test_cli_rejected_exit_1_with_policy_override(
    manifests: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["admit", str(manifests["big"]), "--topology", SNC, "--policy", "single-numa-node"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith("REJECTED  TopologyAffinityError")
    # the same pod under the configured policy (restricted) is admitted
    assert main(["admit", str(manifests["big"]), "--topology", SNC, "-o", "json"]) == 0


def test_cli_scope_override(manifests: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["admit", str(manifests["postgres"]), "--topology", SNC, "--scope", "container", "-o", "json"]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["scope"] == "container"
    # container scope ignores the pod budget: no bubble, the backup sidecar runs on the node pool
    assert doc["pod"] is None and doc["pod_cgroup"]["cpu_max"] != ""
    backup = doc["containers"][0]
    assert backup["isolation"] == "host" and backup["cpus"] == doc["default_cpuset"]


def test_cli_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(POSTGRES.encode())))
    assert main(["admit", "-", "--topology", SNC, "-o", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["pod_key"] == "pg-0001"


@pytest.mark.parametrize(
    "argv",
    [
        ["admit", "missing.yaml", "--topology", SNC],
        ["admit", "{broken}", "--topology", SNC],
        ["admit", "{postgres}", "--topology", "no-such-topology.yaml"],
        ["admit", "{postgres}", "--topology", SNC, "--pod", "nobody"],
    ],
)
def test_cli_bad_input_exit_2_one_line(
    argv: list[str], manifests: dict[str, Path], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    argv = [a.format(**{k: str(v) for k, v in manifests.items()}) for a in argv]
    code = main(argv)
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1 and captured.err.startswith("workbench: ")


@pytest.mark.parametrize("policy", ["none", "best-effort", "restricted", "single-numa-node"])
@pytest.mark.parametrize("scope", ["container", "pod"])
def test_text_fits_80_columns_for_every_policy_and_scope(policy: str, scope: str) -> None:
    node = topology("amd-epyc-2s-nps4")
    for manifest in (POSTGRES, TOO_BIG):
        d = admit(node, config(policy, scope), NodeState(), pod(manifest))
        text = decision_to_text(d, node)
        wide = [line for line in text.splitlines() if len(line) > 80]
        assert wide == []
        assert text.splitlines()[0].startswith("ADMITTED" if d.admitted else "REJECTED")


def test_cli_reports_checkpoint_problems_beside_the_verdict(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(POSTGRES.encode())))
    kdir = FIXTURES.parent / "kubelet" / "broken-state"
    code = main(
        ["admit", "-", "--kubelet-dir", str(kdir), "--topology", str(kdir / "topology.yaml"), "-o", "json"]
    )
    doc = json.loads(capsys.readouterr().out)
    assert code in (0, 1)
    assert any(a.startswith("checkpoint problem: ") for a in doc["advice"])
