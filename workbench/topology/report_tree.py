"""The machine as an lstopo-like tree of text lines that fits a width.

Objects (drawers, books, packages, dies, NUMA nodes, clusters, L3 caches) nest by CPU set, as
hwloc nests them: NUMA nodes above the packages they hold, or inside a package when it has
several. A chain of objects with one CPU set prints as one line (`Package 3 + L3 3`), cores are
listed on the line of their innermost object, and above `DETAIL_LIMIT` CPUs runs of alike cores
and of alike objects collapse to one line each. A line of an object the kubelet reads otherwise
ends with `[kN]`, the number of that difference in the "Kubelet view" section.
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.record import MutableRecord
from workbench.topology.cpuset import CPUSet
from workbench.topology.machine import Machine

# Above this many CPUs each core no longer gets its own entry: runs of alike cores collapse...
DETAIL_LIMIT = 64
# ...and so do runs of at least this many alike objects (a few L3s keep their own lines).
COLLAPSE_RUN = 4

_RANK = {"drawer": 0, "book": 1, "package": 2, "die": 3, "numa": 4, "nonuma": 4, "cluster": 5, "l3": 6}
# Which kind of kubelet difference marks which kind of object.
_MARKED_BY = {
    "package": ("socket", "left_out"),
    "nonuma": ("left_out",),
    "numa": ("numa",),
    "l3": ("uncore",),
}


class Obj(MutableRecord):
    kind: str
    label: str
    cpus: frozenset[int]
    marks: tuple[int, ...]
    children: list[Obj]
    holds_numa: bool  # a NUMA node is this object or inside it: never collapsed

    __slots__ = _fields = ("kind", "label", "cpus", "marks", "children", "holds_numa")

    def __init__(
        self,
        kind: str,
        label: str,
        cpus: frozenset[int],
        marks: tuple[int, ...] = (),
        children: list[Obj] | None = None,
        holds_numa: bool = False,
    ) -> None:
        self.kind = kind
        self.label = label
        self.cpus = cpus
        self.marks = marks
        self.children = [] if children is None else children
        self.holds_numa = holds_numa


def with_list(prefix: str, items: object, width: int, indent: str) -> list[str]:
    """`prefix` then a CPU list, broken after commas so no line passes `width`."""
    parts = str(items).split(",")
    lines: list[str] = []
    line = prefix
    for i, part in enumerate(parts):
        piece = part + ("," if i < len(parts) - 1 else "")
        if len(line) + len(piece) > width and line.strip() and line != prefix:
            lines.append(line)
            line = indent + piece
        else:
            line += piece
    lines.append(line)
    return lines


def _pack(tokens: list[str], indent: str, width: int) -> list[str]:
    lines: list[str] = []
    line = indent
    for tok in tokens:
        candidate = f"{line}  {tok}" if line.strip() else f"{indent}{tok}"
        if len(candidate) > width and line.strip():
            lines.append(line)
            line = f"{indent}{tok}"
        else:
            line = candidate
    if line.strip():
        lines.append(line)
    return lines


def _marks(text: tuple[int, ...]) -> str:
    return f" [k{','.join(map(str, text))}]" if text else ""


class TreeBuilder:
    def __init__(
        self, m: Machine, labels: dict[str, Callable[[int], str]], differences: list[tuple[str, CPUSet]]
    ):
        self.m = m
        self.labels = labels
        self.differences = differences  # (kind, cpus), numbered from 1
        self.detailed = len(m.cpus) <= DETAIL_LIMIT

    def marks_for(self, kind: str, cpus: frozenset[int], innermost: bool) -> tuple[int, ...]:
        wanted = _MARKED_BY.get(kind, ()) + (("core",) if innermost else ())
        return tuple(
            i for i, (dk, dc) in enumerate(self.differences, 1) if dk in wanted and not cpus.isdisjoint(dc)
        )

    def objects(self) -> list[Obj]:
        m = self.m
        found: list[Obj] = []
        from workbench.topology.report import shown_groups

        groups = [(kind, gid, CPUSet.parse(text).as_frozenset()) for kind, gid, text in shown_groups(m)]
        for kind, gid, members in groups:
            if kind != "cluster":
                found.append(Obj(kind, self.labels[kind](gid), members))
        for pkg, cpus in m.cpus_by_package.items():
            found.append(Obj("package", self.labels["package"](pkg), cpus.as_frozenset()))
        for n in m.numa_nodes:
            if n.cpus:
                found.append(Obj("numa", self.labels["numa"](n.id), n.cpus.as_frozenset(), holds_numa=True))
        if m.nodeless_cpus:
            found.append(Obj("nonuma", "No NUMA node", m.nodeless_cpus.as_frozenset()))
        for kind, gid, members in groups:
            if kind == "cluster":
                found.append(Obj(kind, self.labels[kind](gid), members))
        for l3, cpus in m.cpus_by_l3.items():
            found.append(Obj("l3", self.labels["l3"](l3), cpus.as_frozenset()))
        return found

    def tree(self) -> list[Obj]:
        roots: list[Obj] = []
        placed: list[Obj] = []
        for obj in sorted(self.objects(), key=lambda o: (-len(o.cpus), _RANK[o.kind], min(o.cpus))):
            parent = next((p for p in reversed(placed) if obj.cpus <= p.cpus), None)
            (parent.children if parent is not None else roots).append(obj)
            placed.append(obj)
        for root in roots:
            self._finish(root)
        return sorted(roots, key=lambda o: min(o.cpus))

    def _finish(self, obj: Obj) -> None:
        obj.children.sort(key=lambda o: min(o.cpus))
        for child in obj.children:
            self._finish(child)
            obj.holds_numa = obj.holds_numa or child.holds_numa
        inner = not obj.children or len(self.loose(obj)) > 0
        obj.marks = self.marks_for(obj.kind, obj.cpus, inner)

    @staticmethod
    def loose(obj: Obj) -> frozenset[int]:
        """CPUs of `obj` in none of its children: their cores are listed on `obj`'s line."""
        covered: set[int] = set()
        for child in obj.children:
            covered |= child.cpus
        return obj.cpus - covered


_KIND_NAME = {
    "drawer": "Drawer", "book": "Book", "package": "Package", "die": "Die", "numa": "NUMANode",
    "nonuma": "No NUMA node", "cluster": "Cluster", "l3": "L3",
}  # fmt: skip


def cores_lines(m: Machine, cpus: frozenset[int], indent: str, width: int, detailed: bool) -> list[str]:
    by_id = m.cpu_by_id
    cores: dict[int, list[int]] = {}
    for cid in sorted(cpus):
        cores.setdefault(by_id[cid].core, []).append(cid)
    ordered = sorted(cores.items(), key=lambda kv: kv[1][0])
    if detailed:
        return _pack([f"Core {k}: {','.join(map(str, pus))}" for k, pus in ordered], indent, width)
    # Runs of cores with the same number of PUs collapse to one line each.
    lines: list[str] = []
    run: list[list[int]] = []
    for _, pus in [*ordered, (-1, [])]:
        if run and (not pus or len(pus) != len(run[0])):
            n = len(run[0])
            members = CPUSet(p for r in run for p in r)
            head = f"{indent}{len(run)} x Core ({n} PU{'s' if n != 1 else ''}): "
            lines.extend(with_list(head, members, width, indent + "  "))
            run = []
        if pus:
            run.append(pus)
    return lines


class TreeText:
    """Lines of the tree `TreeBuilder` made."""

    def __init__(self, builder: TreeBuilder, width: int) -> None:
        self.b = builder
        self.m = builder.m
        self.width = width
        self.detailed = builder.detailed

    def chain(self, obj: Obj) -> list[Obj]:
        chain = [obj]
        while len(chain[-1].children) == 1 and chain[-1].children[0].cpus == chain[-1].cpus:
            chain.append(chain[-1].children[0])
        return chain

    def core_shape(self, cpus: frozenset[int]) -> tuple[int, ...]:
        sizes: dict[int, int] = {}
        for c in cpus:
            core = self.m.cpu_by_id[c].core
            sizes[core] = sizes.get(core, 0) + 1
        return tuple(sorted(sizes.values()))

    def signature(self, obj: Obj) -> object:
        chain = self.chain(obj)
        last = chain[-1]
        return (
            tuple(o.kind for o in chain),
            tuple(sorted({i for o in chain for i in o.marks})),
            self.core_shape(last.cpus),
            tuple(self.signature(c) for c in last.children),
        )

    def lines(self, objs: list[Obj], indent: str) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(objs):
            j = i + 1
            if not self.detailed and not objs[i].holds_numa:
                sig = self.signature(objs[i])
                while j < len(objs) and not objs[j].holds_numa and self.signature(objs[j]) == sig:
                    j += 1
            if j - i >= COLLAPSE_RUN:
                out.extend(self.run(objs[i:j], indent))
            else:
                for obj in objs[i:j]:
                    out.extend(self.one(obj, indent))
            i = j
        return out

    def run(self, objs: list[Obj], indent: str) -> list[str]:
        chain = self.chain(objs[0])
        kinds = " + ".join(_KIND_NAME[o.kind] for o in chain)
        marks = _marks(tuple(sorted({i for o in chain for i in o.marks})))
        shape = self.core_shape(chain[-1].cpus)
        pus = f"{shape[0]} PU{'s' if shape[0] != 1 else ''}" if len(set(shape)) == 1 else f"{sum(shape)} PUs"
        core = f"{len(shape)} core{'s' if len(shape) != 1 else ''}"
        head = f"{indent}{len(objs)} x {kinds}{marks} of {core} x {pus}: CPUs "
        members = CPUSet(c for o in objs for c in o.cpus)
        return with_list(head, members, self.width, indent + "  ")

    def one(self, obj: Obj, indent: str) -> list[str]:
        chain = self.chain(obj)
        last = chain[-1]
        label = " + ".join(o.label for o in chain) + _marks(
            tuple(sorted({i for o in chain for i in o.marks}))
        )
        if not last.children and not self.detailed:
            cores = cores_lines(self.m, last.cpus, "", self.width, False)
            merged = f"{indent}{label}: {cores[0]}" if cores else ""
            if len(cores) == 1 and len(merged) <= self.width:
                # One run of alike cores: keep the object and its cores on one line.
                return [merged]
        out = with_list(f"{indent}{label}: CPUs ", CPUSet(last.cpus), self.width, indent + "    ")
        out.extend(self.lines(last.children, indent + "  "))
        loose = self.b.loose(last)
        if loose:
            out.extend(cores_lines(self.m, loose, indent + "  ", self.width, self.detailed))
        return out
