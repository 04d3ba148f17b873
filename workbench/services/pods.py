"""Reading the pod a command is about: a manifest file or stdin, one pod picked by name."""

from __future__ import annotations

import os

from workbench.errors import InputError

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)

if TYPE_CHECKING:
    from workbench.kube.model import PodSpec


def require_file(path: str, what: str) -> None:
    """InputError naming what was expected unless `path` is a file; "-" (stdin) passes."""
    # os.path, not pathlib (~3 ms with the urllib it imports): `admit` needs no Path.
    if path != "-" and not os.path.isfile(path):
        raise InputError("no such file", source=path, fix=f"give the path of {what}")


def load_pod_file(path: str, name: str | None = None) -> PodSpec:
    """The pod in `path` ("-" reads stdin); `name` picks one when the file holds several."""
    from workbench.kube.pod import load_pod

    require_file(path, "a pod manifest")
    return load_pod(path, name)
