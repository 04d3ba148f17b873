"""The machine view agrees with hwloc's lstopo on every real machine's tree (PUs, packages, cores,
L3 groups, NUMA nodes with their CPUs and memory, distances, and the group levels lstopo shows:
clusters, books, drawers, dies); the kubelet view agrees with what the cadvisor and kubelet code
make of the same tree (`kubelet_facts`, each fact with the upstream function it follows)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from kubelet_facts import FACTS, RULES
from topology_fixture_paths import tree_names

from workbench.topology import CPUSet, read_machine

LSTOPO = shutil.which("lstopo-no-graphics")
GROUP_SUBTYPES = {"Cluster": "cluster", "Book": "book", "Drawer": "drawer"}


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
    facts.update({kind: set() for kind in ("cluster", "book", "drawer", "die", "any")})
    for obj in doc.iter("object"):
        kind = obj.get("type")
        cpuset = _mask(obj.get("cpuset", "0x0"))
        facts["any"].add(cpuset)
        if kind == "PU":
            facts["pus"].add(int(obj.get("os_index", "-1")))
        elif kind == "Package":
            facts["packages"].add(cpuset)
        elif kind == "Core":
            facts["cores"].add(cpuset)
        elif kind == "L3Cache":
            facts["l3"].add(cpuset)
        elif kind == "Die":
            facts["die"].add(cpuset)
        elif kind == "Group" and obj.get("subtype") in GROUP_SUBTYPES:
            facts[GROUP_SUBTYPES[obj.get("subtype", "")]].add(cpuset)
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


@pytest.mark.lstopo
@pytest.mark.skipif(LSTOPO is None, reason="hwloc's lstopo-no-graphics is not installed")
@pytest.mark.parametrize("name", tree_names())
def test_machine_matches_lstopo(name: str, sysfs_trees: Mapping[str, Path]) -> None:
    hw = _hwloc_facts(sysfs_trees[name])
    m = read_machine(sysfs_trees[name])
    assert set(m.all_cpus) == hw["pus"], "PUs"
    assert {s.as_frozenset() for s in m.cpus_by_package.values()} == hw["packages"], "packages"
    assert {s.as_frozenset() for s in m.cpus_by_core.values()} == hw["cores"], "cores"
    assert {s.as_frozenset() for s in m.cpus_by_l3.values()} == hw["l3"], "L3"
    assert {n.id: (n.cpus.as_frozenset(), n.memory_bytes) for n in m.numa_nodes} == hw["numa"], "NUMA"
    for kind in ("cluster", "book", "drawer", "die"):
        ours = {g.cpus.as_frozenset() for g in m.groups(kind)}
        assert hw[kind] <= ours, f"{kind}: lstopo shows one we do not have"
        # hwloc merges a group into an object with the same CPUs (a cluster that is an L2, a die
        # that is its package): those it does not show must be such a merge.
        assert all(g in hw["any"] for g in ours - hw[kind]), f"{kind}: one lstopo cannot have merged"
    ours_distances = {n.id: dict(n.distances) for n in m.numa_nodes}
    if hw["distances"]:
        assert ours_distances == hw["distances"]
    else:
        # hwloc drops a trivial 1-node matrix; ours then holds at most the node's own entry.
        assert all(set(d) <= {nid} for nid, d in ours_distances.items())


def test_the_three_trees_of_issue_13_agree_with_hwloc_on_what_it_shows(
    sysfs_trees: Mapping[str, Path],
) -> None:
    """Independent of lstopo being installed: the counts hwloc's own expected outputs give."""
    m = read_machine(sysfs_trees["offline-cpu0-node0"])
    assert len(m.cpus) == 17 and len(m.cpus_by_package) == 2
    assert m.nodeless_cpus == CPUSet(range(4, 21, 2))
    assert len(read_machine(sysfs_trees["256ppc-8n8s4t"]).cpus_by_package) == 64
    s390 = read_machine(sysfs_trees["20s390-2g6s4c"])
    assert len(s390.cpus_by_package) == 8
    assert (len(s390.groups("book")), len(s390.groups("drawer"))) == (4, 2)


def test_every_tree_has_kubelet_facts() -> None:
    assert set(FACTS) == set(tree_names())
    assert set(RULES) == {"cpus", "sockets", "numa", "cores", "uncore", "num_cpus", "num_sockets"}


def _by(cpus: Any, key: str) -> dict[int, str]:
    groups: dict[int, list[int]] = {}
    for c in cpus:
        groups.setdefault(getattr(c, key), []).append(c.id)
    return {k: str(CPUSet(v)) for k, v in sorted(groups.items())}


@pytest.mark.parametrize("name", tree_names())
def test_kubelet_view_matches_cadvisor_and_the_kubelet(name: str, sysfs_trees: Mapping[str, Path]) -> None:
    facts = FACTS[name]
    m = read_machine(sysfs_trees[name])
    view = m.kubelet
    t = view.topology
    assert str(t.all_cpus) == facts.cpus, RULES["cpus"]
    assert _by(t.cpus, "socket") == facts.sockets, RULES["sockets"]
    # cadvisor's node ids, except a negative one, which the workbench renames (and says so)
    renamed = {k: v for k, v in facts.numa.items() if k >= 0}
    got = _by(t.cpus, "numa")
    assert {k: v for k, v in got.items() if k in renamed} == renamed, RULES["numa"]
    assert sorted(got.values()) == sorted(facts.numa.values()), RULES["numa"]
    if len(renamed) != len(facts.numa):
        assert any(d.kind == "numa" and "cannot hold a negative node" in d.reason for d in view.differences)
    assert len(t.core_ids) == facts.cores, RULES["cores"]
    assert sorted(_by(t.cpus, "l3").values()) == sorted(facts.uncore.values()), RULES["uncore"]
    assert _by(t.cpus, "l3") == facts.uncore or any(k < 0 for k in facts.numa), RULES["uncore"]
    assert (view.num_cpus, view.num_sockets) == (facts.num_cpus, facts.num_sockets)
    # every machine CPU the kubelet leaves out has a reason, and no other CPU has one
    assert set(view.left_out) == set(m.all_cpus - t.all_cpus)


@pytest.mark.parametrize("name", tree_names())
def test_each_difference_is_marked_and_explained(name: str, sysfs_trees: Mapping[str, Path]) -> None:
    """Where the views differ, the kubelet view's notes and the text output say so."""
    from workbench.topology.report_text import topology_to_text

    m = read_machine(sysfs_trees[name])
    t = m.kubelet.topology
    text = topology_to_text(m)
    picture, _, section = text.partition("Kubelet view")
    marked = {int(i) for marks in re.findall(r"\[k([\d,]+)\]", picture) for i in marks.split(",")}
    for i, d in enumerate(m.kubelet.differences, 1):
        assert any(d.reason in note for note in t.notes)
        assert f"[k{i}] " in section
        # a difference about CPUs marks the lines of the objects it concerns
        assert (i in marked) == bool(d.cpus), d
    if not m.kubelet.differences:
        assert "Kubelet view" not in text
