"""The CLI's light command table (`workbench.cli.main.COMMANDS`) against the command modules:
`workbench --help` lists what the modules register, and the lazily built parser of one command
is the same as the full tree's."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.cli.main import COMMANDS, build_parser, main


def _subparsers(parser: argparse.ArgumentParser) -> argparse._SubParsersAction:  # type: ignore[type-arg]
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def test_every_table_line_is_what_its_module_registers() -> None:
    sub = _subparsers(build_parser())
    registered = {a.dest: a.help for a in sub._choices_actions}
    assert registered == COMMANDS


def test_top_level_help_lists_every_command_without_importing_one() -> None:
    code = (
        "import sys; from workbench.cli.main import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(n for n in sys.modules if n.startswith('workbench.cli.')), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    for name in COMMANDS:
        assert f"\n    {name} " in out.stdout
    assert out.stderr.strip() == "['workbench.cli.main']"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_one_commands_help_is_the_full_trees(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([name, "--help"])
    assert done.value.code == 0
    lazy = capsys.readouterr().out
    full = _subparsers(build_parser()).choices[name].format_help()
    assert lazy == full


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_one_commands_argument_error_is_the_full_trees(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    argv = [name, "--no-such-option"]
    with pytest.raises(SystemExit) as lazy_exit:
        main(argv)
    lazy = capsys.readouterr().err
    with pytest.raises(SystemExit) as full_exit:
        build_parser().parse_args(argv)
    assert (lazy_exit.value.code, lazy) == (full_exit.value.code, capsys.readouterr().err)
    assert lazy_exit.value.code == 2 and ": error: " in lazy


def test_top_level_help_is_the_full_trees(capsys: pytest.CaptureFixture[str]) -> None:
    """`workbench --help` lists the commands from the table, without building their parsers."""
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    assert capsys.readouterr().out == build_parser().format_help()


def test_a_listed_command_reached_anyway_parses_as_an_empty_parser() -> None:
    """Only listed (`workbench -- node` where argparse hands `node` on, as newer Pythons do):
    the command gets the parser `add_parser(name, add_help=False)` would have made."""
    parser = build_parser(())
    args = parser.parse_args(["node"])
    assert args.command == "node" and not hasattr(args, "func")
    made = _subparsers(parser).choices["node"]
    assert isinstance(made, argparse.ArgumentParser) and made.prog == "workbench node"
    with pytest.raises(SystemExit):
        parser.parse_args(["node", "--help"])


@pytest.mark.parametrize("catalogues", [True, False])
def test_argparse_keeps_gettext_only_where_a_catalogue_can_be(
    catalogues: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gettext

    where = tmp_path if catalogues else tmp_path / "missing"
    monkeypatch.setattr(gettext, "bindtextdomain", lambda domain, localedir=None: str(where))
    monkeypatch.setattr(argparse, "_", gettext.gettext)
    build_parser(())
    assert (argparse._ is gettext.gettext) == catalogues  # type: ignore[attr-defined]


def test_an_unknown_command_is_refused_with_the_list(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["topolgy"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'topolgy'" in err and "topology" in err


def test_no_commands_help_loads_dataclasses_yaml_typing_pathlib_or_the_domain() -> None:
    """Every `--help` stays a few tens of ms: a command module imports its use case (and with it
    dataclasses, YAML and the domain layers), `pathlib` (~4 ms with urllib) and `typing` (~5 ms)
    inside its handler, not at the top."""
    code = (
        "import sys\n"
        # What the interpreter's start-up (site, an editable install's finder) loaded does not count.
        "for name in ('typing', 'pathlib'):\n    sys.modules.pop(name, None)\n"
        "from workbench.cli.main import COMMANDS, main\n"
        "for argv in [['--help'], *([name, '--help'] for name in COMMANDS)]:\n"
        "    try:\n        main(argv)\n    except SystemExit:\n        pass\n"
        "heavy = {'dataclasses', 'yaml', 'textual', 'typing', 'pathlib'}\n"
        "heavy |= {n for n in sys.modules if n.startswith("
        "('workbench.topology', 'workbench.kube', 'workbench.admission', 'workbench.tui'))}\n"
        "print(sorted(heavy & set(sys.modules)), file=sys.stderr)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stderr.strip() == "[]"
