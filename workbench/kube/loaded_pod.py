"""A pod as read from its file (re-exported by `kube.pod`)."""

from __future__ import annotations

from collections.abc import Mapping

from workbench.kube.model import PodSpec
from workbench.record import Record, setfield

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any


class LoadedPod(Record):
    """A pod read from a file, with the document it came from (for writing it back)."""

    pod: PodSpec
    doc: Mapping[str, Any]
    kind: str
    # Where the PodSpec sits inside `doc`, e.g. ("spec", "template", "spec").
    spec_path: tuple[str, ...]
    # Position of the document in the file (0-based) and, for `kind: List`, of the item.
    document: int
    item: int | None
    # The workload's own name (differs from the pod name for templates).
    object_name: str

    __slots__ = _fields = ("pod", "doc", "kind", "spec_path", "document", "item", "object_name")

    def __init__(
        self,
        pod: PodSpec,
        doc: Mapping[str, Any],
        kind: str,
        spec_path: tuple[str, ...],
        document: int = 0,
        item: int | None = None,
        object_name: str = "",
    ) -> None:
        setfield(self, "pod", pod)
        setfield(self, "doc", doc)
        setfield(self, "kind", kind)
        setfield(self, "spec_path", spec_path)
        setfield(self, "document", document)
        setfield(self, "item", item)
        setfield(self, "object_name", object_name)

    @property
    def field_prefix(self) -> str:
        return ".".join(self.spec_path)
