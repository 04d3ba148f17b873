"""The built-in demo node: the 2-socket Intel sub-NUMA-clustering machine shipped as package data."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources

from workbench.inputs import read_document
from workbench.topology.model import Topology
from workbench.topology.spec import load_spec

DEMO_SPEC = "intel-2s-snc.yaml"


@lru_cache(maxsize=1)
def demo_topology() -> Topology:
    """2 sockets x 16 cores x 2 threads, SNC2 (4 NUMA nodes, distances 10/11/21), with devices.

    Cached: a Topology is immutable, so every caller can share the one instance.
    """
    doc, _ = read_document(resources.files("workbench").joinpath("data", "topologies", DEMO_SPEC))
    return load_spec(doc)
