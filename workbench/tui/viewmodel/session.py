"""Everything the app works on, without Textual: the node (topology, kubelet config, live
allocations), the pods placed on it, the draft being edited and its preview decision.

Screens call methods here and redraw from the result; tests drive the same methods.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Literal

from workbench.kube.model import NodeConfig, NodeState, PodSpec
from workbench.record import MutableRecord, Record, replace, setfield
from workbench.services.choices import CPU_OPTIONS, POLICIES, SCOPES
from workbench.services.demo import Seeded
from workbench.services.ownership import Owner, Ownership, ownership
from workbench.topology.cpuset import CPUSet
from workbench.topology.model import Topology
from workbench.tui.viewmodel.draft import Draft, DraftResult, from_podspec, to_podspec

if TYPE_CHECKING:
    # Admission is imported when the first pod is decided, not to draw the node.
    from workbench.services.admit import Decision

__all__ = ["CPU_OPTIONS", "POLICIES", "SCOPES", "Preview", "Seeded", "Session", "demo_session"]


class Preview(Record):
    result: DraftResult
    decision: Decision | None
    seconds: float
    advised: bool  # False: a rejection whose advice is still being worked out

    __slots__ = _fields = ("result", "decision", "seconds", "advised")

    def __init__(
        self, result: DraftResult, decision: Decision | None, seconds: float = 0.0, advised: bool = True
    ) -> None:
        setfield(self, "result", result)
        setfield(self, "decision", decision)
        setfield(self, "seconds", seconds)
        setfield(self, "advised", advised)

    @property
    def verdict(self) -> str:
        if self.decision is None:
            return "invalid draft"
        return "admitted" if self.decision.admitted else "rejected"


_CONFIGS_KEPT = 16
_DRAFTS_KEPT = 32


class _Decided(MutableRecord):
    """Decisions on one node state: (config, {draft: preview}) pairs, newest last."""

    topology: Topology
    state: NodeState
    placed: tuple[str, ...]
    configs: list[tuple[NodeConfig, dict[Draft, Preview]]]

    __slots__ = _fields = ("topology", "state", "placed", "configs")

    def __init__(
        self,
        topology: Topology,
        state: NodeState,
        placed: tuple[str, ...],
        configs: list[tuple[NodeConfig, dict[Draft, Preview]]] | None = None,
    ) -> None:
        self.topology = topology
        self.state = state
        self.placed = placed
        self.configs = [] if configs is None else configs


class Session(MutableRecord):
    topology: Topology
    config: NodeConfig
    state: NodeState
    placed: dict[str, tuple[PodSpec, Decision]]
    draft: Draft
    read_only: bool
    read_only_reason: str
    source: str
    # Problems to show once (broken theme files, unreadable keymap, refused seeds).
    notices: list[str]
    # Off in snapshot tests: the decision time differs run to run.
    show_timing: bool
    _preview: Preview | None
    # Decisions already made on this node state, per config then per draft: switching the
    # policy or toggling a container back returns to a state decided before (one admission on a
    # 512-CPU node, with its listed hints, is several frames).
    _decided: _Decided | None
    # The ownership views of the node last computed, newest last, with what each came from: the
    # Draft screen's policy and scope keys switch between a few configs of one node state, and
    # the same view (the same object) spares the grid a redraw.
    _ownership: list[tuple[NodeState, NodeConfig, tuple[str, ...], Ownership]]

    __slots__ = _fields = (
        "topology",
        "config",
        "state",
        "placed",
        "draft",
        "read_only",
        "read_only_reason",
        "source",
        "notices",
        "show_timing",
        "_preview",
        "_decided",
        "_ownership",
    )

    def __init__(  # the former dataclass's fields, in its order
        self,
        topology: Topology,
        config: NodeConfig,
        state: NodeState,
        placed: dict[str, tuple[PodSpec, Decision]] | None = None,
        draft: Draft | None = None,
        read_only: bool = False,
        read_only_reason: str = "",
        source: str = "",
        notices: list[str] | None = None,
        show_timing: bool = True,
        _preview: Preview | None = None,
        _decided: _Decided | None = None,
        _ownership: list[tuple[NodeState, NodeConfig, tuple[str, ...], Ownership]] | None = None,
    ) -> None:
        self.topology = topology
        self.config = config
        self.state = state
        self.placed = {} if placed is None else placed
        self.draft = Draft() if draft is None else draft
        self.read_only = read_only
        self.read_only_reason = read_only_reason
        self.source = source
        self.notices = [] if notices is None else notices
        self.show_timing = show_timing
        self._preview = _preview
        self._decided = _decided
        self._ownership = [] if _ownership is None else list(_ownership)

    # ---- node -------------------------------------------------------------------------
    def ownership(self) -> Ownership:
        """Who owns every CPU and the memory of every NUMA node, computed once per node state
        and config."""
        placed = tuple(self.placed)
        for state, config, was_placed, view in reversed(self._ownership):
            same_config = config is self.config or config == self.config
            if state is self.state and same_config and was_placed == placed:
                return view
        decisions = {k: d for k, (_, d) in self.placed.items()}
        view = ownership(self.topology, self.config, self.state, decisions, self.labels())
        self._ownership.append((self.state, self.config, placed, view))
        del self._ownership[:-_CONFIGS_KEPT]
        return view

    def owners(self) -> Mapping[int, Owner]:
        return self.ownership().cpus

    def numa_memory(self) -> dict[int, tuple[int, int]]:
        """(bytes held by pods, total) of `memory` per NUMA node, from the memory manager state."""
        return {n: (m.used, m.total) for n, m in self.ownership().memory.items()}

    def place(self, pod: PodSpec) -> Decision:
        """Admit `pod` into the node state (the demo's seed, or a committed draft)."""
        from workbench.services.admit import decide

        decision = decide(self.topology, self.config, self.state, pod, advise=False)
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
        from workbench.services.admit import release_pod

        self.state = release_pod(self.topology, self.config, self.state, pod_key)
        self.placed.pop(pod_key, None)
        self._preview = None

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
        known = self._known()
        cached = known.get(self.draft)
        if cached is not None and (cached.advised or not advise):
            self._preview = cached
            return cached
        from workbench.services.admit import decide

        start = time.perf_counter()
        result = to_podspec(self.draft)
        decision = None
        if result.pod is not None:
            decision = decide(self.topology, self.config, self.state, result.pod, advise=advise)
        advised = advise or decision is None or decision.admitted
        self._preview = Preview(result, decision, time.perf_counter() - start, advised)
        self._remember(self._preview)
        return self._preview

    def _known(self) -> dict[Draft, Preview]:
        """The decisions made for the current node state and config, by draft."""
        decided = self._decided
        placed = tuple(self.placed)
        if (
            decided is None
            or decided.state is not self.state
            or decided.topology is not self.topology
            or decided.placed != placed
        ):
            decided = self._decided = _Decided(self.topology, self.state, placed)
        for config, known in decided.configs:
            if config is self.config or config == self.config:
                return known
        known = {}
        decided.configs.append((self.config, known))
        del decided.configs[:-_CONFIGS_KEPT]
        return known

    def _remember(self, preview: Preview) -> None:
        known = self._known()
        if len(known) >= _DRAFTS_KEPT:
            known.pop(next(iter(known)))
        known[self.draft] = preview

    def with_advice(self, preview: Preview) -> Preview:
        """`preview` with the advice for a rejection filled in. Pure (reads only immutable
        values), so it may run in a worker thread; `adopt_advice` then caches it."""
        if preview.advised or preview.decision is None or preview.result.pod is None:
            return preview
        from workbench.services.admit import advice_for

        decision = advice_for(self.topology, self.config, self.state, preview.result.pod, preview.decision)
        return Preview(preview.result, decision, preview.seconds, True)

    def adopt_advice(self, asked: Preview, done: Preview) -> bool:
        """Cache `done` unless the draft or the node changed since `asked` was decided."""
        if self._preview is asked:
            self._preview = done
            self._remember(done)
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


def adopt_seeds(session: Session, seeded: Seeded) -> None:
    session.state = seeded.state
    session.placed.update({pod.key: (pod, d) for pod, d in seeded.placed})
    session.notices.extend(seeded.notices)
    session._preview = None


def seed_demo(session: Session) -> None:
    """Place the demo's running pods into `session`."""
    from workbench.services.demo import decide_seeds

    adopt_seeds(session, decide_seeds(session.topology, session.config, session.state))


def demo_session(*, seed: bool = True) -> Session:
    """The demo node with its seed pods placed and the PostgreSQL scenario in the draft.

    `seed=False` leaves placing the pods to the caller (the app does it right after its first
    paint, so the node appears without waiting for admission)."""
    from workbench.services.demo import demo_node
    from workbench.services.demo_pods import scenario_pod

    node = demo_node()
    session = Session(node.topology, node.config, node.state, source="built-in demo node")
    if seed:
        seed_demo(session)
    session.load_pod(scenario_pod("postgres"))
    return session
