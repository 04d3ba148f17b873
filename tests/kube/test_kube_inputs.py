"""The input boundary (workbench.inputs) and the sanitising of what is echoed (workbench.sanitize),
as a user meets them: one clear line for any bad file, nothing unprintable on the terminal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.errors import InputError
from workbench.inputs import MAX_INPUT_BYTES, load_json, load_yaml_documents, read_text, scrub
from workbench.sanitize import sanitize, sanitize_lines


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain-name", "plain-name"),
        ("a\nb", "a\\nb"),
        ("a\x85b\x9bc", "a\\x85b\\x9bc"),
        ("evil\u202etxt.exe", "evil\\u202etxt.exe"),
        ("iso\u2066late", "iso\\u2066late"),
        ("lone\ud800", "lone\\ud800"),
        ("\x1b[31mred", "\\x1b[31mred"),
        ("line\u2028sep", "line\\u2028sep"),
        ("caf\u00e9 \u00b5s", "caf\u00e9 \u00b5s"),  # printable text is left alone
    ],
)
def test_what_would_not_print_as_itself_is_escaped(raw: str, shown: str) -> None:
    assert sanitize(raw) == shown
    shown.encode("utf-8")  # a terminal can print it


def test_echoed_values_are_capped() -> None:
    assert len(sanitize("x" * 10_000)) == 200 and sanitize("x" * 10_000).endswith("...")
    assert sanitize_lines("ok\nbad\x85\n") == "ok\nbad\\x85\n"


def test_an_error_line_stays_one_line_whatever_the_input_holds() -> None:
    err = InputError("unknown key", source="f.yaml", field="cpus[0].a\nb\u202e", fix="drop it")
    assert err.line() == "f.yaml: cpus[0].a\\nb\\u202e: unknown key (drop it)"


def test_input_over_the_api_servers_limit_is_refused_unread(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * (MAX_INPUT_BYTES + 1))
    with pytest.raises(InputError, match=r"larger than 1.5 MiB"):
        read_text(big)
    big.write_bytes(b"#" * MAX_INPUT_BYTES)
    assert len(read_text(big)[0]) == MAX_INPUT_BYTES


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: !!timestamp 2001-12-14t21:59:43.10-05:00 v1\n", "not valid YAML: a value cannot be read"),
        ("a: !!int x\n", "not valid YAML"),
        ("a: " + "1" * 5000 + "\n", "not valid YAML"),
        ("a: !!python/name:os.system\n", "unsupported YAML tag"),
        ("k: " + "[" * 100_000, "nested more than 200 levels"),
        ("- " * 100_000 + "x", "nested more than 200 levels"),
        ("a: [\n", "not valid YAML"),
    ],
)
def test_any_parser_failure_is_one_input_error(text: str, message: str) -> None:
    with pytest.raises(InputError) as err:
        load_yaml_documents(text, "hostile.yaml")
    assert message in err.value.line() and "\n" not in err.value.line()
    assert err.value.source == "hostile.yaml"


def test_json_is_read_as_json_and_lone_surrogates_become_replacement_characters() -> None:
    text = json.dumps({"name\ud800": ["c\udfff", {"x": "ok"}]})
    assert load_yaml_documents(text, "x") == [{"name\ufffd": ["c\ufffd", {"x": "ok"}]}]
    assert load_json(text, "x") == {"name\ufffd": ["c\ufffd", {"x": "ok"}]}
    # NaN is not JSON: the text is YAML then, where it is a string.
    assert load_yaml_documents('{"a": NaN}', "x") == [{"a": "NaN"}]


def test_scrub_visits_shared_and_self_referencing_structures_once() -> None:
    shared = ["\ud800"]
    loop: list[object] = [shared, shared]
    loop.append(loop)
    assert scrub(loop)[0] == ["\ufffd"] and loop[2] is loop


def test_unreadable_paths_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    for path, message in (
        (tmp_path / "missing", "no such file"),
        (tmp_path, "is a directory"),
        (tmp_path / "dangling", "a link to a missing file"),
        (f"{tmp_path}/a\x00b", "cannot read"),
    ):
        with pytest.raises(InputError, match=message) as err:
            read_text(path)
        assert "\n" not in err.value.line() and "\x00" not in err.value.line()
