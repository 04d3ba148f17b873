"""Field readers for a KubeletConfiguration mapping, collecting a `Problem` per bad field."""

from __future__ import annotations

from collections.abc import Mapping

from workbench.kube.pod import amount, quantity_text
from workbench.kube.problem import Problem
from workbench.quantity import parse_quantity

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


def bool_text(value: Any) -> str | None:
    """A policy option value as the kubelet sees it (the string `strconv.ParseBool` gets)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, str)):
        return str(value)
    return None


class ConfigReader:
    def __init__(self, doc: Mapping[str, Any], source: str) -> None:
        self.doc = doc
        self.source = source
        self.problems: list[Problem] = []

    def error(self, field: str, message: str) -> None:
        self.problems.append(Problem(field, message, "error", self.source))

    def text(self, key: str, default: str, allowed: tuple[str, ...]) -> str:
        value = self.doc.get(key)
        if value is None:
            return default
        if not isinstance(value, str) or value not in allowed:
            choices = ", ".join(allowed)
            self.error(key, f"unknown value {value!r} (must be one of: {choices})")
            return default
        return value

    def mapping(self, key: str) -> Mapping[str, Any]:
        value = self.doc.get(key)
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            self.error(key, "must be a mapping")
            return {}
        return value

    def options(self, key: str, message: str) -> dict[str, str]:
        """A map of policy options, each value as the string the kubelet parses."""
        out: dict[str, str] = {}
        for name, value in self.mapping(key).items():
            text = bool_text(value)
            if text is None:
                self.error(f"{key}.{name}", message.format(name=name))
                continue
            out[str(name)] = text
        return out

    def flags(self, key: str) -> dict[str, bool]:
        out: dict[str, bool] = {}
        for name, value in self.mapping(key).items():
            if not isinstance(value, bool):
                self.error(f"{key}.{name}", f"invalid value {value!r}: must be true or false")
                continue
            out[str(name)] = value
        return out

    def resource_list(self, key: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for name, raw in self.mapping(key).items():
            try:
                q = parse_quantity(quantity_text(raw))
            except ValueError as exc:
                self.error(f"{key}.{name}", str(exc))
                continue
            if q.sign() < 0:
                self.error(f"{key}.{name}", f"must be greater than or equal to 0, got {q}")
                continue
            try:
                out[str(name)] = amount(str(name), q)
            except ValueError as exc:  # beyond the kubelet's int64
                self.error(f"{key}.{name}", str(exc))
        return out

    def count(self, key: str, default: int, flag: str) -> int:
        """A non-negative integer field (`ValidateKubeletConfiguration`'s wording on refusal)."""
        value = self.doc.get(key, default)
        if not isinstance(value, int) or isinstance(value, bool):
            self.error(key, f"must be an integer, got {value!r}")
            return default
        if value < 0:
            self.error(key, f"invalid configuration: {flag} {value} must not be a negative number")
            return default
        return value
