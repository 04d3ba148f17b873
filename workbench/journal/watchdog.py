"""The detached confirm watchdog: `python -m workbench.journal.watchdog DEADLINE TXID -- CMD...`.

Sleeps until CLOCK_BOOTTIME reaches DEADLINE, then replaces itself with CMD (the
`workbench rollback --if-unconfirmed TXID` command). Started by `timer.arm`, never by hand.
"""

from __future__ import annotations

import os
import signal
import sys
import time

from workbench.journal.clock import boot_clock


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        print("usage: watchdog DEADLINE TXID -- CMD...", file=sys.stderr)
        return 2
    deadline = float(argv[0])
    cmd = argv[3:]
    # The login that started us may hang up; we must outlive it.
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    while True:
        left = deadline - boot_clock()
        if left <= 0:
            break
        # time.sleep runs on the monotonic clock, which stops during suspend: re-read the
        # boot clock at least every second instead of trusting one long sleep.
        time.sleep(min(left, 1.0))
    os.execv(cmd[0], cmd)
    return 0  # pragma: no cover


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
