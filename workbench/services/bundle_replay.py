"""Use case "top from a bundle" (`workbench top --bundle FILE`): the usage report between each
two consecutive samples of a capture, computed as `top` computes it on the node. Each sample is
laid out as a cgroup root and a proc root (`bundle_open.replay`) and read by the usage sampler,
with the capture's own clock; the pods and their owners come from the captured tree and kubelet
files, as on the node."""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from workbench.errors import InputError

if TYPE_CHECKING:
    from workbench.services.usage import UsageReport, UsageRequest
    from workbench.usage.sampler import Sample


def replay_reports(request: UsageRequest, *, whole: bool = False) -> list[UsageReport]:
    """One report per pair of consecutive samples, oldest first (`whole`: one report over the
    capture's whole span, first sample to last)."""
    from workbench.services.bundle_open import replay
    from workbench.services.commit import open_tree
    from workbench.services.source import load_node
    from workbench.services.usage import UsageReport
    from workbench.services.usage_plan import build_plan
    from workbench.services.usage_tree import list_pods, read_pods
    from workbench.usage.attribution import attribute
    from workbench.usage.findings import findings
    from workbench.usage.sampler import Sampler

    path = request.source.bundle
    assert path is not None
    if request.cgroup_root is not None or request.proc_root is not None:
        raise InputError(
            "--bundle brings its own cgroup tree and /proc/stat", fix="drop --cgroup-root/--proc-root"
        )
    node = load_node(request.source)
    samples: list[Sample] = []
    with replay(path) as r:
        if r.count < 2:
            raise InputError(
                f"{r.count} sample: usage needs two", source=str(path), fix="capture with --samples 2 or more"
            )
        first = r.play(0)
        if not (first.proc_root / "stat").is_file():
            raise InputError("no /proc/stat samples", source=str(path), fix="capture on the node itself")
        fs = open_tree(first.cgroup_root)
        plan = build_plan(node, read_pods(fs, list_pods(fs, request.parent)), {})
        now = [first.time]
        sampler = Sampler(
            first.cgroup_root,
            first.proc_root,
            [m.cgroup for m in plan.members],
            light=plan.pod_cgroups.values(),
            clock=lambda: now[0],  # the capture's clock
        )
        try:
            samples.append(sampler.sample())
            for k in range(1, r.count):
                now[0] = r.play(k).time
                samples.append(sampler.sample())
        finally:
            sampler.close()
    assert plan is not None
    label = f"{path} (captured {r.count} samples)"
    reports = []
    for prev, cur in [(samples[0], samples[-1])] if whole else pairwise(samples):
        a = attribute(plan, prev, cur)
        reports.append(UsageReport(a.interval_s, a, findings(a), plan.notes, (), label))
    return reports
