"""Node topology: sysfs or a topology spec -> one immutable `Topology` model."""

from workbench.topology.cpuset import CPUSet, CPUSetError
from workbench.topology.model import CPU, Device, NumaNode, Topology

__all__ = ["CPU", "CPUSet", "CPUSetError", "Device", "NumaNode", "Topology"]
