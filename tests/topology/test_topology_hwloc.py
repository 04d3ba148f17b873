"""read_sysfs agrees with hwloc's lstopo on every real machine's tree (PUs, packages, cores, L3
groups, NUMA nodes with their CPUs and memory, distance matrix), except where the kubelet sees
the machine differently; each such difference is written down here with its reason."""

from __future__ import annotations

import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from topology_fixture_paths import tree_names

from workbench.topology import read_sysfs

LSTOPO = shutil.which("lstopo-no-graphics")

pytestmark = [
    pytest.mark.lstopo,
    pytest.mark.skipif(LSTOPO is None, reason="hwloc's lstopo-no-graphics is not installed"),
]

# Where our answer is deliberately not hwloc's. Keys: tree -> fact -> why.
KUBELET_DIFFERS: dict[str, dict[str, str]] = {
    "64amd64-4s2n4ca2co": {
        "cores": "AMD Bulldozer: sysfs lists both cores of a compute unit as thread siblings but gives "
        "them distinct core_id; hwloc makes one core per sibling pair (32 cores), cadvisor groups by "
        "core_id, so the kubelet sees 64 one-thread cores",
    },
    "20s390-2g6s4c": {
        "packages": "physical_package_id is -1 on every CPU: cadvisor reads that as one socket (-1), "
        "hwloc builds 8 packages from core_siblings",
        "cores": "CPUs that are not thread siblings share core_id within a book/drawer; cadvisor "
        "groups by core_id, hwloc makes one core per PU",
    },
    "256ppc-8n8s4t": {
        "packages": "physical_package_id is -1 on every CPU: cadvisor reads that as one socket, "
        "hwloc builds 64 packages from core_siblings",
    },
    "offline-cpu0-node0": {
        "pus": "NUMA node 0 was taken offline by hand: the even CPUs 4-20 are online but in no NUMA "
        "node; cadvisor only walks NUMA nodes, so the kubelet never sees them; hwloc keeps them",
        "packages": "the package of the node-less CPUs is missing for the same reason",
        "cores": "cores of the node-less CPUs are missing for the same reason",
        "l3": "the L3 of the node-less CPUs is missing for the same reason",
    },
}


def _mask(text: str) -> frozenset[int]:
    value = 0
    for word in text.split(","):
        value = (value << 32) | (int(word, 16) if word else 0)
    return frozenset(i for i in range(value.bit_length()) if value >> i & 1)


def _hwloc_facts(root: Path) -> dict[str, Any]:
    assert LSTOPO is not None
    env = {**os.environ, "HWLOC_KEEP_NVIDIA_GPU_NUMA_NODES": "1"}
    xml = subprocess.run(
        [LSTOPO, "--if", "fsroot", "--input", str(root), "--of", "xml"],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout
    doc = ET.fromstring(xml)
    facts: dict[str, Any] = {"pus": set(), "packages": set(), "cores": set(), "l3": set(), "numa": {}}
    for obj in doc.iter("object"):
        kind = obj.get("type")
        cpuset = _mask(obj.get("cpuset", "0x0"))
        if kind == "PU":
            facts["pus"].add(int(obj.get("os_index", "-1")))
        elif kind == "Package":
            facts["packages"].add(cpuset)
        elif kind == "Core":
            facts["cores"].add(cpuset)
        elif kind == "L3Cache":
            facts["l3"].add(cpuset)
        elif kind == "NUMANode":
            facts["numa"][int(obj.get("os_index", "-1"))] = (cpuset, int(obj.get("local_memory", "0")))
    distances: dict[int, dict[int, int]] = {}
    for dist in doc.iter("distances2"):
        if dist.get("type") != "NUMANode":
            continue
        idx = [int(x) for x in " ".join(e.text or "" for e in dist.findall("indexes")).split()]
        vals = [int(x) for x in " ".join(e.text or "" for e in dist.findall("u64values")).split()]
        n = len(idx)
        distances = {idx[i]: {idx[j]: vals[i * n + j] for j in range(n)} for i in range(n)}
    facts["distances"] = distances
    return facts


@pytest.mark.parametrize("name", tree_names())
def test_discovery_matches_lstopo(name: str, sysfs_trees: Mapping[str, Path]) -> None:
    hw = _hwloc_facts(sysfs_trees[name])
    topo = read_sysfs(sysfs_trees[name])
    ours: dict[str, Any] = {
        "pus": set(topo.all_cpus),
        "packages": {s.as_frozenset() for s in topo.cpus_by_socket.values()},
        "cores": {s.as_frozenset() for s in topo.cpus_by_core.values()},
        "l3": {s.as_frozenset() for s in topo.cpus_by_l3.values()},
        "numa": {n.id: (n.cpus.as_frozenset(), n.memory_bytes) for n in topo.numa_nodes},
    }
    expected_differences = KUBELET_DIFFERS.get(name, {})
    for fact, value in ours.items():
        if fact in expected_differences:
            # The difference is real and documented: make sure it is still there, so the note
            # above cannot go stale silently.
            assert value != hw[fact], f"{name}: {fact} now agrees with hwloc; update KUBELET_DIFFERS"
        else:
            assert value == hw[fact], f"{name}: {fact} differs from lstopo"
    ours_distances = {n.id: dict(n.distances) for n in topo.numa_nodes}
    if hw["distances"]:
        assert ours_distances == hw["distances"]
    else:
        # hwloc drops a trivial 1-node matrix; ours then holds at most the node's own entry.
        assert all(set(d) <= {nid} for nid, d in ours_distances.items())


def test_documented_differences_are_explained_in_notes(sysfs_trees: Mapping[str, Path]) -> None:
    """Each machine where the kubelet's view differs tells the user so in the topology notes."""
    for name in KUBELET_DIFFERS:
        notes = " ".join(read_sysfs(sysfs_trees[name]).notes)
        assert "kubelet" in notes, name
