"""The cells the NUMA grid is drawn from (`viewmodel.grid` lays them out), as record value
classes: `@dataclass` compiled their methods at import, before the first paint."""

from __future__ import annotations

from typing import Literal

from workbench.record import Record, setfield
from workbench.services.ownership import OwnerKind
from workbench.topology.cpuset import CPUSet

Role = Literal["text", "border", "title", "cpu", "run", "dim"]

_NO_CPUS = CPUSet()  # shared: a CPUSet never changes


class Cell(Record):
    text: str
    role: Role
    cpu: int | None  # the CPU drawn here (first CPU of a collapsed run)
    kind: OwnerKind | None
    cpus: CPUSet  # every CPU this cell stands for
    preview: bool
    node: int | None  # the NUMA node a box title names
    hidden: bool  # a CPU the kubelet cannot see (it has no owner there)

    __slots__ = _fields = ("text", "role", "cpu", "kind", "cpus", "preview", "node", "hidden")

    def __init__(
        self,
        text: str,
        role: Role = "text",
        cpu: int | None = None,
        kind: OwnerKind | None = None,
        cpus: CPUSet = _NO_CPUS,
        preview: bool = False,
        node: int | None = None,
        hidden: bool = False,
    ) -> None:
        setfield(self, "text", text)
        setfield(self, "role", role)
        setfield(self, "cpu", cpu)
        setfield(self, "kind", kind)
        setfield(self, "cpus", cpus)
        setfield(self, "preview", preview)
        setfield(self, "node", node)
        setfield(self, "hidden", hidden)


Line = tuple[Cell, ...]
