"""Use case "show the machine" (`workbench topology`): packages, NUMA nodes, caches, cores and
devices as text, JSON, or a topology spec that `--topology` reads back. Imports only the
topology layer, so the command starts fast."""

from __future__ import annotations

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any

    from workbench.topology.model import Topology


def topology_json(topology: Topology) -> dict[str, Any]:
    from workbench.topology.report import topology_to_json

    return topology_to_json(topology)


def topology_text(topology: Topology) -> str:
    from workbench.topology.report_text import topology_to_text

    return topology_to_text(topology)


def topology_yaml(topology: Topology) -> str:
    from workbench.topology.spec import spec_yaml

    return spec_yaml(topology)
