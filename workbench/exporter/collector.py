"""prometheus_client collector over a callable returning the application layer's families.

Collection happens at scrape time: each scrape calls `collect_families` once, so what Prometheus
sees is as fresh as the scrape and costs nothing between scrapes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from workbench.services.metric_family import Family


def to_metric(fam: Family) -> Metric:
    metric: GaugeMetricFamily | CounterMetricFamily
    if fam.kind == "counter":
        metric = CounterMetricFamily(fam.name, fam.help, labels=list(fam.label_names), unit=fam.unit)
    else:
        metric = GaugeMetricFamily(fam.name, fam.help, labels=list(fam.label_names), unit=fam.unit)
    for values, value in fam.samples:
        metric.add_metric(list(values), value)
    return metric


class FamiliesCollector(Collector):
    def __init__(self, collect_families: Callable[[], Sequence[Family]]) -> None:
        self._collect = collect_families

    def collect(self) -> Iterator[Metric]:
        for fam in self._collect():
            yield to_metric(fam)
