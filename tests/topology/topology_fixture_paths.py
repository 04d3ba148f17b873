"""Where the topology tests' fixture files live (a plain module, importable from any test here)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SYSFS_TARBALLS = REPO / "fixtures" / "sysfs"
TOPOLOGY_SPECS = REPO / "fixtures" / "topologies"


def tree_names() -> list[str]:
    return sorted(p.name.removesuffix(".tar.xz") for p in SYSFS_TARBALLS.glob("*.tar.xz"))


def spec_names() -> list[str]:
    return sorted(p.stem for p in TOPOLOGY_SPECS.glob("*.yaml"))
