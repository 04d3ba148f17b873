"""Usage tests: sandbox trees with counter files written by the test."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_fault_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WORKBENCH_FAULT", raising=False)
    monkeypatch.delenv("WORKBENCH_CGROUP_FAULTS", raising=False)
