"""Fault injection for the sandbox's kernel model (tests and demos), read from `.workbench-faults`
in the sandbox root (one rule per line) and from WORKBENCH_CGROUP_FAULTS (rules separated by
commas): `errno-at-write:N:ERRNO` fails the model's Nth write attempt (1-based) with ERRNO (a
name such as EIO or a number) before anything changes; `errno-on:CGROUP/FILE:ERRNO` fails
every write to that file.
"""

from __future__ import annotations

import errno

from workbench.cgroups.model_files import FAULTS_FILE
from workbench.errors import InputError
from workbench.record import Record, setfield


def _errno_value(name: str) -> int:
    if name.isdigit():
        return int(name)
    code = getattr(errno, name.upper(), None)
    if not isinstance(code, int):
        raise InputError(f"unknown errno {name!r}", source=FAULTS_FILE, fix="use a name such as EIO")
    return code


class Fault(Record):
    errno: int
    at_write: int | None
    target: str | None

    __slots__ = _fields = ("errno", "at_write", "target")

    def __init__(self, errno: int, at_write: int | None = None, target: str | None = None) -> None:
        setfield(self, "errno", errno)
        setfield(self, "at_write", at_write)
        setfield(self, "target", target)


def parse_faults(text: str) -> list[Fault]:
    """Rules `errno-at-write:N:ERRNO` and `errno-on:CGROUP/FILE:ERRNO` (lines or commas)."""
    faults: list[Fault] = []
    for raw in text.replace(",", "\n").splitlines():
        rule = raw.strip()
        if not rule or rule.startswith("#"):
            continue
        kind, _, rest = rule.partition(":")
        arg, _, code = rest.rpartition(":")
        if kind == "errno-at-write" and arg.isdigit():
            faults.append(Fault(_errno_value(code), at_write=int(arg)))
        elif kind == "errno-on" and arg:
            faults.append(Fault(_errno_value(code), target=arg.strip("/")))
        else:
            raise InputError(
                f"unknown fault rule {rule!r}",
                source=FAULTS_FILE,
                fix="use errno-at-write:N:ERRNO or errno-on:CGROUP/FILE:ERRNO",
            )
    return faults


