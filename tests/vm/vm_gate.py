"""Whether the real-kernel VM tests may run, and what to do when they cannot.

In CI (`CI` set, as `.ci/run` runs) the VM is part of the suite: when it cannot run, the tests
fail with the reason, after one more `numa-vm.sh --setup` whose own error line is the reason
if it fails. On a developer's machine without root or qemu they skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path

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
