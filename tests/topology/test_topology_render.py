"""render_sysfs writes a tree that read_sysfs reads back to the same topology, for any shape."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from topology_fixture_paths import TOPOLOGY_SPECS, spec_names

from workbench.topology import CPU, CPUSet, Device, NumaNode, Topology, load_spec, read_sysfs, render_sysfs

KIB = 1024
_RESOURCES: dict[str, list[str | None]] = {
    "gpu": [None, "nvidia.com/gpu", "amd.com/gpu"],
    "nic": [None],
    "storage": [None],
    "accelerator": [None],
}


@st.composite
def topologies(draw: st.DrawFn) -> Topology:
    """Topologies real sysfs can express: every core inside one NUMA node, canonical core ids."""
    n_sockets = draw(st.integers(1, 3))
    node_pool = draw(st.lists(st.integers(0, 40), min_size=6, max_size=6, unique=True))
    cores: list[tuple[int, int, int, int | None, int]] = []  # socket, node, die, l3, threads
    node_ids: list[int] = []
    l3_ids = iter(draw(st.lists(st.integers(0, 500), min_size=12, max_size=12, unique=True)))
    socket_ids = draw(st.lists(st.integers(0, 9), min_size=n_sockets, max_size=n_sockets, unique=True))
    threads = draw(st.sampled_from([1, 2, 4]))
    for s in socket_ids:
        for _ in range(draw(st.integers(1, 2))):
            node = node_pool[len(node_ids)]
            node_ids.append(node)
            l3 = next(l3_ids) if draw(st.booleans()) else None
            die = draw(st.integers(0, 1))
            for _ in range(draw(st.integers(1, 4))):
                cores.append((s, node, die, l3, threads))
    total = sum(c[4] for c in cores)
    n_offline = draw(st.integers(0, 3))
    ids = draw(st.permutations(range(total + n_offline)))
    online_ids, offline_ids = ids[:total], ids[total:]
    raw: list[tuple[int, int, int, int, int | None, int]] = []  # cpu, core#, socket, node, l3, die
    it = iter(online_ids)
    for k, (s, node, die, l3, th) in enumerate(cores):
        for _ in range(th):
            raw.append((next(it), k, s, node, l3, die))
    # Canonical core ids: 0.. in order of each core's lowest CPU id, as read_sysfs assigns them.
    lowest: dict[int, int] = {}
    for cpu, k, *_ in raw:
        lowest[k] = min(cpu, lowest.get(k, cpu))
    rank = {k: i for i, k in enumerate(sorted(lowest, key=lambda k: lowest[k]))}
    cpus = tuple(
        sorted(
            (CPU(id=cpu, core=rank[k], socket=s, numa=n, die=die, l3=l3) for cpu, k, s, n, l3, die in raw),
            key=lambda c: c.id,
        )
    )
    memory_only = node_pool[len(node_ids) : len(node_ids) + draw(st.integers(0, 2))]
    all_nodes = sorted(node_ids + memory_only)
    with_distances = draw(st.booleans())
    nodes = []
    for n in all_nodes:
        dist = {m: 10 if m == n else draw(st.integers(11, 40)) for m in all_nodes} if with_distances else {}
        pages = draw(st.dictionaries(st.sampled_from([2 * 2**20, 2**30]), st.integers(0, 64), max_size=2))
        nodes.append(
            NumaNode(
                id=n,
                cpus=CPUSet(c.id for c in cpus if c.numa == n),
                memory_bytes=draw(st.integers(0, 2**26)) * KIB,
                hugepages=MappingProxyType(dict(sorted(pages.items()))),
                distances=MappingProxyType(dist),
            )
        )
    kinds = draw(st.lists(st.sampled_from(sorted(_RESOURCES)), max_size=5))
    counters: dict[str, int] = {}
    devices = []
    for i, kind in enumerate(kinds):
        n = counters.get(kind, 0)
        counters[kind] = n + 1
        devices.append(
            Device(
                name=f"{kind}{n}",
                kind=kind,
                numa=draw(st.sampled_from([None, *all_nodes])),
                resource=draw(st.sampled_from(_RESOURCES[kind])),
                address=f"0000:{0x10 + i:02x}:00.0",
            )
        )
    return Topology(
        name="random",
        cpus=cpus,
        numa_nodes=tuple(nodes),
        devices=tuple(devices),
        offline_cpus=CPUSet(offline_ids),
    )


_dirs = itertools.count()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
@given(topologies())
def test_read_of_rendered_tree_gives_the_topology_back(fast_tmp: Path, topo: Topology) -> None:
    root = fast_tmp / f"r{next(_dirs)}"
    render_sysfs(topo, root)
    got = read_sysfs(root, name=topo.name)
    assert dataclasses.replace(got, notes=()) == topo
    # The only thing discovery may add is the warning about node-wide L3s (kubelet quirk).
    assert all("uses the socket id" in n for n in got.notes)


@pytest.mark.parametrize("name", spec_names())
def test_every_fixture_spec_survives_sysfs(fast_tmp: Path, name: str) -> None:
    topo = load_spec(TOPOLOGY_SPECS / f"{name}.yaml")
    render_sysfs(topo, fast_tmp)
    got = read_sysfs(fast_tmp, name=topo.name)
    assert got.cpus == topo.cpus
    assert got.numa_nodes == topo.numa_nodes
    assert got.offline_cpus == topo.offline_cpus
    assert [(d.name, d.kind, d.numa, d.resource) for d in got.devices] == [
        (d.name, d.kind, d.numa, d.resource) for d in topo.devices
    ]


def test_lstopo_reads_a_rendered_tree_like_we_do(fast_tmp: Path) -> None:
    """The synthetic tree is real enough for hwloc: same PUs and NUMA nodes."""
    import shutil
    import subprocess

    lstopo = shutil.which("lstopo-no-graphics")
    if lstopo is None:
        pytest.skip("hwloc's lstopo-no-graphics is not installed")
    topo = load_spec(TOPOLOGY_SPECS / "intel-2s-snc.yaml")
    render_sysfs(topo, fast_tmp)
    out = subprocess.run(
        [lstopo, "--if", "fsroot", "--input", str(fast_tmp), "--of", "console", "--only", "pu"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.count("PU ") == 64
    summary = subprocess.run(
        [lstopo, "--if", "fsroot", "--input", str(fast_tmp), "--of", "console", "--only", "numanode"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert summary.count("NUMANode") == 4
