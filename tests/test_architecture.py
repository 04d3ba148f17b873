"""Layering rules: the core never imports Textual, and each layer only imports layers below it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PKG = Path(__file__).resolve().parent.parent / "workbench"
LAYERS = ["topology", "kube", "admission", "cgroups", "journal"]


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_tui_imports_textual() -> None:
    offenders = []
    for path in PKG.rglob("*.py"):
        if "tui" in path.relative_to(PKG).parts:
            continue
        if any(n == "textual" or n.startswith("textual.") for n in _imports(path)):
            offenders.append(str(path.relative_to(PKG)))
    assert offenders == []


def test_layers_import_only_downwards() -> None:
    offenders = []
    for i, layer in enumerate(LAYERS):
        forbidden = LAYERS[i + 1 :] + ["cli", "tui"]
        for path in (PKG / layer).rglob("*.py"):
            for name in _imports(path):
                parts = name.split(".")
                if parts[0] == "workbench" and len(parts) > 1 and parts[1] in forbidden:
                    offenders.append(f"{path.relative_to(PKG)} imports {name}")
    assert offenders == []


def test_cli_import_does_not_load_textual() -> None:
    code = (
        "import sys, workbench.cli.main as m; m.build_parser();"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
