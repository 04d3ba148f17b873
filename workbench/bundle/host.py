"""Facts about the capturing host, and the /proc/stat lines a sample keeps."""

from __future__ import annotations

import os
import time

# The lines of /proc/stat a usage sampler reads; `intr` and `softirq` (one number per
# interrupt, tens of KiB on a big machine) are left out.
_STAT_KEYS = (b"cpu", b"ctxt", b"btime", b"processes", b"procs_running", b"procs_blocked")


def proc_stat(data: bytes) -> bytes:
    lines = [line for line in data.splitlines() if line.startswith(_STAT_KEYS)]
    return b"\n".join(lines) + b"\n"


def read_small(path: str, limit: int = 1 << 20) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read(limit)
    except OSError:
        return None


def host_facts(proc_root: str = "/proc") -> dict[str, str]:
    """Hostname, kernel release, boot id of the machine doing the capture."""
    uname = os.uname()
    boot = read_small(f"{proc_root}/sys/kernel/random/boot_id") or b""
    return {
        "hostname": uname.nodename,
        "kernel_release": uname.release,
        "boot_id": boot.decode("ascii", "replace").strip(),
    }


def utc_now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
