"""The demo node is precompiled (`workbench.topology.demo_spec`) from its shipped YAML spec: the
two must say the same, and loading the demo must not need a YAML parser."""

from __future__ import annotations

import subprocess
import sys
from importlib import resources

import yaml

from workbench.topology import demo_topology, load_spec
from workbench.topology.demo import DEMO_SPEC
from workbench.topology.demo_spec import DEMO_SPEC as PRECOMPILED


def _shipped_yaml() -> object:
    text = resources.files("workbench").joinpath("data", "topologies", DEMO_SPEC).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def test_precompiled_spec_is_the_shipped_yaml() -> None:
    assert PRECOMPILED == _shipped_yaml(), "regenerate workbench/topology/demo_spec.py (see its docstring)"


def test_demo_topology_is_the_yaml_specs_topology() -> None:
    shipped = _shipped_yaml()
    assert isinstance(shipped, dict)
    assert demo_topology() == load_spec(shipped)


def test_loading_the_demo_node_imports_no_yaml_parser() -> None:
    code = "import sys; from workbench.topology import demo_topology as d; d(); print('yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
