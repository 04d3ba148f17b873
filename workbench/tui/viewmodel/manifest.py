"""Opening a manifest in the Draft screen: whatever the file holds, the answer is a pod or one
line saying why not (an `InputError`), never an exception that would end the app."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.errors import InputError
from workbench.kube.model import PodSpec
from workbench.tui.viewmodel.shown import shown

# The API server refuses objects over 1.5 MiB (etcd's request limit); nothing bigger is a pod.
MAX_BYTES = 3 * 2**20 // 2


@dataclass(frozen=True)
class Opened:
    pod: PodSpec
    notice: str = ""  # e.g. "holds 3 pods; loaded the first"


def open_manifest(choice: str) -> Opened:
    """The first pod of the scenario or file `choice` names; InputError for anything else."""
    from workbench.tui.viewmodel.scenarios import SCENARIOS, scenario_pod

    if choice in SCENARIOS:
        return Opened(scenario_pod(choice))
    where = shown(choice)
    try:
        return _read(Path(choice).expanduser(), where)
    except InputError as exc:
        raise InputError(shown(exc.line(), 300)) from None
    except (RecursionError, MemoryError):
        raise InputError("too deeply nested or too big to read", source=where) from None
    except (OSError, UnicodeError) as exc:
        raise InputError(f"cannot read: {shown(str(exc), 120)}", source=where) from None
    except Exception as exc:  # the reader's own failure on hostile input: reported, not fatal
        reason = f"{type(exc).__name__}: {shown(str(exc), 120)}"
        raise InputError(f"not a manifest the workbench can read ({reason})", source=where) from None


def _read(path: Path, where: str) -> Opened:
    from workbench.kube.pod import load_pods

    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError(
            f"{size} bytes, over the API server's 1.5 MiB object limit", source=where, fix="give one pod"
        )
    pods = load_pods(path)
    if not pods:
        raise InputError("holds no pod", source=where, fix="give a Pod or a workload")
    notice = ""
    if len(pods) > 1:
        names = ", ".join(shown(p.object_name or p.pod.name, 40) for p in pods[:5])
        notice = f"{where} holds {len(pods)} pods ({names}); loaded the first"
    return Opened(pods[0].pod, notice)
