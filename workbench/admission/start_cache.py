"""The managers' start state, kept across admissions: each admission gets working copies.

Every admission starts the CPU and memory managers from the node's checkpoint (`NewStaticPolicy`
and `Start` for the CPU manager, the memory manager's machine state and `validateState`), and
the TUI re-decides on every keystroke against the same node: building and checking that start
cost about as much as the decision. So the started managers and their start-up findings are
kept here, keyed by the identity of the topology, configuration and node state, and each
admission gets `working_copy()`s, which share what it does not change (NUMA tables, pods'
entries) and copy what it changes; the kept managers themselves are never handed out.

Keying by identity relies on those three objects being immutable after construction: `NodeState`
and `NodeConfig` are frozen records whose mappings are read-only, and a `Topology`'s lazy lookups
are derived from its fields, never changed. Each entry holds the three objects, so an id cannot be
reused by another object while its entry is kept. The cache is a small LRU: a TUI session looks
at a few nodes at a time, and a process deciding for many nodes should not keep them all.
"""

from __future__ import annotations

from workbench.admission.cpu_manager import CPUManager
from workbench.admission.device_manager import DeviceManager
from workbench.admission.memory_manager import MemoryManager
from workbench.kube.checkpoint_cpu import CPU_STATE
from workbench.kube.checkpoint_memory import MEMORY_STATE
from workbench.kube.model import NodeConfig, NodeState
from workbench.topology.model import Topology

# entries kept (least recently used dropped first)
SIZE = 8


class _Start:
    __slots__ = ("topology", "config", "state", "cpu", "memory", "problems")

    def __init__(
        self,
        topology: Topology,
        config: NodeConfig,
        state: NodeState,
        cpu: CPUManager,
        memory: MemoryManager,
        problems: tuple[str, ...],
    ) -> None:
        # the key's objects, held so their ids stay theirs
        self.topology, self.config, self.state = topology, config, state
        self.cpu, self.memory, self.problems = cpu, memory, problems


# A plain dict in insertion order as the LRU (re-inserted on a hit): no lock and no OrderedDict
# import on the CLI's start path; a race between threads costs at worst one rebuilt entry.
_cache: dict[tuple[int, int, int], _Start] = {}


def start_problems(cpu: object, memory: object) -> tuple[str, ...]:
    """What the CPU and memory managers would refuse at start, named after the checkpoint file."""
    # Scripted managers in tests may have neither attribute.
    out = [f"{CPU_STATE}: {p}" for p in getattr(cpu, "problems", ())]
    check = getattr(memory, "validate_state", None)
    found = check() if check is not None else None
    if found:
        out.append(f"{MEMORY_STATE}: {found}")
    return tuple(out)


def _start(topology: Topology, config: NodeConfig, state: NodeState) -> _Start:
    key = (id(topology), id(config), id(state))
    hit = _cache.pop(key, None)
    if hit is not None:
        _cache[key] = hit
        return hit
    # may raise InputError (a configuration the kubelet refuses): nothing is kept then
    cpu = CPUManager(topology, config, state)
    memory = MemoryManager(topology, config, state)
    start = _Start(topology, config, state, cpu, memory, start_problems(cpu, memory))
    _cache[key] = start
    while len(_cache) > SIZE:
        try:
            del _cache[next(iter(_cache))]
        except (KeyError, RuntimeError, StopIteration):  # another thread got there first
            break
    return start


def working_managers(
    topology: Topology, config: NodeConfig, state: NodeState
) -> tuple[DeviceManager, CPUManager, MemoryManager, tuple[str, ...]]:
    """Fresh working copies of the device, CPU and memory managers started from `state`, and
    their start-up findings. The device manager is cheap to build and is built each time."""
    start = _start(topology, config, state)
    devices = DeviceManager(topology, state)
    return devices, start.cpu.working_copy(), start.memory.working_copy(), start.problems


def cached_entries() -> int:
    return len(_cache)


def clear() -> None:
    _cache.clear()
