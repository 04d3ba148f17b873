"""Options shared by the subcommands (where the node comes from, the journal, the output format)
and printing. Nothing here decides anything: values go to `workbench.services` as they are."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterable

from workbench.sanitize import sanitize, sanitize_lines

TYPE_CHECKING = False  # typing's, without importing typing (~5 ms)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, TypeVar

    # Loaded by `node_source` when a handler runs: `--help` never pays for the dataclass machinery.
    from workbench.services.source import NodeSource

    T = TypeVar("T")


def add_format_option(parser: argparse.ArgumentParser, *choices: str) -> None:
    allowed = choices or ("text", "json")
    parser.add_argument(
        "-o",
        "--format",
        choices=allowed,
        default="text",
        help="output format (default text; json prints one document for scripts)",
    )


def add_topology_options(parser: argparse.ArgumentParser) -> None:
    src = parser.add_mutually_exclusive_group()
    src.add_argument("--sysfs-root", metavar="DIR", help="read sysfs under DIR (DIR/sys/devices/system/...)")
    src.add_argument("--topology", metavar="FILE", help="read a topology spec YAML")
    src.add_argument("--demo", action="store_true", help="use the built-in demo node")


def add_node_options(parser: argparse.ArgumentParser) -> None:
    add_topology_options(parser)
    kub = parser.add_mutually_exclusive_group()
    kub.add_argument(
        "--kubelet-dir",
        metavar="DIR",
        help="captured node: DIR holds config.yaml, cpu_manager_state, memory_manager_state",
    )
    kub.add_argument("--kubelet-config", metavar="FILE", help="a KubeletConfiguration YAML")


def add_bundle_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bundle",
        metavar="FILE",
        help="read the node from a capture bundle (`workbench capture`), offline and read-only",
    )


def add_journal_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--journal",
        metavar="PATH",
        help="journal file (default: $WORKBENCH_JOURNAL, /var/lib/workbench/journal.db as root, "
        "else $XDG_STATE_HOME/workbench/journal.db)",
    )


def add_wait_option(p: argparse.ArgumentParser, default: float = 10.0) -> None:
    p.add_argument(
        "--wait",
        type=float,
        default=default,
        metavar="SECONDS",
        help=f"how long to wait for another operator's lock (default {default:g})",
    )


def _path(args: argparse.Namespace, name: str) -> Path | None:
    value = getattr(args, name, None)
    if not value:
        return None
    # Here, not at the top: pathlib (and the urllib it imports) costs ~4 ms that `--help` and a
    # parse error never need.
    from pathlib import Path

    return Path(value)


def node_source(args: argparse.Namespace) -> NodeSource:
    """The node the options name (any command: options it does not have count as not given)."""
    from workbench.services.source import NodeSource

    return NodeSource(
        sysfs_root=_path(args, "sysfs_root"),
        topology_spec=_path(args, "topology"),
        demo=bool(getattr(args, "demo", False)),
        kubelet_dir=_path(args, "kubelet_dir"),
        kubelet_config=_path(args, "kubelet_config"),
        bundle=_path(args, "bundle"),
    )


def journal_path(args: argparse.Namespace) -> Path | None:
    """`--journal`, or None for the default location (the services resolve it)."""
    return _path(args, "journal")


def emit_json(doc: Any) -> None:
    """One JSON document on stdout, written at once: indented for a person at a terminal,
    compact for a script or a pipe (a third of the bytes over SSH, and the C encoder runs only
    without indentation). One write, because stdout may be unbuffered (PYTHONUNBUFFERED) and
    `json.dump` writes every token separately."""
    import json

    # ASCII-only (json's default): a name from the input cannot reach the terminal raw.

    if sys.stdout.isatty():
        text = json.dumps(doc, indent=2)
    else:
        text = json.dumps(doc, separators=(",", ":"))
    sys.stdout.write(text + "\n")


def write_text(text: str) -> None:
    """A text rendering on stdout; anything from the input that would not print as itself (a
    control or bidi character, a surrogate) is shown escaped."""
    sys.stdout.write(sanitize_lines(text))


def emit(fmt: str, result: T, as_json: Callable[[T], Any], as_text: Callable[[T], str]) -> None:
    """One rendering of `result` on stdout: its JSON document or its text."""
    if fmt == "json":
        emit_json(as_json(result))
    else:
        write_text(as_text(result))


def warn(lines: Iterable[str]) -> None:
    """One stderr line each, named as ours (sanitised: a line stays one line)."""
    for line in lines:
        print(f"workbench: {sanitize(line, 0)}", file=sys.stderr)
