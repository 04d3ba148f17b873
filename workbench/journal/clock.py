"""The clocks and identities a transaction is stamped with.

Deadlines use CLOCK_BOOTTIME: it does not jump with wall-clock changes and keeps counting
through suspend, and it restarts at boot, which is why every transaction also records the
boot id (cgroups do not survive a reboot, so a transaction from another boot is void).
"""

from __future__ import annotations

import getpass
import os
import socket
import time
from pathlib import Path

BOOT_ID_FILE = Path("/proc/sys/kernel/random/boot_id")


def boot_clock() -> float:
    """Seconds since boot, suspend included."""
    return time.clock_gettime(time.CLOCK_BOOTTIME)


def wall_clock() -> float:
    return time.time()


def boot_id() -> str:
    # Test hook: simulate a reboot without rebooting.
    override = os.environ.get("WORKBENCH_BOOT_ID")
    if override:
        return override.strip()
    try:
        return BOOT_ID_FILE.read_text().strip()
    except OSError:
        return "unknown"


def operator() -> str:
    """Who is acting: the login name, and the sudo caller when there is one."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = str(os.geteuid())
    sudo = os.environ.get("SUDO_USER")
    return f"{user} (sudo from {sudo})" if sudo and sudo != user else user


def host() -> str:
    return socket.gethostname()
