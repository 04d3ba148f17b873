"""The demo kubelet's configuration is written out as a Python document so `workbench demo`
starts without a YAML parser; it must say exactly what the YAML text (shipped in bundles) says."""

from __future__ import annotations

import yaml

from workbench.kube.config import DEMO_CONFIG_YAML, config_from_mapping, demo_config_document


def test_the_demo_document_is_the_demo_yaml() -> None:
    assert demo_config_document() == yaml.safe_load(DEMO_CONFIG_YAML)


def test_the_demo_document_is_a_valid_kubelet_config() -> None:
    cfg, problems = config_from_mapping(demo_config_document(), "<demo>")
    assert problems == []
    assert (cfg.cpu_manager_policy, cfg.topology_manager_policy) == ("static", "restricted")
