"""Bundle test fixtures: the CLI run in-process, and a private place for temporary directories."""

from __future__ import annotations

from pathlib import Path

import pytest
from bundle_helpers import Run


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    """`workbench ARGS...` in this process: (exit code, stdout, stderr)."""
    from workbench.cli.main import main

    def go(*args: str | Path) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return go


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the reader's temporary directories go, so a test can see that none is left."""
    import tempfile

    base = tmp_path / "tmpdirs"
    base.mkdir()
    monkeypatch.setenv("TMPDIR", str(base))
    monkeypatch.setattr(tempfile, "tempdir", str(base))
    return base
