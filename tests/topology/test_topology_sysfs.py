"""read_sysfs on small hand-built trees (one edge case each) and on facts of the real snapshots."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import pytest

from workbench.errors import InputError
from workbench.topology import CPU, CPUSet, Device, NumaNode, Topology, read_machine, read_sysfs, render_sysfs

GI = 2**30


def _node(nid: int, cpus: str, *, mem: int = 4 * GI, dist: dict[int, int] | None = None) -> NumaNode:
    return NumaNode(
        id=nid,
        cpus=CPUSet.parse(cpus),
        memory_bytes=mem,
        distances=MappingProxyType(dist or {}),
    )


def small_two_node() -> Topology:
    """2 sockets x 2 cores x 2 threads, one NUMA node per socket."""
    cpus = tuple(
        CPU(id=i, core=i % 4, socket=(i % 4) // 2, numa=(i % 4) // 2, l3=(i % 4) // 2) for i in range(8)
    )
    return Topology(
        name="small",
        cpus=cpus,
        numa_nodes=(
            _node(0, "0-1,4-5", dist={0: 10, 1: 21}),
            _node(1, "2-3,6-7", dist={0: 21, 1: 10}),
        ),
    )


def write(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def remove(root: Path, pattern: str) -> int:
    n = 0
    for p in root.glob(pattern):
        p.unlink()
        n += 1
    return n


# ---- offline CPUs -----------------------------------------------------------------------------


def test_offline_cpus_are_reported_and_left_out(fast_tmp: Path) -> None:
    t = dataclasses.replace(
        small_two_node(),
        cpus=tuple(c for c in small_two_node().cpus if c.id != 7),
        numa_nodes=(
            _node(0, "0-1,4-5", dist={0: 10, 1: 21}),
            _node(1, "2-3,6", dist={0: 21, 1: 10}),
        ),
        offline_cpus=CPUSet([7]),
    )
    render_sysfs(t, fast_tmp)
    got = read_sysfs(fast_tmp)
    assert got.offline_cpus == CPUSet([7])
    assert 7 not in got.all_cpus
    assert got.siblings(3) == CPUSet([3])


def test_old_kernel_without_cpu_online_uses_per_cpu_online_files(fast_tmp: Path) -> None:
    render_sysfs(small_two_node(), fast_tmp)
    cpu = fast_tmp / "sys/devices/system/cpu"
    (cpu / "online").unlink()
    (cpu / "cpu0/online").unlink()  # cpu0 usually cannot go offline and has no file
    write(fast_tmp, "sys/devices/system/cpu/cpu6/online", "0\n")
    got = read_sysfs(fast_tmp)
    assert got.offline_cpus == CPUSet([6])
    assert got.all_cpus == CPUSet.parse("0-5,7")


def test_offline_cpus_still_listed_in_a_node_cpulist_stay_out(fast_tmp: Path) -> None:
    render_sysfs(small_two_node(), fast_tmp)
    write(fast_tmp, "sys/devices/system/cpu/online", "0-6\n")
    got = read_sysfs(fast_tmp)
    assert got.node_by_id[1].cpus == CPUSet.parse("2-3,6")
    assert got.offline_cpus == CPUSet([7])


# ---- NUMA nodes -------------------------------------------------------------------------------


def test_memory_only_node_is_kept_without_cpus(fast_tmp: Path) -> None:
    t = dataclasses.replace(
        small_two_node(),
        numa_nodes=(
            _node(0, "0-1,4-5", dist={0: 10, 1: 21, 2: 30}),
            _node(1, "2-3,6-7", dist={0: 21, 1: 10, 2: 30}),
            _node(2, "", mem=16 * GI, dist={0: 30, 1: 30, 2: 10}),
        ),
    )
    render_sysfs(t, fast_tmp)
    got = read_sysfs(fast_tmp)
    assert got.numa_ids == (0, 1, 2)
    assert got.node_by_id[2].cpus == CPUSet()
    assert got.node_by_id[2].memory_bytes == 16 * GI
    assert got.cpu_numa_ids == (0, 1)
    assert got.distance(2, 0) == 30


def test_sparse_node_ids_map_distance_columns_by_online_list(fast_tmp: Path) -> None:
    cpus = tuple(CPU(id=i, core=i, socket=i // 2, numa=(0, 0, 5, 5)[i]) for i in range(4))
    t = Topology(
        name="sparse",
        cpus=cpus,
        numa_nodes=(_node(0, "0-1", dist={0: 10, 5: 31}), _node(5, "2-3", dist={0: 31, 5: 10})),
    )
    render_sysfs(t, fast_tmp)
    got = read_sysfs(fast_tmp, name="sparse")
    assert got.numa_nodes == t.numa_nodes


def test_no_node_directory_gives_one_node_zero_with_every_cpu(fast_tmp: Path) -> None:
    """hwloc makes one NUMA node of the machine; cadvisor (getCPUTopology) one per package."""
    render_sysfs(small_two_node(), fast_tmp)
    import shutil

    shutil.rmtree(fast_tmp / "sys/devices/system/node")
    write(fast_tmp, "proc/meminfo", "MemTotal:        8000000 kB\nMemFree:  1 kB\n")
    machine = read_machine(fast_tmp)
    assert [n.id for n in machine.numa_nodes] == [0]
    assert machine.node_by_id[0].cpus == CPUSet.parse("0-7")
    assert machine.node_by_id[0].memory_bytes == 8000000 * 1024
    assert all(c.numa == 0 for c in machine.cpus)
    got = machine.kubelet.topology
    assert got.numa_ids == (0, 1)
    assert got.node_by_id[1].cpus == CPUSet.parse("2-3,6-7")
    assert all(n.memory_bytes == 0 and not n.distances for n in got.numa_nodes)
    assert any("no node/ directory" in n and "getCPUTopology" in n for n in got.notes)


def test_node_without_distance_file_has_no_distances(fast_tmp: Path) -> None:
    render_sysfs(small_two_node(), fast_tmp)
    remove(fast_tmp, "sys/devices/system/node/node*/distance")
    got = read_sysfs(fast_tmp)
    assert got.distance(0, 1) is None


def test_hugepages_and_meminfo(fast_tmp: Path) -> None:
    render_sysfs(small_two_node(), fast_tmp)
    write(fast_tmp, "sys/devices/system/node/node1/hugepages/hugepages-1048576kB/nr_hugepages", "4\n")
    write(fast_tmp, "sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages", "512\n")
    write(fast_tmp, "sys/devices/system/node/node1/meminfo", "Node 1 MemTotal:       1024 kB\n")
    got = read_sysfs(fast_tmp)
    assert dict(got.node_by_id[1].hugepages) == {2 * 2**20: 512, GI: 4}
    assert got.node_by_id[1].memory_bytes == 1024 * 1024


# ---- old kernels, NUL bytes, link cycles ------------------------------------------------------


def test_old_kernel_hex_masks_only_give_the_same_topology(fast_tmp: Path) -> None:
    t = small_two_node()
    render_sysfs(t, fast_tmp)
    assert remove(fast_tmp, "sys/devices/system/cpu/cpu*/topology/*_list") > 0
    remove(fast_tmp, "sys/devices/system/cpu/cpu*/topology/die_id")
    remove(fast_tmp, "sys/devices/system/cpu/cpu*/cache/index3/shared_cpu_list")
    remove(fast_tmp, "sys/devices/system/cpu/cpu*/cache/index3/id")
    remove(fast_tmp, "sys/devices/system/node/node*/cpulist")
    remove(fast_tmp, "sys/devices/system/node/online")
    remove(fast_tmp, "sys/devices/system/node/possible")
    (fast_tmp / "sys/devices/system/cpu/online").unlink()
    got = read_sysfs(fast_tmp, name=t.name)
    assert got == t


def test_files_ending_in_nul_bytes_are_read_as_if_clean(fast_tmp: Path) -> None:
    t = small_two_node()
    render_sysfs(t, fast_tmp)
    for p in (fast_tmp / "sys").rglob("*"):
        if p.is_file() and not p.is_symlink():
            p.write_bytes(p.read_bytes() + b"\x00")
    assert read_sysfs(fast_tmp, name=t.name) == t


def test_symlink_cycles_are_never_walked(fast_tmp: Path) -> None:
    t = small_two_node()
    render_sysfs(t, fast_tmp)
    # Beyond the node <-> cpu cycles render_sysfs makes, add links to an ancestor directory.
    os.symlink("..", fast_tmp / "sys/devices/system/cpu/cpu0/up")
    os.symlink("../..", fast_tmp / "sys/devices/system/node/node0/subsystem")
    os.symlink(".", fast_tmp / "sys/devices/system/cpu/cpu1/cache/self")
    assert read_sysfs(fast_tmp, name=t.name) == t


def test_l3_index_other_than_index3_is_found_by_level(fast_tmp: Path) -> None:
    t = small_two_node()
    render_sysfs(t, fast_tmp)
    for cpu in range(8):
        base = fast_tmp / f"sys/devices/system/cpu/cpu{cpu}/cache"
        (base / "index3").rename(base / "index4")
        write(fast_tmp, f"sys/devices/system/cpu/cpu{cpu}/cache/index3/level", "2\n")
    assert read_sysfs(fast_tmp, name=t.name) == t


def test_l3_without_ids_gets_ids_in_order_of_lowest_cpu(fast_tmp: Path) -> None:
    base = small_two_node()
    t = dataclasses.replace(base, cpus=tuple(dataclasses.replace(c, l3=7 - c.socket * 7) for c in base.cpus))
    render_sysfs(t, fast_tmp)
    remove(fast_tmp, "sys/devices/system/cpu/cpu*/cache/index3/id")
    got = read_machine(fast_tmp)
    assert got.cpus_by_l3 == {0: CPUSet.parse("0-1,4-5"), 1: CPUSet.parse("2-3,6-7")}


# ---- cores the kubelet's way -----------------------------------------------------------------


def _core_tree(root: Path, cpus: dict[int, tuple[int, int, str]]) -> None:
    """cpu -> (package, core_id, thread_siblings_list), all in NUMA node 0."""
    ids = CPUSet(cpus)
    write(root, "sys/devices/system/cpu/online", str(ids))
    write(root, "sys/devices/system/node/node0/cpulist", str(ids))
    for c, (pkg, core, sib) in cpus.items():
        write(root, f"sys/devices/system/cpu/cpu{c}/topology/physical_package_id", f"{pkg}\n")
        write(root, f"sys/devices/system/cpu/cpu{c}/topology/core_id", f"{core}\n")
        write(root, f"sys/devices/system/cpu/cpu{c}/topology/thread_siblings_list", f"{sib}\n")


def test_core_id_repeating_across_packages_gives_distinct_cores(fast_tmp: Path) -> None:
    _core_tree(fast_tmp, {0: (0, 0, "0,2"), 1: (1, 0, "1,3"), 2: (0, 0, "0,2"), 3: (1, 0, "1,3")})
    got = read_sysfs(fast_tmp)
    assert got.cpus_by_core == {0: CPUSet([0, 2]), 1: CPUSet([1, 3])}


def test_core_ids_follow_lowest_cpu_not_sysfs_core_id(fast_tmp: Path) -> None:
    _core_tree(fast_tmp, {0: (0, 9, "0"), 1: (0, 3, "1"), 2: (0, 1, "2")})
    got = read_sysfs(fast_tmp)
    assert [got.cpu_by_id[c].core for c in (0, 1, 2)] == [0, 1, 2]


def test_bulldozer_compute_unit_counts_as_two_cores_like_the_kubelet(fast_tmp: Path) -> None:
    # Both cores of a compute unit are listed as thread siblings, with distinct core_id.
    _core_tree(fast_tmp, {0: (0, 0, "0-1"), 1: (0, 1, "0-1"), 2: (0, 2, "2-3"), 3: (0, 3, "2-3")})
    got = read_sysfs(fast_tmp)
    assert len(got.core_ids) == 4
    assert got.cpus_per_core == 1
    assert any("thread siblings" in n and "kubelet" in n for n in got.notes)
    # Without /proc/cpuinfo naming an AMD family 15h/16h CPU, hwloc keeps one core per sibling set
    assert got.machine is not None and len(got.machine.cpus_by_core) == 2
    write(fast_tmp, "proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\ncpu family\t: 21\n")
    assert len(read_machine(fast_tmp).cpus_by_core) == 4


def test_cpu_without_core_id_is_its_own_core_with_a_note(fast_tmp: Path) -> None:
    _core_tree(fast_tmp, {0: (0, 0, "0-1"), 1: (0, 0, "0-1")})
    write(fast_tmp, "sys/devices/system/cpu/online", "0-2\n")
    write(fast_tmp, "sys/devices/system/node/node0/cpulist", "0-2\n")
    (fast_tmp / "sys/devices/system/cpu/cpu2").mkdir()
    machine = read_machine(fast_tmp)
    assert machine.cpus_by_core == {0: CPUSet([0, 1]), 1: CPUSet([2])}
    assert any("no topology/core_id" in n for n in machine.notes)
    # cadvisor's getCoresInfo skips a CPU without core_id: the kubelet never sees it
    got = machine.kubelet.topology
    assert got.all_cpus == CPUSet([0, 1])
    assert "getCoresInfo skips" in machine.kubelet.left_out[2]


# ---- PCI devices ------------------------------------------------------------------------------


def test_pci_devices_kind_numa_and_resource(fast_tmp: Path) -> None:
    render_sysfs(small_two_node(), fast_tmp)
    pci = "sys/bus/pci/devices"
    for addr, cls, vendor, numa in (
        ("0000:00:00.0", "0x060000", "0x8086", "0"),  # host bridge: not placement-relevant
        ("0000:3b:00.0", "0x030200", "0x10de", "1"),
        ("0000:5e:00.0", "0x020000", "0x15b3", "-1"),
    ):
        write(fast_tmp, f"{pci}/{addr}/class", cls + "\n")
        write(fast_tmp, f"{pci}/{addr}/vendor", vendor + "\n")
        write(fast_tmp, f"{pci}/{addr}/numa_node", numa + "\n")
    got = read_sysfs(fast_tmp)
    assert got.devices == (
        Device(name="gpu0", kind="gpu", numa=1, resource="nvidia.com/gpu", address="0000:3b:00.0"),
        Device(name="nic0", kind="nic", numa=None, resource=None, address="0000:5e:00.0"),
    )


def test_pci_device_links_are_followed_one_level(fast_tmp: Path) -> None:
    render_sysfs(small_two_node(), fast_tmp)
    write(fast_tmp, "sys/devices/pci0000:17/0000:17:00.0/class", "0x020000\n")
    write(fast_tmp, "sys/devices/pci0000:17/0000:17:00.0/numa_node", "0\n")
    os.symlink("../../../devices/pci0000:17/0000:17:00.0", fast_tmp / "sys/bus/pci/devices/0000:17:00.0")
    got = read_sysfs(fast_tmp)
    assert [(d.name, d.numa) for d in got.devices] == [("nic0", 0)]


# ---- bad input --------------------------------------------------------------------------------


def test_root_without_cpu_directory_is_an_input_error(fast_tmp: Path) -> None:
    with pytest.raises(InputError) as err:
        read_sysfs(fast_tmp)
    assert "sys/devices/system/cpu" in err.value.line()


def test_unreadable_file_is_an_input_error_naming_it(fast_tmp: Path) -> None:
    render_sysfs(small_two_node(), fast_tmp)
    online = fast_tmp / "sys/devices/system/cpu/online"
    online.unlink()
    online.mkdir()  # reading a directory fails with EISDIR, as an unreadable file would
    with pytest.raises(InputError) as err:
        read_sysfs(fast_tmp)
    assert str(online) in err.value.line()


def test_garbage_in_core_id_names_the_file(fast_tmp: Path) -> None:
    render_sysfs(small_two_node(), fast_tmp)
    write(fast_tmp, "sys/devices/system/cpu/cpu3/topology/core_id", "three\n")
    with pytest.raises(InputError) as err:
        read_sysfs(fast_tmp)
    assert "cpu3/topology/core_id" in err.value.line()


# ---- facts of real machines (hwloc's snapshots) ----------------------------------------------


def test_sparse_numa_ids_of_magny_cours(sysfs_trees: Mapping[str, Path]) -> None:
    t = read_sysfs(sysfs_trees["48amd64-4pa2n6c-sparse"])
    assert t.numa_ids == (0, 1, 2, 33, 34, 45, 72, 73)
    assert len(t.cpus) == 48 and len(t.socket_ids) == 4
    assert all(len(t.node_by_id[n].distances) == 8 for n in t.numa_ids)


def test_gpu_memory_nodes_are_cpu_less(sysfs_trees: Mapping[str, Path]) -> None:
    t = read_sysfs(sysfs_trees["nvidiagpunumanodes"])
    assert t.cpu_numa_ids == (0, 8)
    for n in range(250, 256):
        assert t.node_by_id[n].cpus == CPUSet() and t.node_by_id[n].memory_bytes > 0
    # node0/cpulist says 0-87 but only CPUs 0-15 exist in the snapshot
    assert t.node_by_id[0].cpus == CPUSet.parse("0-15")


def test_old_kernel_with_offline_cpus(sysfs_trees: Mapping[str, Path]) -> None:
    t = read_sysfs(sysfs_trees["16em64t-4s2c2t-offlines"])
    assert t.offline_cpus == CPUSet.parse("2,5,13-14")
    assert len(t.cpus) == 12 and len(t.socket_ids) == 4


def test_nul_terminated_files_of_kunpeng(sysfs_trees: Mapping[str, Path]) -> None:
    t = read_sysfs(sysfs_trees["128arm-2pa2n8cluster4co"])
    assert len(t.cpus) == 128 and len(t.core_ids) == 128
    assert [len(t.cpus_by_numa[n]) for n in t.numa_ids] == [32, 32, 32, 32]


def test_cpumap_only_kernel_of_x3950(sysfs_trees: Mapping[str, Path]) -> None:
    t = read_sysfs(sysfs_trees["96em64t-4no4pa3ca2co"])
    assert len(t.cpus) == 96 and len(t.numa_ids) == 4 and len(t.socket_ids) == 16


def test_cpus_of_an_offline_node_are_left_out_with_a_note(sysfs_trees: Mapping[str, Path]) -> None:
    t = read_sysfs(sysfs_trees["offline-cpu0-node0"])
    assert t.numa_ids == (1,)
    assert t.all_cpus == CPUSet(range(5, 20, 2))
    assert t.offline_cpus == CPUSet.parse("0-3,21-23")
    assert any("belong to no NUMA node" in n for n in t.notes)


def test_default_name_is_the_root_directory(sysfs_trees: Mapping[str, Path]) -> None:
    assert read_sysfs(sysfs_trees["2arm-2c"]).name == "2arm-2c"


def test_l3_per_numa_node_is_the_socket_for_the_kubelet(fast_tmp: Path) -> None:
    # One socket, two NUMA nodes, each with its own L3 ("L3 as NUMA" BIOS setting): cadvisor's
    # addCacheInfo files an L3 spanning its node as a node cache, so getUncoreCacheID gives the socket.
    cpus = tuple(CPU(id=i, core=i, socket=0, numa=i // 2, l3=i // 2) for i in range(4))
    t = Topology(name="llc-numa", cpus=cpus, numa_nodes=(_node(0, "0-1"), _node(1, "2-3")))
    render_sysfs(t, fast_tmp)
    got = read_sysfs(fast_tmp, name="llc-numa")
    assert got.machine is not None and got.machine.cpus_by_l3 == {0: CPUSet([0, 1]), 1: CPUSet([2, 3])}
    assert [c.l3 for c in got.cpus] == [0, 0, 0, 0]
    assert [d.kind for d in got.machine.kubelet.differences] == ["uncore"]
    assert any("node caches" in n for n in got.notes)


def test_l3_without_cache_ids_is_the_socket_for_the_kubelet(fast_tmp: Path) -> None:
    """cadvisor's GetCacheInfo needs cache/index*/id; without it no core gets an uncore cache."""
    cpus = tuple(CPU(id=i, core=i, socket=0, numa=0, l3=i // 2) for i in range(4))
    t = Topology(name="no-ids", cpus=cpus, numa_nodes=(_node(0, "0-3"),))
    render_sysfs(t, fast_tmp)
    with_ids = read_sysfs(fast_tmp)
    assert [c.l3 for c in with_ids.cpus] == [0, 0, 1, 1]
    remove(fast_tmp, "sys/devices/system/cpu/cpu*/cache/index3/id")
    machine = read_machine(fast_tmp)
    assert not machine.cache_ids and len(machine.cpus_by_l3) == 2
    assert [c.l3 for c in machine.kubelet.topology.cpus] == [0, 0, 0, 0]
    assert "cannot read the cache ids" in machine.kubelet.differences[0].reason


# ---- the kubelet's view where the machine differs ---------------------------------------------


def _mixed_tree(root: Path) -> None:
    """Package 0 (CPUs 0-3, physical_package_id 0) and CPUs 4-7 with physical_package_id -1 in two
    packages by their masks; one NUMA node; CPU 8 online but in no NUMA node."""
    write(root, "sys/devices/system/cpu/online", "0-8\n")
    write(root, "sys/devices/system/node/node0/cpulist", "0-7\n")
    write(root, "sys/devices/system/node/node0/meminfo", "Node 0 MemTotal:       1024 kB\n")
    packages = {0: "0-3", 4: "4-5", 5: "4-5", 6: "6-7", 7: "6-7", 8: "8"}
    for c in range(9):
        t = f"sys/devices/system/cpu/cpu{c}/topology"
        write(root, f"{t}/physical_package_id", "0\n" if c < 4 else "-1\n")
        write(root, f"{t}/core_id", f"{c if c < 4 else c % 2}\n")
        write(root, f"{t}/thread_siblings_list", f"{c}\n")
        write(root, f"{t}/core_siblings_list", packages.get(c, "0-3") + "\n")


def test_unknown_package_id_is_its_own_socket_apart_from_a_real_package_0(fast_tmp: Path) -> None:
    _mixed_tree(fast_tmp)
    machine = read_machine(fast_tmp)
    # hwloc: packages from the masks where the id is unknown, numbered after the known ones
    assert machine.cpus_by_package == {
        0: CPUSet.parse("0-3"),
        1: CPUSet([4, 5]),
        2: CPUSet([6, 7]),
        3: CPUSet([8]),
    }
    got = machine.kubelet.topology
    # cadvisor getCoresInfo keeps -1 as the socket id, kubelet Discover copies it: -1 stays apart from 0
    assert got.cpus_by_socket == {-1: CPUSet.parse("4-7"), 0: CPUSet.parse("0-3")}
    assert got.sockets_of_numa([0]) == {-1, 0}
    # (core_id, socket) repeats across the -1 packages: 4 and 6 share core_id 0: one kubelet core
    assert got.siblings(4) == CPUSet([4, 6])
    assert machine.kubelet.left_out.keys() == {8}
    kinds = sorted(d.kind for d in machine.kubelet.differences)
    assert kinds == ["core", "left_out", "socket"]
    # what the grid shows per CPU: left out with a reason, or read differently with reasons
    assert any("physical_package_id is -1" in r for r in machine.kubelet.marks[4])
    assert 0 not in machine.kubelet.marks and machine.kubelet is machine.kubelet


def test_mixed_machine_survives_a_spec_and_a_rendered_tree(fast_tmp: Path) -> None:
    from workbench.topology import dump_spec, load_machine_spec

    _mixed_tree(fast_tmp / "a")
    machine = read_machine(fast_tmp / "a", name="mixed")
    again = load_machine_spec(dump_spec(machine))
    assert dataclasses.replace(again, notes=()) == dataclasses.replace(machine, notes=())
    assert again.kubelet.topology == machine.kubelet.topology
    render_sysfs(machine, fast_tmp / "b")
    rendered = read_machine(fast_tmp / "b", name="mixed")
    assert rendered.cpus == machine.cpus
    assert rendered.kubelet.topology == machine.kubelet.topology
