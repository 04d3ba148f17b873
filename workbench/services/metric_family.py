"""A metric family as the application layer hands it to the exporter: names, help, kind and
samples, with no exposition library in sight (the exporter face turns these into OpenMetrics)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["gauge", "counter"]
Labels = tuple[tuple[str, str], ...]


@dataclass
class Family:
    """One metric: `name` without the `_total` a counter's samples carry on the wire."""

    name: str
    kind: Kind
    help: str
    label_names: tuple[str, ...]
    unit: str = ""
    samples: list[tuple[tuple[str, ...], float]] = field(default_factory=list)

    def add(self, value: float, *label_values: str) -> None:
        if len(label_values) != len(self.label_names):
            raise ValueError(f"{self.name}: {len(label_values)} label values for {self.label_names}")
        self.samples.append((label_values, value))
