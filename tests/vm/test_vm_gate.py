"""The real-kernel tests fail loudly in CI and skip on a developer's machine, with the reason."""

from __future__ import annotations

import pytest
from vm_gate import in_ci, require_vm


def test_a_developer_machine_skips_with_the_reason() -> None:
    with pytest.raises(pytest.skip.Exception, match="the 9p root share needs root"):
        require_vm(lambda: "the 9p root share needs root", ci=False, setup=lambda: None)


def test_ci_fails_with_the_setups_reason() -> None:
    with pytest.raises(pytest.fail.Exception) as err:
        require_vm(lambda: "no guest kernel", ci=True, setup=lambda: "numa-vm: apt-get download failed")
    message = str(err.value)
    assert "cannot run in CI" in message
    # the setup's own line when it failed; the readiness reason otherwise (not root: no setup)
    assert "apt-get download failed" in message or "no guest kernel" in message


def test_ci_runs_when_the_vm_is_ready() -> None:
    require_vm(lambda: None, ci=True, setup=lambda: "never called")


def test_ci_is_read_from_the_environment() -> None:
    assert in_ci({"CI": "true"}) and in_ci({"CI": "1"})
    assert not in_ci({}) and not in_ci({"CI": "false"}) and not in_ci({"CI": ""})
