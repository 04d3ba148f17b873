"""Paths shared by the kube tests (every fixture lives in this repository, under fixtures/).

A plain module with a unique name (not conftest.py) so `import` finds exactly this file."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from workbench.topology import load_spec
from workbench.topology.model import Topology

REPO = Path(__file__).resolve().parents[2]
PODS = REPO / "fixtures" / "pods"
KUBELET = REPO / "fixtures" / "kubelet"
TOPOLOGIES = REPO / "fixtures" / "topologies"


@cache
def topology(name: str) -> Topology:
    return load_spec(TOPOLOGIES / f"{name}.yaml")
