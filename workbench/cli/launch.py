"""The `workbench` executable and `python -m workbench`: `cli.main.main` with the cyclic garbage
collector off for the commands that run once and exit.

Start-up allocates hundreds of thousands of objects (modules, classes, the parsed node) and
almost none of them is garbage, yet the collector walks them all every few thousand
allocations: 6-10 ms of a 50-100 ms `topology` or `admit`. Reference counting still frees what
a command drops; only cycles wait for the exit. Commands that keep running (the app, the
exporter, `top`) get the collector back before they start.
"""

from __future__ import annotations

import gc
import sys

# Commands that run until stopped (None: no command, which opens the app).
LONG_RUNNING = frozenset({"tui", "demo", "export", "top", None})


def run() -> int:
    gc.disable()
    from workbench.cli.main import command_named, main

    argv = sys.argv[1:]
    if command_named(argv) in LONG_RUNNING:
        gc.enable()
    return main(argv)
