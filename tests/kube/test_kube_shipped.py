"""The shipped manifests' JSON twin (`workbench/data/pods/manifests.json`, `kube.shipped`): the
same text and the same documents, types included, as the YAML files; only an exact copy of a
shipped manifest is read from it, and reading one imports no PyYAML."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from workbench.inputs import load_yaml_documents
from workbench.kube.pod import load_pods
from workbench.kube.shipped import TWIN, plain_json, shipped_documents, twin_json

PODS = Path(__file__).resolve().parents[2] / "workbench" / "data" / "pods"


def _typed(doc: object) -> object:
    """`doc` with each scalar paired with its type: 1 and 1.0 and True differ."""
    if isinstance(doc, dict):
        return {k: _typed(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [_typed(v) for v in doc]
    return (type(doc).__name__, doc)


def test_the_twin_is_what_the_generator_writes_from_the_yaml_files() -> None:
    assert Path(TWIN) == PODS / "manifests.json"
    regenerate = "run python3 -m workbench.kube.shipped"
    assert Path(TWIN).read_text(encoding="utf-8") == twin_json(str(PODS)), regenerate


def test_every_shipped_manifest_has_a_twin_with_the_same_documents() -> None:
    twin = json.loads(Path(TWIN).read_text(encoding="utf-8"))
    files = sorted(p.name for p in PODS.glob("*.yaml"))
    assert sorted(twin) == files
    for name in files:
        text = (PODS / name).read_text(encoding="utf-8")
        docs = load_yaml_documents(text, name)
        assert plain_json(docs)
        assert twin[name]["text"] == text
        got = shipped_documents(PODS / name, text)
        assert got is not None and _typed(got) == _typed(docs), name


def test_only_an_exact_copy_is_read_from_the_twin(tmp_path: Path) -> None:
    text = (PODS / "postgres.yaml").read_text(encoding="utf-8")
    assert shipped_documents(tmp_path / "postgres.yaml", text) is not None
    edited = text.replace("postgres", "pg")
    assert shipped_documents(tmp_path / "postgres.yaml", edited) is None
    assert shipped_documents(tmp_path / "mine.yaml", text) is None
    assert shipped_documents("-", text) is None
    (tmp_path / "postgres.yaml").write_text(edited, encoding="utf-8")
    assert [p.pod.name for p in load_pods(tmp_path / "postgres.yaml")] == ["pg-0"]


def test_the_twin_and_yaml_give_the_same_pods() -> None:
    for path in sorted(PODS.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        from workbench.kube.pod import pods_from_text

        assert load_pods(path) == pods_from_text(text, str(path)), path.name


def test_admitting_a_shipped_manifest_or_a_json_pod_imports_no_yaml(tmp_path: Path) -> None:
    pod_json = tmp_path / "pod.json"
    pod_json.write_text(json.dumps(load_yaml_documents((PODS / "postgres.yaml").read_text(), "x")[0]))
    code = (
        "import contextlib, io, sys\nfrom workbench.cli.main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n    main(sys.argv[1:])\n"
        "print('yaml' in sys.modules)"
    )
    for pod in (str(PODS / "postgres.yaml"), str(pod_json)):
        argv = [sys.executable, "-c", code, "admit", pod, "--demo"]
        out = subprocess.run(argv, capture_output=True, text=True)
        assert out.stdout.strip() == "False", (pod, out.stderr)
