"""The demo's teaching scenarios for the palette and the Open dialog: the built-in ones
(`services.demo_pods`) and, in a checkout, the manifests of `fixtures/pods/`."""

from __future__ import annotations

from pathlib import Path

from workbench.services.demo_pods import SCENARIOS, SEED_MANIFESTS, scenario_pod, seed_pods

__all__ = ["SCENARIOS", "SEED_MANIFESTS", "scenario_files", "scenario_pod", "seed_pods"]


def scenario_files(root: Path | None = None) -> list[Path]:
    """Pod manifests in the repository's `fixtures/pods/` (a checkout), else none."""
    base = root or Path(__file__).resolve().parents[3] / "fixtures" / "pods"
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.suffix in (".yaml", ".yml"))
