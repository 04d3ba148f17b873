"""What-ifs that change the pod: fewer exclusive CPUs, or a pod budget that leaves room for the
containers that share the pod pool. Each candidate is decided again; only admitted ones count."""

from __future__ import annotations

from types import MappingProxyType

from workbench.admission.advice_what_if import Decide, placed
from workbench.admission.decision import Decision
from workbench.admission.gates import pod_level_managers
from workbench.kube.model import CPU, Container, NodeConfig, NodeState, PodSpec, Resources
from workbench.kube.qos import container_guaranteed_equivalent
from workbench.record import replace

# Linear steps below the request before bisecting the rest.
_MAX_LINEAR_STEPS = 16


def _whole_cpus(milli: int) -> int:
    return milli // 1000 if milli % 1000 == 0 else 0


def _with_cpu(res: Resources, cpus: int) -> Resources:
    req = dict(res.requests)
    lim = dict(res.limits)
    if CPU in req or CPU not in lim:
        req[CPU] = cpus * 1000
    if CPU in lim:
        lim[CPU] = cpus * 1000
    return Resources(requests=MappingProxyType(req), limits=MappingProxyType(lim))


def _exclusive(pod: PodSpec, c: Container, pod_level: bool) -> int:
    """Whole CPUs the container asks for exclusively (0: it runs in a shared pool)."""
    if pod_level and not container_guaranteed_equivalent(c):
        return 0
    res = c.resources
    if res.requests.get(CPU, res.limits.get(CPU, 0)) != res.limits.get(CPU, -1):
        return 0
    return _whole_cpus(res.limits.get(CPU, 0))


def _set_container(pod: PodSpec, name: str, cpus: int) -> PodSpec:
    def fix(cs: tuple[Container, ...]) -> tuple[Container, ...]:
        return tuple(replace(c, resources=_with_cpu(c.resources, cpus)) if c.name == name else c for c in cs)

    return replace(pod, init_containers=fix(pod.init_containers), containers=fix(pod.containers))


class Shrinker:
    """Builds the pod with `n` CPUs in total, changing as little of it as possible."""

    def __init__(self, config: NodeConfig, pod: PodSpec, focus: str | None) -> None:
        self.pod = pod
        self.pod_level = pod_level_managers(config, pod) and config.topology_manager_scope == "pod"
        self.focus = focus
        if self.pod_level:
            self.total = _whole_cpus(pod.resources.requests.get(CPU, pod.resources.limits.get(CPU, 0)))
        elif focus is not None and config.topology_manager_scope == "container":
            c = next((c for c in pod.all_containers if c.name == focus), None)
            self.total = _exclusive(pod, c, False) if c else 0
        else:
            self.total = sum(_exclusive(pod, c, False) for c in pod.containers) + sum(
                _exclusive(pod, c, False) for c in pod.init_containers if c.restartable
            )

    def build(self, n: int) -> tuple[PodSpec, str] | None:
        pod = self.pod
        if self.pod_level:
            pod = replace(pod, resources=_with_cpu(pod.resources, n))
            excl = {c.name: _exclusive(pod, c, True) for c in pod.all_containers if c.kind != "init"}
            shared = any(v == 0 for v in excl.values())
            budget = n - 1 if shared else n
            changes = [f"pod budget {self.total} -> {n} CPUs"]
            for name in sorted(excl, key=lambda k: -excl[k]):
                over = sum(excl.values()) - budget
                if over <= 0:
                    break
                new = excl[name] - over
                if new < 1:
                    return None
                pod = _set_container(pod, name, new)
                changes.append(f"{name} {excl[name]} -> {new}")
                excl[name] = new
            return pod, ", ".join(changes)
        if self.focus is not None and self.total:
            return _set_container(pod, self.focus, n), f"{self.focus} {self.total} -> {n} CPUs"
        excl = {c.name: _exclusive(pod, c, False) for c in pod.all_containers if c.kind != "init"}
        changes = []
        over = self.total - n
        for name in sorted(excl, key=lambda k: -excl[k]):
            if over <= 0:
                break
            if excl[name] == 0:
                continue
            cut = min(over, excl[name] - 1)
            if cut <= 0:
                continue
            pod = _set_container(pod, name, excl[name] - cut)
            changes.append(f"{name} {excl[name]} -> {excl[name] - cut} CPUs")
            over -= cut
        if over > 0 or not changes:
            return None
        return pod, ", ".join(changes)


def largest_admitted(
    config: NodeConfig, state: NodeState, shrink: Shrinker, decide: Decide
) -> tuple[int, str, Decision] | None:
    """The largest CPU total below the request that admits (linear near the top, then bisect)."""

    def attempt(n: int) -> tuple[str, Decision] | None:
        built = shrink.build(n)
        if built is None:
            return None
        pod, what = built
        d = decide(config, state, pod)
        return (what, d) if d.admitted else None

    top = shrink.total - 1
    low = max(1, top - _MAX_LINEAR_STEPS + 1)
    for n in range(top, low - 1, -1):
        got = attempt(n)
        if got:
            return n, got[0], got[1]
    # Bisect the rest, assuming fewer CPUs never makes admission harder.
    lo, hi, best = 1, low - 1, None
    while lo <= hi:
        mid = (lo + hi) // 2
        got = attempt(mid)
        if got:
            best = (mid, got[0], got[1])
            lo = mid + 1
        else:
            hi = mid - 1
    return best


def budget_advice(config: NodeConfig, state: NodeState, pod: PodSpec, decide: Decide) -> list[str]:
    """Empty pod shared pool: one more CPU of budget, or one fewer for the biggest exclusive container."""
    out: list[str] = []
    budget = _whole_cpus(pod.resources.requests.get(CPU, pod.resources.limits.get(CPU, 0)))
    if budget:
        bigger = replace(pod, resources=_with_cpu(pod.resources, budget + 1))
        d = decide(config, state, bigger)
        if d.admitted:
            out.append(
                f"raise the pod budget {budget} -> {budget + 1} CPUs: the shared containers then "
                f"get a pod shared pool of 1 CPU ({placed(d)})"
            )
    excl = {c.name: _exclusive(pod, c, True) for c in pod.all_containers}
    if excl:
        name = max(excl, key=lambda k: excl[k])
        if excl[name] > 1:
            smaller = _set_container(pod, name, excl[name] - 1)
            d = decide(config, state, smaller)
            if d.admitted:
                n = excl[name] - 1
                out.append(
                    f"give {name} {n} exclusive CPU{'s' if n > 1 else ''} instead of {excl[name]}: "
                    f"1 CPU of the budget is left for the shared containers"
                )
    return out
