"""`workbench.record` classes behave as the frozen dataclasses they replaced: value equality and
hashing over the compared fields, no assignment, `replace`, pickling and copying, pattern
matching, and the `dataclasses` functions still work on them."""

from __future__ import annotations

import copy
import dataclasses
import pickle

import pytest

from workbench.admission.decision import Hint
from workbench.kube.model import Container, NodeConfig, PodSpec, Resources
from workbench.record import FrozenError, replace
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import CPU, Device, NumaNode, Topology


def _topology(name: str = "t") -> Topology:
    cpus = (CPU(0, 0, 0, 0), CPU(1, 0, 0, 0))
    return Topology(name, cpus, (NumaNode(0, CPUSet([0, 1])),))


def test_equal_values_are_equal_and_hash_alike() -> None:
    assert Hint(frozenset({0}), True) == Hint(frozenset({0}), True)
    assert hash(Hint(frozenset({0}), True)) == hash(Hint(frozenset({0}), True))
    assert Hint(frozenset({0}), True) != Hint(frozenset({0}), False)
    assert len({Device("a"), Device("a", "pci"), Device("b")}) == 2
    # Another class with the same fields is not equal (a dataclass compares classes too).
    assert CPU(0, 0, 0, 0) != (0, 0, 0, 0, 0, None)


def test_a_field_left_out_of_equality_is_left_out() -> None:
    a, b = _topology(), _topology()
    object.__setattr__(b, "machine", object())
    assert a == b and "machine" not in repr(b)


def test_fields_cannot_be_assigned_or_deleted() -> None:
    pod = PodSpec("web")
    with pytest.raises(FrozenError):
        pod.name = "db"
    with pytest.raises(AttributeError):
        del Hint(None, False).preferred


def test_defaults_keywords_and_replace() -> None:
    c = Container(name="app", kind="app")
    assert c.resources == Resources() and not c.resources.is_set
    cfg = replace(NodeConfig(), topology_manager_scope="pod")
    assert cfg.topology_manager_scope == "pod" and cfg.cpu_manager_policy == "none"
    with pytest.raises(TypeError):
        replace(c, nmae="x")


def test_dataclasses_functions_still_work() -> None:
    d = Device("gpu0", numa=1)
    assert dataclasses.is_dataclass(d)
    assert [f.name for f in dataclasses.fields(d)] == ["name", "kind", "numa", "resource", "address"]
    assert dataclasses.asdict(d)["numa"] == 1
    assert dataclasses.replace(d, numa=0) == Device("gpu0", numa=0)


def test_pickle_copy_repr_and_match() -> None:
    cpu = CPU(3, 1, 0, 0, l3=0)
    assert pickle.loads(pickle.dumps(cpu)) == cpu and copy.deepcopy(cpu) == cpu
    assert repr(cpu) == "CPU(id=3, core=1, socket=0, numa=0, die=0, l3=0)"
    match cpu:
        case CPU(id=cid, core=core):
            assert (cid, core) == (3, 1)
        case _:
            pytest.fail("no match")
    assert CPU.many([(3, 1, 0, 0, 0, 0)]) == (cpu,)
