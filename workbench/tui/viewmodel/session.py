"""Everything the app works on, without Textual: the node (topology, kubelet config, live
allocations), the pods placed on it, the draft being edited and its preview decision.

Screens call methods here and redraw from the result; tests drive the same methods.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from workbench.admission.ownership import Owner, cpu_owners
from workbench.kube.model import NodeConfig, NodeState, PodSpec
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology
from workbench.tui.viewmodel.draft import Draft, DraftResult, from_podspec, to_podspec

if TYPE_CHECKING:
    # Admission is imported when the first pod is decided, not to draw the node.
    from workbench.admission.decision import Decision

POLICIES: tuple[Literal["none", "best-effort", "restricted", "single-numa-node"], ...] = (
    "none",
    "best-effort",
    "restricted",
    "single-numa-node",
)
SCOPES: tuple[Literal["container", "pod"], ...] = ("container", "pod")
# CPU manager policy options a trainer flips to show how a verdict changes.
CPU_OPTIONS = ("full-pcpus-only", "distribute-cpus-across-numa", "align-by-socket")


@dataclass(frozen=True)
class Preview:
    result: DraftResult
    decision: Decision | None
    seconds: float = 0.0
    advised: bool = True  # False: a rejection whose advice is still being worked out

    @property
    def verdict(self) -> str:
        if self.decision is None:
            return "invalid draft"
        return "admitted" if self.decision.admitted else "rejected"


@dataclass
class Session:
    topology: Topology
    config: NodeConfig
    state: NodeState
    placed: dict[str, tuple[PodSpec, Decision]] = field(default_factory=dict)
    draft: Draft = field(default_factory=Draft)
    read_only: bool = False
    read_only_reason: str = ""
    source: str = ""
    # Problems to show once (broken theme files, unreadable keymap, refused seeds).
    notices: list[str] = field(default_factory=list)
    # Off in snapshot tests: the decision time differs run to run.
    show_timing: bool = True
    _preview: Preview | None = None

    # ---- node -------------------------------------------------------------------------
    def owners(self) -> dict[int, Owner]:
        decisions = {k: d for k, (_, d) in self.placed.items()}
        labels = {k: f"{p.namespace}/{p.name}" for k, (p, _) in self.placed.items()}
        return cpu_owners(self.topology, self.config, self.state, decisions, labels)

    def place(self, pod: PodSpec) -> Decision:
        """Admit `pod` into the node state (the demo's seed, or a committed draft)."""
        from workbench.admission.admit import admit

        decision = admit(self.topology, self.config, self.state, pod, advise=False)
        if decision.admitted:
            self.state = decision.state_after
            self.placed[pod.key] = (pod, decision)
            self._preview = None
        return decision

    def place_committed(self, pending: object = None) -> bool:
        """The draft just committed joins the node: its decision's state becomes the node's."""
        p = self.preview()
        if p.result.pod is None or p.decision is None or not p.decision.admitted:
            return False
        self.state = p.decision.state_after
        self.placed[p.result.pod.key] = (p.result.pod, p.decision)
        self._preview = None
        return True

    def remove(self, pod_key: str) -> None:
        from workbench.admission.admit import release

        self.state = release(self.topology, self.config, self.state, pod_key)
        self.placed.pop(pod_key, None)
        self._preview = None

    def memory_used(self) -> dict[int, int]:
        """Bytes of `memory` held per NUMA node by the placed pods (memory manager blocks)."""
        used: dict[int, int] = {}
        for _, d in self.placed.values():
            blocks = d.pod.memory_blocks if d.pod and d.pod.memory_blocks else ()
            if not blocks:
                blocks = tuple(b for c in d.containers for b in c.memory_blocks)
            for b in blocks:
                if b.type != "memory" or not b.numa_affinity:
                    continue
                share = b.size // len(b.numa_affinity)
                for n in b.numa_affinity:
                    used[n] = used.get(n, 0) + share
        return used

    # ---- kubelet configuration switches ------------------------------------------------
    def set_config(self, config: NodeConfig) -> None:
        """Switch policy/scope/options: the placed pods stay where the kubelet put them."""
        self.config = config
        self._preview = None

    def cycle_policy(self) -> str:
        i = POLICIES.index(self.config.topology_manager_policy)
        self.set_config(replace(self.config, topology_manager_policy=POLICIES[(i + 1) % len(POLICIES)]))
        return self.config.topology_manager_policy

    def toggle_scope(self) -> str:
        scope: Literal["container", "pod"] = (
            "pod" if self.config.topology_manager_scope == "container" else "container"
        )
        self.set_config(replace(self.config, topology_manager_scope=scope))
        return scope

    def toggle_cpu_option(self, name: str) -> bool:
        opts = dict(self.config.cpu_manager_policy_options)
        on = not self.config.option(name)
        if on:
            opts[name] = "true"
        else:
            opts.pop(name, None)
        self.set_config(replace(self.config, cpu_manager_policy_options=MappingProxyType(opts)))
        return on

    # ---- draft and preview --------------------------------------------------------------
    def set_draft(self, draft: Draft) -> None:
        """Replace the draft; its decision is computed when first asked for."""
        self.draft = draft
        self._preview = None

    def load_pod(self, pod: PodSpec) -> None:
        self.set_draft(from_podspec(pod))

    def preview(self, *, advise: bool = True) -> Preview:
        """The decision for the current draft (cached until the draft or the node changes).

        `advise=False` is the fast path the screen takes on every keystroke: the verdict within a
        frame, the what-if advice (many more admissions) added later by `with_advice`."""
        if self._preview is not None and (self._preview.advised or not advise):
            return self._preview
        if self._preview is not None:
            done = self.with_advice(self._preview)
            self.adopt_advice(self._preview, done)
            return done
        from workbench.admission.admit import admit

        start = time.perf_counter()
        result = to_podspec(self.draft)
        decision = None
        if result.pod is not None:
            decision = admit(self.topology, self.config, self.state, result.pod, advise=advise)
        advised = advise or decision is None or decision.admitted
        self._preview = Preview(result, decision, time.perf_counter() - start, advised)
        return self._preview

    def with_advice(self, preview: Preview) -> Preview:
        """`preview` with the advice for a rejection filled in. Pure (reads only immutable
        values), so it may run in a worker thread; `adopt_advice` then caches it."""
        if preview.advised or preview.decision is None or preview.result.pod is None:
            return preview
        from workbench.admission.advice import advise

        lines = advise(self.topology, self.config, self.state, preview.result.pod, preview.decision)
        return Preview(preview.result, replace(preview.decision, advice=lines), preview.seconds, True)

    def adopt_advice(self, asked: Preview, done: Preview) -> bool:
        """Cache `done` unless the draft or the node changed since `asked` was decided."""
        if self._preview is asked:
            self._preview = done
            return True
        return False

    def preview_cpus(self) -> CPUSet:
        p = self.preview(advise=False)
        if p.decision is None or not p.decision.admitted:
            return CPUSet()
        d = p.decision
        cpus = set(d.pod.cpus if d.pod else ())
        for c in d.containers:
            if c.isolation != "host":
                cpus.update(c.cpus)
        return CPUSet(cpus)

    def labels(self) -> Mapping[str, str]:
        return {k: f"{p.namespace}/{p.name}" for k, (p, _) in self.placed.items()}


def demo_config() -> NodeConfig:
    """The demo kubelet: static CPU manager, Static memory manager, single-numa-node, pod scope."""
    try:
        from workbench.kube.config import demo_config as core_demo

        return core_demo()
    except ImportError:
        return NodeConfig(
            cpu_manager_policy="static",
            reserved_system_cpus=CPUSet([0, 32]),
            topology_manager_policy="single-numa-node",
            topology_manager_scope="pod",
        )


@dataclass(frozen=True)
class Seeded:
    """The demo's running pods, decided away from the session (so in any thread)."""

    state: NodeState
    placed: tuple[tuple[PodSpec, Decision], ...]
    notices: tuple[str, ...]


def decide_seeds(topology: Topology, config: NodeConfig, state: NodeState) -> Seeded:
    """Admit the demo's seed pods one by one, as the kubelet would have. Pure."""
    from workbench.admission.admit import admit
    from workbench.tui.viewmodel.scenarios import seed_pods

    placed = []
    notices = []
    for pod in seed_pods():
        d = admit(topology, config, state, pod, advise=False)
        if d.admitted:
            state = d.state_after
            placed.append((pod, d))
        else:
            notices.append(f"seed pod {pod.namespace}/{pod.name} refused: {d.reason}")
    return Seeded(state, tuple(placed), tuple(notices))


def adopt_seeds(session: Session, seeded: Seeded) -> None:
    session.state = seeded.state
    session.placed.update({pod.key: (pod, d) for pod, d in seeded.placed})
    session.notices.extend(seeded.notices)
    session._preview = None


def seed_demo(session: Session) -> None:
    """Place the demo's running pods into `session`."""
    adopt_seeds(session, decide_seeds(session.topology, session.config, session.state))


def demo_session(*, seed: bool = True) -> Session:
    """The demo node with its seed pods placed and the PostgreSQL scenario in the draft.

    `seed=False` leaves placing the pods to the caller (the app does it right after its first
    paint, so the node appears without waiting for admission)."""
    from workbench.kube.pod import pod_from_mapping
    from workbench.topology import demo_topology
    from workbench.tui.viewmodel.scenarios import SCENARIOS

    session = Session(demo_topology(), demo_config(), NodeState(), source="built-in demo node")
    if seed:
        seed_demo(session)
    session.load_pod(pod_from_mapping(SCENARIOS["postgres"], source="scenario postgres"))
    return session
