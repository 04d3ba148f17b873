"""One operator at a time: an flock on a file beside the journal.

flock belongs to the open file, so the kernel drops it when the holder exits, however it
exits: a holder killed with SIGKILL leaves no stale lock. The file's contents (pid, user,
SSH connection, tty, since) describe the current holder to whoever has to wait.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from workbench.errors import InputError
from workbench.journal import clock


class LockBusy(InputError):
    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(
            f"another operator holds the journal lock: {holder}",
            source=str(path),
            fix="wait for them to finish, or ask them",
        )
        self.holder = holder


def describe(info: dict[str, object]) -> str:
    if not info:
        return "unknown holder"
    parts = [f"pid {info.get('pid')}", f"user {info.get('user')}"]
    if info.get("ssh"):
        parts.append(f"ssh {info['ssh']}")
    if info.get("tty"):
        parts.append(f"tty {info['tty']}")
    if info.get("command"):
        parts.append(f"running {info['command']!r}")
    return ", ".join(parts)


def _tty() -> str:
    for fd in (0, 1, 2):
        try:
            return os.ttyname(fd)
        except OSError:
            continue
    return ""


class OperatorLock:
    def __init__(self, path: Path | str, *, command: str = "") -> None:
        self.path = Path(path)
        self.command = command
        self._fd: int | None = None

    def holder(self) -> dict[str, object]:
        try:
            text = self.path.read_text()
            info = json.loads(text) if text.strip() else {}
        except (OSError, ValueError):
            return {}
        return info if isinstance(info, dict) else {}

    def acquire(self, timeout: float = 0.0, on_wait: Callable[[str], None] | None = None) -> None:
        """Take the lock, waiting up to `timeout` seconds; `on_wait` hears who holds it."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise InputError(
                f"cannot open the lock file: {exc.strerror or exc}",
                source=str(self.path),
                fix="run as the journal's owner or pass --journal PATH",
            ) from exc
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = describe(self.holder())
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise LockBusy(self.path, holder) from None
                if on_wait is not None and not told:
                    on_wait(holder)
                    told = True
                time.sleep(0.05)
        info = {
            "pid": os.getpid(),
            "user": clock.operator(),
            "ssh": os.environ.get("SSH_CONNECTION", ""),
            "tty": _tty(),
            "command": self.command,
            "since": clock.wall_clock(),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        # Clear the description first so nobody reads a finished holder as current.
        os.ftruncate(self._fd, 0)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> OperatorLock:
        if self._fd is None:
            self.acquire()
        return self

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def print_waiting(holder: str) -> None:
    """Tell a person at a terminal whom we wait for. Not a script: for it, stderr carries one
    line, the error, if the wait ends without the lock (`LockBusy` names the holder too)."""
    if sys.stderr.isatty():
        print(f"workbench: waiting for the journal lock held by {holder}", file=sys.stderr)
