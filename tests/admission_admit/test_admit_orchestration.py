"""The topology manager's driving order and verdicts, with scripted hint providers.

Upstream: `topologymanager/scope_none.go`, `scope_container.go`, `scope_pod.go` (call order:
init containers before app containers, providers in registration order device -> CPU ->
memory, first failure rejects) and `cm/admission/errors.go` (`GetPodAdmitResult` wrapping).
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from admit_nodes import config, topology

from workbench.admission.admit import admit
from workbench.admission.decision import Hint
from workbench.admission.errors import AdmissionError, AllocationError
from workbench.admission.topology_admit import Managers
from workbench.kube.model import Container, NodeState, PodSpec, Resources
from workbench.topology.cpuset import CPUSet

# `workbench.admission.admit` is also the name of the exported function; take the module itself.
decide_module = importlib.import_module("workbench.admission.decide")

H0 = Hint(frozenset({0}), True)
H1 = Hint(frozenset({1}), True)
H01 = Hint(frozenset({0, 1}), False)


class Scripted:
    """A hint provider that answers from a script and logs every call."""

    def __init__(
        self,
        name: str,
        log: list[tuple[Any, ...]],
        hints: Mapping[str, Mapping[str, Sequence[Hint] | None]] | None = None,
        pod: Mapping[str, Sequence[Hint] | None] | None = None,
        fail: Mapping[str, Exception] | None = None,
    ) -> None:
        self.name = name
        self.log = log
        self.hints = hints or {}
        self.pod = pod
        self.fail = fail or {}
        self.default_cpuset = CPUSet(range(8))

    def container_hints(self, pod: PodSpec, c: Container) -> Any:
        self.log.append(("hints", self.name, c.name))
        return self.hints.get(c.name)

    def pod_hints(self, pod: PodSpec) -> Any:
        self.log.append(("pod_hints", self.name))
        return self.pod

    def allocate(self, pod: PodSpec, c: Container, hint: Hint | None) -> None:
        self.log.append(("allocate", self.name, c.name, hint))
        if c.name in self.fail:
            raise self.fail[c.name]

    def allocate_pod(self, pod: PodSpec, hint: Hint | None) -> None:
        self.log.append(("allocate_pod", self.name, hint))
        if "*" in self.fail:
            raise self.fail["*"]

    def remove_pod(self, key: str) -> None:
        self.log.append(("remove", self.name, key))

    def export(self, state: NodeState) -> NodeState:
        self.log.append(("export", self.name))
        return state

    # CPU / memory read-back
    def isolation(self, pod: PodSpec, c: Container) -> str:
        return "host"

    def container_cpus(self, pod: PodSpec, c: Container) -> None:
        return None

    def pod_cpus(self, pod: PodSpec) -> None:
        return None

    def guaranteed_cpus(self, pod: PodSpec, c: Container) -> int:
        return 0

    def container_mems(self, pod: PodSpec, c: Container) -> None:
        return None

    def container_blocks(self, pod: PodSpec, c: Container) -> tuple[()]:
        return ()

    def pod_blocks(self, pod: PodSpec) -> tuple[()]:
        return ()

    # device read-back (resource fit's device-plugin capacity)
    def plugin_capacity(self) -> tuple[dict[str, int], dict[str, int]]:
        return {}, {}


def install(monkeypatch: pytest.MonkeyPatch, devices: Scripted, cpu: Scripted, memory: Scripted) -> None:
    monkeypatch.setattr(decide_module, "build_managers", lambda *a: Managers(devices, cpu, memory))


POD = PodSpec(
    name="p",
    uid="u1",
    init_containers=(Container("init", "init"), Container("side", "sidecar")),
    containers=(Container("app1", "app"), Container("app2", "app")),
)
POD_LEVEL = PodSpec(
    name="p",
    uid="u1",
    resources=Resources(requests={"cpu": 2000, "memory": 1 << 30}, limits={"cpu": 2000, "memory": 1 << 30}),
    containers=(Container("app1", "app"),),
)
NODE = topology("kubelet-topoDualSocketNoHT")


def test_container_scope_init_first_providers_in_registration_order(monkeypatch: pytest.MonkeyPatch) -> None:
    log: list[tuple[Any, ...]] = []
    cpu = Scripted("cpu", log, hints={"app2": {"cpu": [H1, H01]}})
    install(monkeypatch, Scripted("devices", log), cpu, Scripted("memory", log))
    d = admit(NODE, config("restricted", "container", memory=False), NodeState(), POD)
    assert d.admitted
    allocs = [(e[1], e[2]) for e in log if e[0] == "allocate"]
    assert allocs == [(p, c) for c in ("init", "side", "app1", "app2") for p in ("devices", "cpu", "memory")]
    # each container's own merged hint is what its allocation sees
    app2_hints = {e[3] for e in log if e[0] == "allocate" and e[2] == "app2"}
    assert app2_hints == {H1}
    # hints for a container are gathered right before its allocation (state changes in between)
    names = [e[0] + ":" + e[2] for e in log if e[0] in ("hints", "allocate") and e[1] == "cpu"]
    assert names == [
        "hints:init",
        "allocate:init",
        "hints:side",
        "allocate:side",
        "hints:app1",
        "allocate:app1",
        "hints:app2",
        "allocate:app2",
    ]
    assert d.hint == H1 and d.providers["cpu"]["cpu"] == (H1, H01)
    assert {c.name: c.hint for c in d.containers}["app2"] == H1


def test_container_scope_first_failure_rejects_and_keeps_state(monkeypatch: pytest.MonkeyPatch) -> None:
    log: list[tuple[Any, ...]] = []
    cpu = Scripted("cpu", log, hints={"app1": {"cpu": [H01]}})
    install(monkeypatch, Scripted("devices", log), cpu, Scripted("memory", log))
    state = NodeState(source="before")
    d = admit(NODE, config("restricted", "container", memory=False), state, POD, advise=False)
    assert not d.admitted
    assert d.reason == "TopologyAffinityError"
    assert d.message == "Pod was rejected: Resources cannot be allocated with Topology locality"
    assert d.failed_container == "app1"
    assert d.hint == H01
    assert not any(e[0] == "allocate" and e[2] in ("app1", "app2") for e in log)
    assert not any(e[0] == "export" for e in log)
    assert d.state_after is state


def test_best_effort_admits_a_non_preferred_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    log: list[tuple[Any, ...]] = []
    cpu = Scripted("cpu", log, hints={"app1": {"cpu": [H01]}})
    install(monkeypatch, Scripted("devices", log), cpu, Scripted("memory", log))
    d = admit(NODE, config("best-effort", "container", memory=False), NodeState(), POD)
    assert d.admitted
    assert ("allocate", "cpu", "app1", H01) in log


@pytest.mark.parametrize(
    ("error", "reason", "message"),
    [
        (
            AllocationError("not enough cpus available to satisfy request: requested=4, available=2"),
            "UnexpectedAdmissionError",
            "Pod was rejected: Allocate failed due to not enough cpus available to satisfy request: "
            "requested=4, available=2, which is unexpected",
        ),
        (
            AdmissionError(
                "SMTAlignmentError", "SMT Alignment Error: requested 3 cpus not multiple cpus per core = 2"
            ),
            "SMTAlignmentError",
            "Pod was rejected: SMT Alignment Error: requested 3 cpus not multiple cpus per core = 2",
        ),
    ],
)
def test_allocation_errors_become_kubelet_reasons(
    monkeypatch: pytest.MonkeyPatch, error: Exception, reason: str, message: str
) -> None:
    log: list[tuple[Any, ...]] = []
    cpu = Scripted("cpu", log, fail={"app2": error})
    install(monkeypatch, Scripted("devices", log), cpu, Scripted("memory", log))
    d = admit(NODE, config("restricted", "container", memory=False), NodeState(), POD, advise=False)
    assert (d.admitted, d.reason, d.message) == (False, reason, message)
    assert d.failed_container == "app2"
    # the memory manager never saw app2: the CPU manager failed first
    assert not any(e[:3] == ("allocate", "memory", "app2") for e in log)


def test_policy_none_allocates_every_container_without_hints(monkeypatch: pytest.MonkeyPatch) -> None:
    log: list[tuple[Any, ...]] = []
    install(monkeypatch, Scripted("devices", log), Scripted("cpu", log), Scripted("memory", log))
    d = admit(NODE, config("none", "pod", memory=False), NodeState(), POD_LEVEL)
    assert d.admitted and d.hint is None
    assert not any(e[0] in ("hints", "pod_hints", "allocate_pod") for e in log)
    assert [e[3] for e in log if e[0] == "allocate"] == [None, None, None]


def test_pod_scope_pod_level_calls_allocate_pod_once_per_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    log: list[tuple[Any, ...]] = []
    install(
        monkeypatch,
        Scripted("devices", log),
        Scripted("cpu", log, pod={"cpu": [H0, H01]}),
        Scripted("memory", log, pod={"memory": [H0, H1]}),
    )
    d = admit(NODE, config("restricted", "pod", memory=False), NodeState(), POD_LEVEL)
    assert d.admitted and d.hint == H0
    assert [e for e in log if e[0] == "allocate_pod"] == [
        ("allocate_pod", "devices", H0),
        ("allocate_pod", "cpu", H0),
        ("allocate_pod", "memory", H0),
    ]
    assert not any(e[0] == "allocate" for e in log)


def test_pod_scope_classic_uses_one_hint_for_every_container(monkeypatch: pytest.MonkeyPatch) -> None:
    log: list[tuple[Any, ...]] = []
    install(
        monkeypatch,
        Scripted("devices", log),
        Scripted("cpu", log, pod={"cpu": [H1]}),
        Scripted("memory", log),
    )
    d = admit(NODE, config("restricted", "pod", memory=False, pod_level=False), NodeState(), POD_LEVEL)
    assert d.admitted
    assert [e for e in log if e[0] == "allocate_pod"] == []
    assert {e[3] for e in log if e[0] == "allocate"} == {H1}


def test_pod_level_allocate_pod_error_is_the_pods_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    log: list[tuple[Any, ...]] = []
    text = "pod rejected, pod has shared init containers but no cpus available for them"
    cpu = Scripted("cpu", log, fail={"*": AdmissionError("EmptyPodSharedPoolError", text)})
    install(monkeypatch, Scripted("devices", log), cpu, Scripted("memory", log))
    d = admit(NODE, config("best-effort", "pod", memory=False), NodeState(), POD_LEVEL, advise=False)
    assert (d.reason, d.message) == ("EmptyPodSharedPoolError", "Pod was rejected: " + text)
