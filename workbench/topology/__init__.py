"""Node topology: sysfs or a topology spec -> the machine (`Machine`) and the kubelet's view of it
(`Topology`, what admission uses; `Topology.machine` leads back to the machine).

Heavy helpers are imported lazily so `import workbench.topology` stays cheap for the CLI.
"""

from __future__ import annotations

from workbench.topology.cpuset import CPUSet, CPUSetError
from workbench.topology.model import CPU, Device, NumaNode, Topology

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any

    from workbench.topology.demo import demo_topology
    from workbench.topology.kubelet_view import Difference, KubeletView
    from workbench.topology.machine import Group, Machine, MachineCPU, machine_of
    from workbench.topology.render import render_sysfs
    from workbench.topology.spec import dump_spec, load_machine_spec, load_spec, save_spec, spec_yaml
    from workbench.topology.sysfs import read_machine, read_sysfs

_LAZY = {
    "read_sysfs": "workbench.topology.sysfs",
    "read_machine": "workbench.topology.sysfs",
    "load_spec": "workbench.topology.spec",
    "load_machine_spec": "workbench.topology.spec",
    "KubeletView": "workbench.topology.kubelet_view",
    "Machine": "workbench.topology.machine",
    "MachineCPU": "workbench.topology.machine",
    "Group": "workbench.topology.machine",
    "machine_of": "workbench.topology.machine",
    "Difference": "workbench.topology.kubelet_view",
    "dump_spec": "workbench.topology.spec",
    "save_spec": "workbench.topology.spec",
    "spec_yaml": "workbench.topology.spec",
    "render_sysfs": "workbench.topology.render",
    "demo_topology": "workbench.topology.demo",
}

__all__ = [
    "CPU",
    "CPUSet",
    "CPUSetError",
    "Device",
    "Difference",
    "Group",
    "KubeletView",
    "Machine",
    "MachineCPU",
    "NumaNode",
    "Topology",
    "demo_topology",
    "dump_spec",
    "load_machine_spec",
    "load_spec",
    "machine_of",
    "read_machine",
    "read_sysfs",
    "render_sysfs",
    "save_spec",
    "spec_yaml",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'workbench.topology' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
