"""The built-in demo node: the 2-socket Intel sub-NUMA-clustering machine shipped as package data
(`data/topologies/intel-2s-snc.yaml`, precompiled into `demo_spec` so no YAML is parsed at start)."""

from __future__ import annotations

from functools import lru_cache

from workbench.topology.model import Topology
from workbench.topology.spec import load_spec

DEMO_SPEC = "intel-2s-snc.yaml"


@lru_cache(maxsize=1)
def demo_topology() -> Topology:
    """2 sockets x 16 cores x 2 threads, SNC2 (4 NUMA nodes, distances 10/11/21), with devices.

    Cached: a Topology is immutable, so every caller can share the one instance.
    """
    from workbench.topology.demo_spec import DEMO_SPEC as spec

    return load_spec(spec)
