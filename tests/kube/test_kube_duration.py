"""The one duration parser follows Go's `time.ParseDuration`.

Cases transcribed from Go's `src/time/time_test.go` (`parseDurationTests`,
`parseDurationErrorTests`); the invalid-UTF-8 error cases are left out (a YAML or command-line
string cannot hold them).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from workbench.kube.duration import (
    HOUR,
    MICROSECOND,
    MILLISECOND,
    MINUTE,
    NANOSECOND,
    SECOND,
    parse_duration_ns,
)

# Go `parseDurationTests`
GO_OK = [
    ("0", 0),
    ("5s", 5 * SECOND),
    ("30s", 30 * SECOND),
    ("1478s", 1478 * SECOND),
    ("-5s", -5 * SECOND),
    ("+5s", 5 * SECOND),
    ("-0", 0),
    ("+0", 0),
    ("5.0s", 5 * SECOND),
    ("5.6s", 5 * SECOND + 600 * MILLISECOND),
    ("5.s", 5 * SECOND),
    (".5s", 500 * MILLISECOND),
    ("1.0s", 1 * SECOND),
    ("1.00s", 1 * SECOND),
    ("1.004s", 1 * SECOND + 4 * MILLISECOND),
    ("1.0040s", 1 * SECOND + 4 * MILLISECOND),
    ("100.00100s", 100 * SECOND + 1 * MILLISECOND),
    ("10ns", 10 * NANOSECOND),
    ("11us", 11 * MICROSECOND),
    ("12µs", 12 * MICROSECOND),
    ("12μs", 12 * MICROSECOND),
    ("13ms", 13 * MILLISECOND),
    ("14s", 14 * SECOND),
    ("15m", 15 * MINUTE),
    ("16h", 16 * HOUR),
    ("3h30m", 3 * HOUR + 30 * MINUTE),
    ("10.5s4m", 4 * MINUTE + 10 * SECOND + 500 * MILLISECOND),
    ("-2m3.4s", -(2 * MINUTE + 3 * SECOND + 400 * MILLISECOND)),
    ("1h2m3s4ms5us6ns", HOUR + 2 * MINUTE + 3 * SECOND + 4 * MILLISECOND + 5 * MICROSECOND + 6),
    ("39h9m14.425s", 39 * HOUR + 9 * MINUTE + 14 * SECOND + 425 * MILLISECOND),
    ("52763797000ns", 52763797000),
    ("0.3333333333333333333h", 20 * MINUTE),
    ("9007199254740993ns", (1 << 53) + 1),
    ("9223372036854775807ns", (1 << 63) - 1),
    ("9223372036854775.807us", (1 << 63) - 1),
    ("9223372036s854ms775us807ns", (1 << 63) - 1),
    ("-9223372036854775808ns", -(1 << 63)),
    ("-9223372036854775.808us", -(1 << 63)),
    ("-9223372036s854ms775us808ns", -(1 << 63)),
    ("-2562047h47m16.854775808s", -(1 << 63)),
    ("0.100000000000000000000h", 6 * MINUTE),
    ("0.830103483285477580700h", 49 * MINUTE + 48 * SECOND + 372539827),
]

# Go `parseDurationErrorTests`: the error quotes the input
GO_ERRORS = [
    ("", '""'),
    ("3", '"3"'),
    ("-", '"-"'),
    ("s", '"s"'),
    (".", '"."'),
    ("-.", '"-."'),
    (".s", '".s"'),
    ("+.s", '"+.s"'),
    ("1d", '"1d"'),
    ("\ufffd", '"\\xef\\xbf\\xbd"'),
    ("9223372036854775810ns", '"9223372036854775810ns"'),
    ("9223372036854775808ns", '"9223372036854775808ns"'),
    ("-9223372036854775809ns", '"-9223372036854775809ns"'),
    ("9223372036854776us", '"9223372036854776us"'),
    ("3000000h", '"3000000h"'),
    ("9223372036854775.808us", '"9223372036854775.808us"'),
    ("9223372036854ms775us808ns", '"9223372036854ms775us808ns"'),
]


@pytest.mark.parametrize(("text", "want"), GO_OK, ids=[c[0] for c in GO_OK])
def test_parse_duration_as_go(text: str, want: int) -> None:
    assert parse_duration_ns(text) == want


@pytest.mark.parametrize(("text", "quoted"), GO_ERRORS, ids=[repr(c[0]) for c in GO_ERRORS])
def test_parse_duration_errors_as_go(text: str, quoted: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_duration_ns(text)
    assert quoted in str(err.value) and str(err.value).startswith("time: ")


def test_missing_and_unknown_units_are_named() -> None:
    with pytest.raises(ValueError, match='missing unit in duration "3"'):
        parse_duration_ns("3")
    with pytest.raises(ValueError, match='unknown unit "d" in duration "1d"'):
        parse_duration_ns("1d")


def test_huge_cfs_period_is_one_line_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"
        f'cpuCFSQuotaPeriod: "{"9" * 400}s"\n'
    )
    run = subprocess.run(
        [sys.executable, "-m", "workbench", "validate", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr + run.stdout
    [line] = [ln for ln in run.stdout.splitlines() if "cpuCFSQuotaPeriod" in ln]
    assert "time: invalid duration" in line and len(line) < 200
