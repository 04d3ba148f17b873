"""Entry point of `workbench` and `python -m workbench`.

Each subcommand lives in its own module with a `register(subparsers)` function and a handler
that parses its options, calls one use case of `workbench.services`, prints its rendering and
returns the exit code. Handlers import the services (and so the domain) inside, so
`workbench --help` and `workbench topology -o json` never pay for Textual or the admission engine.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from workbench import __version__
from workbench.errors import InputError

# Module names under workbench.cli that each register one or more subcommands.
COMMAND_MODULES = (
    "topology",
    "validate",
    "node",
    "admit",
    "commit",
    "journal",
    "rollback",
    "confirm",
    "recover",
    "drift",
    "sandbox",
    "demo",
    "export",
    "tui",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench",
        description="See, preview and safely change CPU, memory and NUMA placement on a node.",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"workbench.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"workbench.cli.{name}":
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "func", None)
    if handler is None:
        # No subcommand: open the app on the live machine (the TUI module decides read-only).
        try:
            from workbench.cli import tui
        except ModuleNotFoundError:
            parser.print_help()
            return 0
        handler = tui.run
    try:
        code: int = handler(args)
        return code
    except InputError as exc:
        print(f"workbench: {exc.line()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `workbench topology | head`: the reader went away; that is not an error of ours.
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
