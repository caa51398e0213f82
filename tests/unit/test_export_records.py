"""`Library.export` / `latentdam export`: every record to JSON Lines, CSV or Parquet, read back
by the tools users take them to (json, csv, pyarrow)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from conftest import MakeA1111
from latentdam import ExportFormat, Library
from latentdam.cli import app
from latentdam.errors import InvalidSetting
from latentdam.reports import IngestProgress, Report


@pytest.fixture
def two(library: Library, make_a1111: MakeA1111) -> Library:
    folder = make_a1111("fox.png", "a red fox in the snow", Model="dreamshaper_8").parent
    make_a1111("ship.png", "a starship above a ringed planet", Seed=42)
    library.ingest([folder])
    library.tag([str(folder / "fox.png")], add=["animals"])
    return library


def test_jsonl_holds_each_asset_as_the_api_shows_it_with_its_vectors(two: Library, tmp_path: Path) -> None:
    report = two.export(tmp_path / "out" / "records.jsonl", vectors=True)
    lines = [json.loads(x) for x in (tmp_path / "out" / "records.jsonl").read_text().splitlines()]
    assert (report.assets, report.format, len(lines)) == (2, ExportFormat.JSONL, 2)
    fox = next(x for x in lines if x["path"].endswith("fox.png"))
    assert fox == {**two.get(fox["id"]).to_dict(), "vectors": fox["vectors"]}  # raw metadata too
    assert set(fox["vectors"]) == set(report.vectors) == {s.name for s in two.store.active}
    assert len(fox["vectors"]["text_minilm_l6"]) == 384


def test_csv_and_parquet_hold_one_flat_row_per_asset(two: Library, tmp_path: Path) -> None:
    two.export(tmp_path / "records.csv")
    rows = list(csv.DictReader((tmp_path / "records.csv").open(encoding="utf-8")))
    fox = next(r for r in rows if r["path"].endswith("fox.png"))
    assert fox["model"] == "dreamshaper_8" and json.loads(fox["tags"]) == ["animals"]

    two.export(tmp_path / "records.parquet", vectors=True, filters={"seed": 42})
    table = pq.read_table(tmp_path / "records.parquet")
    assert table.num_rows == 1 and table["seed"].to_pylist() == [42]
    assert table.schema.field("text_minilm_l6").type.list_size == 384


def test_an_unknown_extension_asks_for_a_format_and_a_stopped_export_leaves_no_file(
    two: Library, tmp_path: Path
) -> None:
    with pytest.raises(InvalidSetting, match=r"name it \.jsonl, \.csv or \.parquet, or give --format"):
        two.export(tmp_path / "records.xlsx")

    class Stop(IngestProgress):
        @property
        def cancelled(self) -> bool:
            return True

        def advance(self, items: int, report: Report) -> None:
            raise AssertionError("nothing is written once cancelled")

    assert two.export(tmp_path / "out" / "records.parquet", progress=Stop()).cancelled
    assert list((tmp_path / "out").iterdir()) == []  # no file, no partial one


def test_the_command(two: Library, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["export", str(tmp_path / "dump.txt"), "--format", "jsonl", "--json"],
        env={"LATENTDAM_LIBRARY": two.path, "HF_HUB_OFFLINE": "1"},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["assets"] == 2
    assert len((tmp_path / "dump.txt").read_text().splitlines()) == 2
