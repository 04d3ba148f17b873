"""Text of the Node screen's panels: the header, the CPU under the cursor, pods, distances."""

from __future__ import annotations

from collections.abc import Mapping

from workbench.kube.model import NodeConfig
from workbench.services.ownership import Owner, pods_on_node
from workbench.topology.model import Topology
from workbench.tui.viewmodel.grid import distance_rows
from workbench.tui.viewmodel.machine_view import NO_NODE, MachineView
from workbench.tui.viewmodel.owners import ASCII_GLYPHS, GLYPHS


def header(name: str, source: str, config: NodeConfig, read_only: bool, reason: str = "") -> str:
    mode = "READ-ONLY" + (f" ({reason})" if reason else "") if read_only else "dry-run"
    opts = ",".join(k for k in config.cpu_manager_policy_options if config.option(k))
    text = (
        f"{mode} · {name} · cpu {config.cpu_manager_policy} · topology "
        f"{config.topology_manager_policy}/{config.topology_manager_scope}"
    )
    if opts:
        text += f" · {opts}"
    return f"{text} · {source}" if source else text


def cpu_info(
    topology: Topology, owners: Mapping[int, Owner], cpu: int | None, view: MachineView | None = None
) -> str:
    if view is not None and cpu is not None and cpu in view.hidden:
        m = view.machine.cpu_by_id[cpu]
        where = f"NUMA {m.numa}" if m.numa is not None else NO_NODE
        siblings = view.machine.cpus_by_core[m.core]
        return (
            f"CPU {cpu} · {view.hidden[cpu]} · {where} · socket {m.package} · siblings {siblings}"
        )
    if cpu is None or cpu not in topology.cpu_by_id:
        return "no CPU selected"
    c = topology.cpu_by_id[cpu]
    owner = owners.get(cpu)
    sib = topology.siblings(cpu)
    l3 = f" L3 {c.l3}" if c.l3 is not None else ""
    what = owner.describe() if owner else "unknown"
    # Most telling first: at 80 columns the end of the line is cut.
    socket = c.socket
    if view is not None and cpu in view.machine.cpu_by_id:  # the package as hwloc names it
        m = view.machine.cpu_by_id[cpu]
        socket, sib = m.package, view.machine.cpus_by_core[m.core]
    text = f"CPU {cpu} · {what} · NUMA {c.numa} · core {c.core} · siblings {sib} · socket {socket}{l3}"
    if view is not None and cpu in view.read_otherwise:
        text += f" · kubelet: {view.read_otherwise[cpu]}"
    return text


def pod_lines(
    owners: Mapping[int, Owner], match: str = "", ascii_only: bool = False
) -> list[tuple[str, str]]:
    """(pod key, line) for every pod on the node, filtered by a substring of its name."""
    out = []
    for key, label, cpus in pods_on_node(owners):
        if match and match.lower() not in label.lower():
            continue
        kinds = sorted({owners[c].kind for c in cpus}, key=lambda k: k.value)
        glyphs = "".join((ASCII_GLYPHS if ascii_only else GLYPHS)[k] for k in kinds)
        out.append((key, f"{glyphs} {label}  cpus {cpus}"))
    return out


def distance_text(topology: Topology) -> str:
    rows = distance_rows(topology)
    w = max(len(x) for r in rows for x in r) + 1
    return "\n".join("".join(x.rjust(w) for x in r) for r in rows)


def devices_text(topology: Topology) -> str:
    if not topology.devices:
        return "no PCI devices with a NUMA node"
    by: dict[str, list[str]] = {}
    for d in topology.devices:
        by.setdefault("-" if d.numa is None else str(d.numa), []).append(d.name)
    return "\n".join(f"NUMA {n}: {', '.join(names)}" for n, names in sorted(by.items()))
