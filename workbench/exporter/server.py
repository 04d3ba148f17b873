"""The HTTP side: `/metrics` in OpenMetrics (or the classic text format for clients that ask
for it), served by prometheus_client's threaded server on the address given."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import start_http_server
from prometheus_client.openmetrics.exposition import generate_latest as generate_openmetrics

from workbench.exporter.collector import FamiliesCollector
from workbench.services.metric_family import Family


def registry_of(collect_families: Callable[[], Sequence[Family]]) -> CollectorRegistry:
    # A registry of our own: no process/platform collectors, whose names are not workbench_*.
    registry = CollectorRegistry(auto_describe=False)
    registry.register(FamiliesCollector(collect_families))
    return registry


def render(collect_families: Callable[[], Sequence[Family]], *, openmetrics: bool = True) -> bytes:
    registry = registry_of(collect_families)
    if openmetrics:
        # prometheus_client's OpenMetrics writer carries no annotations.
        text: bytes = generate_openmetrics(registry)  # type: ignore[no-untyped-call]
        return text
    return generate_latest(registry)


def serve(collect_families: Callable[[], Sequence[Family]], host: str, port: int) -> threading.Event:
    """Start serving in background threads; the returned event is set to stop (never, in the CLI:
    it waits on it until a signal ends the process)."""
    start_http_server(port, addr=host, registry=registry_of(collect_families))
    return threading.Event()
