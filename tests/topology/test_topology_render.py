"""render_sysfs writes a tree that read_machine reads back to the same machine, for any shape, and
read_sysfs to the kubelet view derived from it."""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from topology_fixture_paths import TOPOLOGY_SPECS, spec_names, tree_names

from workbench.topology import (
    CPUSet,
    Device,
    Machine,
    MachineCPU,
    NumaNode,
    dump_spec,
    load_machine_spec,
    load_spec,
    read_machine,
    read_sysfs,
    render_sysfs,
)

KIB = 1024
_RESOURCES: dict[str, list[str | None]] = {
    "gpu": [None, "nvidia.com/gpu", "amd.com/gpu"],
    "nic": [None],
    "storage": [None],
    "accelerator": [None],
}


@st.composite
def machines(draw: st.DrawFn) -> Machine:
    """Machines real sysfs can express, with ids as the reader assigns them.

    Packages may have an unknown `physical_package_id` (-1; their package comes from the masks),
    CPUs may be in no NUMA node, `core_id` repeats across packages as in sysfs (so the kubelet
    merges cores of -1 packages that share a node), clusters pair cores, caches may lack ids and
    the node directory may be missing.
    """
    node_directory = draw(st.booleans()) or draw(st.booleans())
    n_packages = draw(st.integers(1, 3))
    node_pool = iter(draw(st.lists(st.integers(0, 40), min_size=8, max_size=8, unique=True)))
    l3_pool = iter(draw(st.lists(st.integers(0, 500), min_size=12, max_size=12, unique=True)))
    cache_ids = draw(st.booleans())
    threads = draw(st.sampled_from([1, 2, 4]))
    clusters = draw(st.booleans())
    socket_pool = draw(st.lists(st.integers(0, 9), min_size=n_packages, max_size=n_packages, unique=True))
    # (socket, node, die, l3, cluster key, core_id) per core
    cores: list[tuple[int, int | None, int, int | None, int | None, int]] = []
    node_ids: list[int] = []
    for p in range(n_packages):
        socket = -1 if draw(st.integers(0, 3)) == 0 else socket_pool[p]
        for _ in range(draw(st.integers(1, 2))):
            node: int | None = None
            if not node_directory:
                node = 0
            elif draw(st.integers(0, 5)) or not node_ids:
                node = next(node_pool)
                node_ids.append(node)
            l3 = next(l3_pool) if draw(st.booleans()) else None
            die = draw(st.integers(0, 1))
            for k in range(draw(st.integers(1, 4))):
                cluster = len(cores) // 2 if clusters else None
                cores.append((socket, node, die, l3, cluster, k + 10 * die))
    if not node_directory:
        node_ids = [0]
    total = len(cores) * threads
    n_offline = draw(st.integers(0, 3))
    ids = draw(st.permutations(range(total + n_offline)))
    online_ids, offline_ids = sorted(ids[:total]), ids[total:]
    members = [sorted(ids[k * threads : (k + 1) * threads]) for k in range(len(cores))]
    # package of each core: its socket when known, else a package of its own per (socket slot)
    return _canonical(draw, cores, members, node_ids, node_directory, cache_ids, offline_ids, online_ids)


def _canonical(
    draw: st.DrawFn,
    cores: list[tuple[int, int | None, int, int | None, int | None, int]],
    members: list[list[int]],
    node_ids: list[int],
    node_directory: bool,
    cache_ids: bool,
    offline_ids: list[int],
    online_ids: list[int],
) -> Machine:
    order = sorted(range(len(cores)), key=lambda k: members[k][0])
    core_rank = {k: i for i, k in enumerate(order)}
    # Packages: the known sockets keep their id; each run of cores with socket -1 that came from
    # one package slot gets a fresh id, numbered after the known ones by lowest CPU.
    slots: dict[tuple[int, int], list[int]] = {}
    slot = 0
    for k, core in enumerate(cores):
        if k and cores[k - 1][0] != core[0]:
            slot += 1
        slots.setdefault((core[0], slot if core[0] < 0 else -1), []).append(k)
    known = [s for s, _ in slots if s >= 0]
    fresh = max(known, default=-1) + 1
    package_of: dict[int, int] = {}
    for (socket, _), ks in sorted(slots.items(), key=lambda kv: min(members[k][0] for k in kv[1])):
        pid = socket
        if socket < 0:
            pid, fresh = fresh, fresh + 1
        for k in ks:
            package_of[k] = pid
    l3_names = sorted({c[3] for c in cores if c[3] is not None})
    if not cache_ids:
        # without cache ids the reader numbers L3 groups by their lowest CPU
        lowest = {l3: min(members[k][0] for k, c in enumerate(cores) if c[3] == l3) for l3 in l3_names}
        l3_names = sorted(l3_names, key=lambda x: lowest[x])
    l3_id = {l3: (l3 if cache_ids else i) for i, l3 in enumerate(l3_names)}
    cluster_lowest = sorted(
        {c[4] for c in cores if c[4] is not None},
        key=lambda x: min(members[k][0] for k, c in enumerate(cores) if c[4] == x),
    )
    sizes = {x: sum(len(members[k]) for k, c in enumerate(cores) if c[4] == x) for x in cluster_lowest}
    multi = [x for x in cluster_lowest if sizes[x] > 1]
    cluster_id = {x: i for i, x in enumerate(multi)}
    cpus = []
    for k, (socket, node, die, l3, cluster, core_id) in enumerate(cores):
        for cpu in members[k]:
            cpus.append(
                MachineCPU(
                    id=cpu,
                    package=package_of[k],
                    core=core_rank[k],
                    numa=node,
                    socket=socket,
                    core_id=core_id,
                    die=die,
                    cluster=cluster_id.get(cluster) if cluster is not None else None,
                    l3=l3_id[l3] if l3 is not None else None,
                )
            )
    cpus.sort(key=lambda c: c.id)
    memory_only = [40 + i for i in range(draw(st.integers(0, 2)))] if node_directory else []
    all_nodes = sorted(set(node_ids) | set(memory_only))
    with_distances = node_directory and draw(st.booleans())
    nodes = []
    for n in all_nodes:
        dist = {m: 10 if m == n else draw(st.integers(11, 40)) for m in all_nodes} if with_distances else {}
        pages = draw(st.dictionaries(st.sampled_from([2 * 2**20, 2**30]), st.integers(0, 64), max_size=2))
        nodes.append(
            NumaNode(
                id=n,
                cpus=CPUSet(c.id for c in cpus if c.numa == n),
                memory_bytes=draw(st.integers(0, 2**26)) * KIB,
                hugepages=MappingProxyType(dict(sorted(pages.items())) if node_directory else {}),
                distances=MappingProxyType(dist),
            )
        )
    return Machine(
        name="random",
        cpus=tuple(cpus),
        numa_nodes=tuple(nodes),
        devices=_devices(draw, all_nodes),
        offline_cpus=CPUSet(offline_ids),
        node_directory=node_directory,
        cache_ids=cache_ids or not l3_names,
    )


def _devices(draw: st.DrawFn, nodes: list[int]) -> tuple[Device, ...]:
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
                numa=draw(st.sampled_from([None, *nodes])),
                resource=draw(st.sampled_from(_RESOURCES[kind])),
                address=f"0000:{0x10 + i:02x}:00.0",
            )
        )
    return tuple(devices)


_dirs = itertools.count()


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow], deadline=None)
@given(machines())
def test_read_of_rendered_tree_gives_the_machine_back(fast_tmp: Path, machine: Machine) -> None:
    root = fast_tmp / f"r{next(_dirs)}"
    render_sysfs(machine, root)
    got = read_machine(root, name=machine.name)
    assert dataclasses.replace(got, notes=()) == machine
    # ... and the kubelet's view of the tree is the one derived from the machine
    view = read_sysfs(root, name=machine.name)
    assert dataclasses.replace(view, notes=()) == dataclasses.replace(machine.kubelet.topology, notes=())
    # ... and so is a spec's
    assert load_machine_spec(dump_spec(machine)) == machine


@pytest.mark.parametrize("name", tree_names())
def test_every_real_tree_survives_render(fast_tmp: Path, name: str, sysfs_trees: Mapping[str, Path]) -> None:
    machine = read_machine(sysfs_trees[name])
    render_sysfs(machine, fast_tmp)
    got = read_machine(fast_tmp, name=machine.name)
    assert dataclasses.replace(got, notes=(), devices=()) == dataclasses.replace(
        machine, notes=(), devices=()
    )
    assert got.kubelet.topology.cpus == machine.kubelet.topology.cpus


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
