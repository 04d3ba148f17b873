"""The demo's teaching scenarios for the palette and the Open dialog: the built-in ones and the
shipped manifest files (`services.demo_pods`)."""

from __future__ import annotations

from workbench.services.demo_pods import SCENARIOS, SEED_MANIFESTS, scenario_files, scenario_pod, seed_pods

__all__ = ["SCENARIOS", "SEED_MANIFESTS", "scenario_files", "scenario_pod", "seed_pods"]
