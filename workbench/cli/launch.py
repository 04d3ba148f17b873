"""The `workbench` executable and `python -m workbench`: `cli.main.main` with the cyclic garbage
collector off for the commands that run once and exit, and no interpreter tear-down after the
read-only ones.

Start-up allocates hundreds of thousands of objects (modules, classes, the parsed node) and
almost none of them is garbage, yet the collector walks them all every few thousand
allocations: 6-10 ms of a 50-100 ms `topology` or `admit`. Reference counting still frees what
a command drops; only cycles wait for the exit. So the collector stays off only for `--help`
and the read-only commands below, whose work is bounded by their (capped) input; everything else
(the app, the exporter, `top`, commits, fleets of bundles, captures) collects as usual.

At exit the interpreter collects and frees every object and module one by one (~10-15 ms after
`topology` of a 256-CPU node); a command that only reads and prints has nothing to finish, so
once its output is flushed the process ends there (`os._exit`). Commands that write (journal,
cgroups, bundles) exit normally.
"""

from __future__ import annotations

import gc
import os
import sys

# Commands that only read their inputs and print: nothing is left to close at exit, and what
# they allocate is bounded by their input.
READ_ONLY = frozenset({"topology", "admit", "validate", "node"})


def run() -> int:
    gc.disable()
    from workbench.cli.main import command_named, main

    argv = sys.argv[1:]
    command = command_named(argv)
    if command not in READ_ONLY and "-h" not in argv and "--help" not in argv:
        gc.enable()
    code = main(argv)
    if command in READ_ONLY:
        end_now(code)
    return code


def end_now(code: int) -> None:
    """Flush what was printed and end the process without the interpreter's tear-down."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            # The reader went away (`| head`) or the stream was closed after a broken pipe.
            pass
    os._exit(code)
