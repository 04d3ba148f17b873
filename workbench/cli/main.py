"""Entry point of `workbench` and `python -m workbench`.

Each subcommand lives in its own module `workbench.cli.<command>` with a `register(subparsers)`
function and a handler that parses its options, calls one use case of `workbench.services`,
prints its rendering and returns the exit code.

Start-up is most of a command's cost (operators run these in loops, over SSH), so the parser is
built from the light table `COMMANDS`: only the command being run has its module imported and
its options registered; every other command is a name and a help line. `workbench --help`
imports no command module at all, and a handler imports the services (and so the domain) inside.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Collection, Sequence

from workbench import __version__
from workbench.errors import InputError

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from typing import Any

# One line per command: its name (its module is `workbench.cli.<name>`, `-` read as `_`) and the
# help line `workbench --help` shows for it. To add a command, write `workbench/cli/<name>.py`
# with `register(sub)` (calling `sub.add_parser("<name>", ...)`) and `run(args)`, and add its
# line here; the test of the table checks the line matches what the module registers.
COMMANDS: dict[str, str] = {
    "topology": "show the node's CPU/NUMA topology (lstopo-like text, JSON, or a topology spec)",
    "validate": "check pod manifests and kubelet configs for problems",
    "node": "show a captured node's live allocations (kubelet checkpoints)",
    "admit": "preview the kubelet's admission of a pod (verdict, NUMA hints, CPUs, cpu.max)",
    "commit": "turn a pod's admission decision into cgroup writes: show the diff, or --apply it",
    "journal": "list the journal's transactions, or one transaction's writes",
    "rollback": "undo a transaction (default: the newest live one); values changed since by others are kept",
    "confirm": "keep a change applied with --confirm-within",
    "recover": "finish what a crash or reboot left: roll back interrupted transactions",
    "drift": "compare the kubelet's checkpoint and our journal with the live cgroups (exit 1 if drift)",
    "sandbox": "a directory the tool treats as a cgroup v2 root (no root needed)",
    "demo": "open the app on the built-in demo node (pods placed, sandbox cgroup tree in a temp dir)",
    "capture": "capture the node into one bundle file (open it elsewhere with --bundle)",
    "fleet": "what-if over many captured nodes (capture bundles): which would admit a pod",
    "export": "serve the node's placement and usage as Prometheus metrics (OpenMetrics)",
    "top": "live usage, throttling and NUMA memory per owner (exclusive, pod shared, node pool)",
    "tui": "open the app (on the live machine, or the node the options name)",
}


def _columns() -> int:
    """`shutil.get_terminal_size().columns` without importing shutil (and its compression
    modules): argparse asks for a help formatter on every `add_argument`, and its default
    formatter imports shutil for the width, ~2.5 ms of a command that prints no help."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose help formatters get their width without shutil. Subparsers (and
    theirs) are of the same class, as argparse makes them of the parent's."""

    def _get_formatter(self) -> argparse.HelpFormatter:
        return self.formatter_class(prog=self.prog, width=_columns() - 2)  # type: ignore[call-arg]


class _Commands(argparse._SubParsersAction):  # type: ignore[type-arg]
    """The COMMAND subparsers, where a command that is not being run is its name and help line
    only: `add_parser` builds a whole ArgumentParser (its groups, its `-h`, two gettext look-ups
    each) that neither `workbench --help` nor the run of another command ever uses."""

    def add_listed(self, name: str, help_line: str) -> None:
        self._choices_actions.append(self._ChoicesPseudoAction(name, (), help_line))
        self._name_parser_map[name] = None

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        if values and values[0] in self._name_parser_map and self._name_parser_map[values[0]] is None:
            # Reached only past `--` (`workbench -- node`): what `add_parser(name, add_help=False)`
            # would have made, so the outcome stays the full tree's.
            self._name_parser_map[values[0]] = self._parser_class(
                prog=f"{self._prog_prefix} {values[0]}", add_help=False
            )
        super().__call__(parser, namespace, values, option_string)


def _same(text: str) -> str:
    return text


def _untranslated() -> None:
    """argparse passes each of its words through `gettext.gettext`, and each look-up reads the
    locale variables and searches the catalogue directory (the first one imports `locale`, ~1 ms).
    When that directory does not exist no catalogue can be found and gettext gives every word
    back as it is, so argparse may as well be given the words directly."""
    import gettext

    if not os.path.isdir(gettext.bindtextdomain(gettext.textdomain())):
        argparse._ = _same  # type: ignore[attr-defined]


def command_module(name: str) -> str:
    return f"workbench.cli.{name.replace('-', '_')}"


def build_parser(selected: Collection[str] | None = None) -> argparse.ArgumentParser:
    """The argument tree. Commands in `selected` (every command when None) get their full
    parser from their module; the others are listed by name and help line only."""
    _untranslated()
    parser = _Parser(
        prog="workbench",
        description="See, preview and safely change CPU, memory and NUMA placement on a node.",
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    parser.register("action", "parsers", _Commands)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    assert isinstance(sub, _Commands)
    for name, help_line in COMMANDS.items():
        if selected is None or name in selected:
            importlib.import_module(command_module(name)).register(sub)
        else:
            sub.add_listed(name, help_line)
    return parser


def command_named(argv: Sequence[str]) -> str | None:
    """The command `argv` runs: its first word that is not an option (the top level has no
    option that takes a value), or None."""
    for word in argv:
        if word == "--" or not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    command = command_named(words)
    parser = build_parser(() if command is None else (command,))
    args = parser.parse_args(words)
    handler = getattr(args, "func", None)
    if handler is None:
        # No subcommand: open the app on the live machine (the TUI module decides read-only).
        from workbench.cli import tui

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
