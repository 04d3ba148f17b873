"""Names inside a bundle and the limits a reader holds an untrusted archive to."""

from __future__ import annotations

from dataclasses import dataclass

FORMAT = "workbench-bundle"
# Major changes what a reader must understand; minor only adds members or keys, which an older
# reader of the same major ignores.
VERSION = (1, 0)

MANIFEST = "manifest.json"
SYSFS = "machine/sysfs/"
SYSFS_LISTING = "machine/sysfs-listing.json"
TOPOLOGY_SPEC = "machine/topology.yaml"
# The topology the kubelet sees, as a topology spec, derived at capture from the sysfs files
# (it equals what reading them gives): what `fleet` reads, so it never parses sysfs.
KUBELET_VIEW = "machine/kubelet-view.yaml"
MACHINE = "machine/"
KUBELET = "kubelet/"
# The cgroup tree's settings, one JSON member ("<cgroup>/<file>" -> text): a tree of a few
# hundred cgroups is thousands of tiny files, which as members would cost more in tar headers
# and manifest lines than their content. Laid out again as files by `replay.cgroup_root`.
CGROUP_SETTINGS = "cgroup.json"
PROCESSES = "processes.json"
SAMPLES = "samples/"


def sample_prefix(k: int) -> str:
    return f"{SAMPLES}{k}/"


def sample_counters(k: int) -> str:
    """Sample k's cgroup counters, one JSON member like `CGROUP_SETTINGS`."""
    return f"{SAMPLES}{k}/cgroup.json"


def sample_stat(k: int) -> str:
    return f"{SAMPLES}{k}/proc/stat"


@dataclass(frozen=True)
class Limits:
    """What an archive may hold before it is refused as a decompression bomb."""

    members: int = 200_000
    # Files laid out from one listing or packed member (sysfs placeholders, cgroup files).
    files: int = 200_000
    file_bytes: int = 64 * 1024 * 1024  # the kubelet's checkpoints are read up to 64 MiB
    total_bytes: int = 512 * 1024 * 1024  # decompressed, tar headers included
    manifest_bytes: int = 32 * 1024 * 1024
    path_chars: int = 1024


DEFAULT_LIMITS = Limits()
