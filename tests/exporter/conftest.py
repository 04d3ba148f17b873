"""Exporter tests write counter files with the usage tests' kit (tests/usage/usage_kit.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "usage"))


@pytest.fixture(autouse=True)
def _no_fault_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKBENCH_FAULT", raising=False)
    monkeypatch.delenv("WORKBENCH_CGROUP_FAULTS", raising=False)
