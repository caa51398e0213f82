"""The command line's flags, in process (typer's runner): each option works wherever `--help`
shows it, and bad values are refused with the flag's name. The subprocess tests in
tests/e2e/test_cli.py cover the command as a person runs it."""

from __future__ import annotations

import json
import shutil
import struct
import zlib
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from conftest import MakeA1111
from latentdam import Settings
from latentdam.cli import app
from latentdam.errors import ImageTooLarge, InvalidQuery, UnknownSpace
from latentdam.library import Library
from latentdam.testing.formats import make_image, write_png

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


def _invoke(*args: str | Path, library: Path) -> Result:
    env = {"LATENTDAM_LIBRARY": str(library), "HF_HUB_OFFLINE": "1"}
    return runner.invoke(app, [str(a) for a in args], env=env)


def test_help_shows_flags_without_types_defaults_and_plain_usage() -> None:
    ingest = runner.invoke(app, ["ingest", "--help"], prog_name="latentdam").output
    assert "Usage: latentdam ingest [OPTIONS] PATHS..." in ingest
    assert "[default: 64]" in ingest and "[default: 100]" in ingest  # from the settings' own defaults
    search = " ".join(runner.invoke(app, ["search", "--help"]).output.split())  # as one line
    assert "<bool>" not in search and "{" not in search
    assert "--json Print one JSON document" in search
    assert "[default: 0.5, with weaker results shown once one passes]" in search
    assert "[default: calibrated]" in runner.invoke(app, ["duplicates", "--help"]).output
    version = runner.invoke(app, ["--version"])
    assert version.exit_code == 0 and version.output.startswith("latentdam ")


def test_dates_and_ranges_that_cannot_be_are_refused(library: Library) -> None:
    bad = _invoke("search", "fox", "--after", "2025-13-45", library=Path(library.path))
    assert bad.exit_code == 2 and "'2025-13-45' is not a valid date: use YYYY-MM-DD" in bad.output
    crossed = _invoke(
        "search", "fox", "--after", "2025-06-01", "--before", "2024-01-01", library=Path(library.path)
    )
    assert isinstance(crossed.exception, InvalidQuery)
    assert "is later than created_before 2024-01-01" in str(crossed.exception)


def test_ingest_says_when_nothing_is_there_counts_copies_and_exits_1_on_a_failed_file(
    tmp_path: Path, make_a1111: MakeA1111
) -> None:
    library = tmp_path / "lib"
    (tmp_path / "empty").mkdir()
    empty = _invoke("ingest", tmp_path / "empty", library=library)
    assert empty.exit_code == 0 and f"No images found under {tmp_path / 'empty'}" in empty.output

    fox = make_a1111("fox.png", "a red fox in the snow", folder="renders")
    shutil.copy(fox, fox.parent / "fox copy.png")
    (fox.parent / "notes.png").write_text("not an image")
    report = _invoke("ingest", fox.parent, library=library)
    assert report.exit_code == 1  # a file was skipped: the rest landed, and the status says so
    line = next(x for x in report.output.splitlines() if " added" in x)
    assert line.startswith("1 added, 0 updated, 1 copy of known images, 0 unchanged, 1 failed")
    assert str(library) in line  # one line, however long: output that is not a terminal never wraps
    assert "skipped" in report.output and "notes.png" in report.output


def test_filters_typed_as_a_person_would(
    tmp_path: Path, make_a1111: MakeA1111, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = tmp_path / "lib"
    make_a1111("fox.png", "a red fox in the snow", folder="renders/animals")
    make_a1111("ship.png", "a starship above a ringed planet", folder="renders/space")
    assert _invoke("ingest", tmp_path / "renders", library=library).exit_code == 0
    monkeypatch.chdir(tmp_path)
    found = json.loads(_invoke("search", "--path", "renders/space/*", "--json", library=library).output)
    assert [Path(r["path"]).name for r in found["results"]] == ["ship.png"]
    lib = Library.open(settings=Settings(library=library))
    lib.tag([str(tmp_path / "renders/animals/fox.png")], add=["Autumn"])
    tagged = json.loads(
        _invoke("search", "--tag", "autumn", "--tool", "A1111", "--json", library=library).output
    )
    assert [Path(r["path"]).name for r in tagged["results"]] == ["fox.png"]


def test_stats_says_why_an_asset_has_no_text_vector_and_reembed_of_the_active_space_says_so(
    tmp_path: Path, make_a1111: MakeA1111
) -> None:
    library = tmp_path / "lib"
    folder = make_a1111("fox.png", "a red fox in the snow").parent
    write_png(folder / "plain.png", make_image(5))  # no metadata: nothing for a text space
    _invoke("ingest", folder, library=library)
    stats = _invoke("stats", library=library).output
    assert "space text_minilm_l6: 1 of 2 assets embedded (1 without a prompt or other text)" in stats
    again = _invoke("reembed", "--model", "minilm", library=library)
    assert (
        again.exit_code == 0 and "text_minilm_l6 is already the active space; nothing to do" in again.output
    )


def test_a_query_image_over_the_pixel_limit_names_the_setting_search_has(
    library: Library, tmp_path: Path
) -> None:
    bomb = tmp_path / "bomb.png"
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    bomb.write_bytes(b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IEND", b""))
    with pytest.raises(ImageTooLarge) as caught:
        library.search(image=bomb)
    assert "LATENTDAM_MAX_MEGAPIXELS" in str(caught.value) and "--max-megapixels" not in str(caught.value)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
