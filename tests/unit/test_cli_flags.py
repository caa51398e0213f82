"""The command line's flags, in process (typer's runner): each option works wherever `--help`
shows it, and bad values are refused with the flag's name. The subprocess tests in
tests/e2e/test_cli.py cover the command as a person runs it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from latentdam.cli import app
from latentdam.errors import UnknownSpace
from latentdam.library import Library

runner = CliRunner()


def test_an_option_given_to_the_spaces_group_reaches_its_drop_command(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("LATENTDAM_LIBRARY", raising=False)
    result = runner.invoke(app, ["spaces", "--library", library.path, "drop", "no_such_space"])
    assert isinstance(result.exception, UnknownSpace)  # asked of this library...
    assert not (elsewhere / "latentdam-library").exists()  # ...not of a new one in the current folder
