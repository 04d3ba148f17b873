"""PCI devices that matter for placement (GPUs, NICs, storage, accelerators) and their NUMA node."""

from __future__ import annotations

from workbench.topology.model import Device
from workbench.topology.sysfs_files import entries, read_int

# PCI class code (top 16 bits of the 24-bit `class` value) -> device kind; other classes
# (bridges, USB, SMBus, ...) are not placement-relevant and are left out.
_PCI_KINDS = {
    0x0300: "gpu",
    0x0302: "gpu",
    0x0380: "gpu",
    0x0200: "nic",
    0x0207: "nic",
    0x0280: "nic",
    0x0100: "storage",
    0x0104: "storage",
    0x0106: "storage",
    0x0107: "storage",
    0x0108: "storage",
    0x0B40: "accelerator",
    0x1200: "accelerator",
    0x1280: "accelerator",
}
_PCI_KIND_BASE_CLASS = {0x03: "gpu", 0x02: "nic", 0x01: "storage", 0x12: "accelerator"}

# (vendor, kind) -> the extended resource its usual device plugin advertises.
PCI_RESOURCES = {
    (0x10DE, "gpu"): "nvidia.com/gpu",
    (0x1002, "gpu"): "amd.com/gpu",
    (0x8086, "gpu"): "gpu.intel.com/i915",
}


def pci_devices(root: str) -> list[Device]:
    base = f"{root}/sys/bus/pci/devices"
    listed = entries(base)
    if listed is None:
        return []
    addrs = sorted(listed)
    found: list[tuple[str, str, int | None, str | None]] = []
    for addr in addrs:
        d = f"{base}/{addr}"
        cls = read_int(f"{d}/class")
        if cls is None:
            continue
        kind = _PCI_KINDS.get(cls >> 8) or _PCI_KIND_BASE_CLASS.get(cls >> 16)
        if kind is None:
            continue
        numa = read_int(f"{d}/numa_node")
        vendor = read_int(f"{d}/vendor")
        resource = PCI_RESOURCES.get((vendor, kind)) if vendor is not None else None
        found.append((addr, kind, numa if numa is not None and numa >= 0 else None, resource))
    counters: dict[str, int] = {}
    devices = []
    for addr, kind, numa, resource in found:
        n = counters.get(kind, 0)
        counters[kind] = n + 1
        devices.append(Device(name=f"{kind}{n}", kind=kind, numa=numa, resource=resource, address=addr))
    return devices
