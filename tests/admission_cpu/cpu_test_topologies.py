"""The CPU topologies of the kubelet's CPU manager unit tests, as `Topology` values.

Transcribed from kubernetes `pkg/kubelet/cm/cpumanager/policy_test.go` (topoSingleSocketHT,
topoDualSocketHT, topoTripleSocketHT, topoDualSocketNoHT, topoDualSocketMultiNumaPerSocketHT,
fakeTopoMultiSocketDualSocketPerNumaHT, topoQuadSocketFourWayHT) and the uncore-cache test
topologies (topoUncoreSingleSocketNoSMT, topoUncoreDualSocketNoSMT, topoUncoreSingleSocketSMT,
topoUncoreSingleSocketMultiNuma, as defined next to `cpu_assignment_test.go`).

Upstream test topologies with `NUMANodeID` unset have every CPU on NUMA node 0; upstream
topologies without `UncoreCacheID` have every CPU on uncore cache 0 (the model's `l3=0`).
Core ids in these tables are already unique across the node, as the model requires.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from workbench.topology.cpuset import CPUSet
from workbench.topology.model import CPU, NumaNode, Topology


def build(name: str, rows: Iterable[tuple[int, int, int, int, int]]) -> Topology:
    """rows: (cpu, core, socket, numa, uncore)."""
    cpus = tuple(CPU(id=c, core=core, socket=s, numa=n, l3=u) for c, core, s, n, u in sorted(rows))
    by_numa: dict[int, list[int]] = {}
    for c in cpus:
        by_numa.setdefault(c.numa, []).append(c.id)
    nodes = tuple(NumaNode(id=n, cpus=CPUSet(ids)) for n, ids in sorted(by_numa.items()))
    return Topology(name=name, cpus=cpus, numa_nodes=nodes)


def _rule(name: str, n: int, f: Callable[[int], tuple[int, int, int, int]]) -> Topology:
    return build(name, [(c, *f(c)) for c in range(n)])


topoSingleSocketHT = _rule("topoSingleSocketHT", 8, lambda c: (c % 4, 0, 0, 0))
topoDualSocketHT = _rule("topoDualSocketHT", 12, lambda c: (c % 6, c % 2, c % 2, 0))
topoDualSocketNoHT = _rule("topoDualSocketNoHT", 8, lambda c: (c, c // 4, c // 4, 0))
# fake topology: sockets 1,0,2 hold cores 0-2,3-5,6-8; NUMA unset upstream (all 0)
topoTripleSocketHT = _rule("topoTripleSocketHT", 18, lambda c: (c // 2, (1, 0, 2)[c // 6], 0, 0))
# dual Xeon Gold 6230: sibling of c is c+40, NUMA = core div 10, socket = core div 20
topoDualSocketMultiNumaPerSocketHT = _rule(
    "topoDualSocketMultiNumaPerSocketHT", 80, lambda c: (c % 40, (c % 40) // 20, (c % 40) // 10, 0)
)
# the same machine with NUMA cells and sockets flipped: 4 sockets, 2 NUMA nodes
fakeTopoMultiSocketDualSocketPerNumaHT = _rule(
    "fakeTopoMultiSocketDualSocketPerNumaHT", 80, lambda c: (c % 40, (c % 40) // 10, (c % 40) // 20, 0)
)

# Uncore-cache topologies (NumUncoreCache as upstream).
topoUncoreSingleSocketNoSMT = _rule("topoUncoreSingleSocketNoSMT", 16, lambda c: (c, 0, 0, c // 4))
topoUncoreDualSocketNoSMT = _rule("topoUncoreDualSocketNoSMT", 16, lambda c: (c, c // 8, c // 8, c // 4))
topoUncoreSingleSocketSMT = _rule("topoUncoreSingleSocketSMT", 16, lambda c: (c % 8, 0, 0, (c % 8) // 4))
topoUncoreSingleSocketMultiNuma = _rule(
    "topoUncoreSingleSocketMultiNuma", 16, lambda c: (c, 0, c // 8, c // 4)
)

# topoQuadSocketFourWayHT (KNL SNC4, 4 threads per core): socket -> core -> its 4 CPUs.
_QUAD: dict[int, dict[int, tuple[int, ...]]] = {
    0: {
        0: (0, 169, 109, 229),
        1: (50, 170, 110, 230),
        64: (1, 25, 13, 38),
        65: (2, 26, 14, 39),
        72: (9, 33, 21, 46),
        73: (10, 34, 22, 47),
        8: (57, 177, 117, 237),
        9: (58, 178, 118, 238),
        24: (71, 191, 131, 251),
        25: (72, 192, 132, 252),
        32: (79, 199, 139, 259),
        33: (80, 200, 140, 260),
        40: (87, 207, 147, 267),
        41: (88, 208, 148, 268),
        48: (95, 215, 155, 275),
        49: (96, 216, 156, 276),
        56: (103, 223, 163, 283),
        57: (104, 224, 164, 284),
    },
    1: {
        66: (3, 27, 15, 40),
        67: (4, 28, 16, 41),
        74: (11, 35, 23, 48),
        75: (12, 36, 24, 49),
        2: (51, 171, 111, 231),
        3: (52, 172, 112, 232),
        10: (59, 179, 119, 239),
        11: (60, 180, 120, 240),
        18: (65, 185, 125, 245),
        19: (66, 186, 126, 246),
        26: (73, 193, 133, 253),
        27: (74, 194, 134, 254),
        34: (81, 201, 141, 261),
        35: (82, 202, 142, 262),
        42: (89, 209, 149, 269),
        43: (90, 210, 150, 270),
        50: (97, 217, 157, 277),
        51: (98, 218, 158, 278),
    },
    2: {
        68: (5, 29, 17, 42),
        69: (6, 30, 18, 43),
        4: (53, 173, 113, 233),
        5: (54, 174, 114, 234),
        12: (61, 181, 121, 241),
        13: (62, 182, 122, 242),
        20: (67, 187, 127, 247),
        21: (68, 188, 128, 248),
        28: (75, 195, 135, 255),
        29: (76, 196, 136, 256),
        36: (83, 203, 143, 263),
        37: (84, 204, 144, 264),
        44: (91, 211, 151, 271),
        45: (92, 212, 152, 272),
        52: (99, 219, 159, 279),
        53: (100, 220, 160, 280),
        60: (105, 225, 165, 285),
        61: (106, 226, 166, 286),
    },
    3: {
        70: (7, 31, 19, 44),
        71: (8, 32, 20, 45),
        63: (37, 168, 108, 228),
        62: (107, 227, 167, 287),
        6: (55, 175, 115, 235),
        7: (56, 176, 116, 236),
        14: (63, 183, 123, 243),
        15: (64, 184, 124, 244),
        22: (69, 189, 129, 249),
        23: (70, 190, 130, 250),
        30: (77, 197, 137, 257),
        31: (78, 198, 138, 258),
        38: (85, 205, 145, 265),
        39: (86, 206, 146, 266),
        46: (93, 213, 153, 273),
        47: (94, 214, 154, 274),
        54: (101, 221, 161, 281),
        55: (102, 222, 162, 282),
    },
}
topoQuadSocketFourWayHT = build(
    "topoQuadSocketFourWayHT",
    [(c, core, s, s, 0) for s, cores in _QUAD.items() for core, cs in cores.items() for c in cs],
)

TOPOLOGIES: dict[str, Topology] = {
    t.name: t
    for t in (
        topoSingleSocketHT,
        topoDualSocketHT,
        topoDualSocketNoHT,
        topoTripleSocketHT,
        topoDualSocketMultiNumaPerSocketHT,
        fakeTopoMultiSocketDualSocketPerNumaHT,
        topoUncoreSingleSocketNoSMT,
        topoUncoreDualSocketNoSMT,
        topoUncoreSingleSocketSMT,
        topoUncoreSingleSocketMultiNuma,
        topoQuadSocketFourWayHT,
    )
}
