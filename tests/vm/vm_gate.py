"""Whether the real-kernel VM tests may run, and what to do when they cannot.

In CI (`CI` set, as `.ci/run` runs) the VM is part of the suite: when it cannot run, the tests
fail with the reason, after one more `numa-vm.sh --setup` whose own error line is the reason
if it fails. On a developer's machine without root or qemu they skip with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
HARNESS = HERE / "numa-vm.sh"
CACHE = Path(os.environ.get("NUMA_VM_CACHE", "/var/cache/numa-vm"))


def vm_unready_reason(cache: Path = CACHE) -> str | None:
    if not sys.platform.startswith("linux"):
        return "needs Linux"
    if os.geteuid() != 0:
        return "the 9p root share needs root"
    if shutil.which("qemu-system-x86_64") is None:
        return "qemu-system-x86 not installed (run tests/vm/numa-vm.sh --setup)"
    if not (cache / "kernel" / "vmlinux").is_file():
        return f"no guest kernel in {cache} (run tests/vm/numa-vm.sh --setup)"
    return None


def in_ci(env: Mapping[str, str] = os.environ) -> bool:
    return env.get("CI", "").lower() not in ("", "0", "false", "no")


def run_setup() -> str | None:
    """`numa-vm.sh --setup`; its last error line when it fails, else None."""
    proc = subprocess.run(["bash", str(HARNESS), "--setup"], capture_output=True, text=True, timeout=900)
    if proc.returncode == 0:
        return None
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    return lines[-1] if lines else f"numa-vm.sh --setup exited {proc.returncode}"


def require_vm(
    reason: Callable[[], str | None] = vm_unready_reason,
    *,
    ci: bool | None = None,
    setup: Callable[[], str | None] = run_setup,
) -> None:
    """Return when the VM can run; else skip (developer machine) or fail (CI) with why."""
    why = reason()
    if why is None:
        return
    if not (in_ci() if ci is None else ci):
        pytest.skip(why)
    # Root without the kernel or qemu: set up once more, so CI shows the setup's own reason.
    failed = setup() if why != "needs Linux" and os.geteuid() == 0 else None
    why = failed or reason()
    if why is not None:
        pytest.fail(f"the real-kernel VM tests cannot run in CI: {why}", pytrace=False)


def _checks(stdout: str) -> dict[str, dict[str, Any]]:
    checks: dict[str, dict[str, Any]] = {}
    for line in stdout.splitlines():
        idx = line.find("CHECK ")
        if idx >= 0:
            rec = json.loads(line[idx + len("CHECK ") :])
            checks[rec["name"]] = rec
    return checks


def run_guest(harness_args: list[str], guest: list[str], timeout: float) -> dict[str, dict[str, Any]]:
    """Boot the VM with `harness_args`, run `guest` in it, and return its `CHECK {json}` lines by
    name, plus `_exit` (the harness's exit; 124 is its timeout). Fails the test with the output's
    tail when the guest reported nothing.

    A guest that timed out without one line is booted once more: under TCG with more vCPUs than
    the host's two cores, a boot has stalled before the guest's init ran (CI, 2026-12-03: the
    8-vCPU guest sat at "Booting from ROM" for the whole 420 s with both cores busy; the same test
    passed in 123 s straight after). A guest that ran and reported is never re-run."""
    cmd = ["bash", str(HARNESS), *harness_args, "--", *guest]
    for attempt in (1, 2):
        proc = subprocess.run(cmd, cwd=HERE.parent.parent, capture_output=True, text=True, timeout=timeout)
        checks = _checks(proc.stdout)
        if checks or proc.returncode != 124:
            break
        print(f"attempt {attempt}: the guest timed out before reporting anything")
    if not checks:
        tail = f"{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
        pytest.fail(f"the guest reported nothing (exit {proc.returncode}, attempt {attempt}):\n{tail}")
    for rec in checks.values():
        print(f"{rec['name']}: {'ok' if rec['ok'] else 'FAILED'}: {rec['detail'][:300]}")  # shown with -s
    checks["_exit"] = {"name": "_exit", "ok": True, "detail": f"exit {proc.returncode} (124: timeout)"}
    return checks
