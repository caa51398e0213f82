"""`latentdam ingest --engine ray` on a local Ray cluster (this machine's cores, no dashboard)
gives the library a local ingest gives: the same records byte for byte, vectors included
(only the time of ingest differs), the same files and vocabulary counts, and the same report,
bad files and copies included."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import lancedb
import numpy as np
import pyarrow as pa
import pytest

from cli_support import run_cli

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("ray")]
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
TABLES = {"assets": "id", "files": "path", "term_counts": "term"}


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(SAMPLES, folder)
    first = next(iter(sorted((folder / "a1111").glob("*.png"))))
    shutil.copy(first, folder / "a1111" / "copy of the first.png")  # the same bytes twice
    (folder / "broken.png").write_bytes(first.read_bytes()[:300])  # a truncated render
    return folder


def _tables(library: Path) -> dict[str, pa.Table]:
    db = lancedb.connect(library)
    tables = {}
    for name, key in TABLES.items():
        table = db.open_table(name).to_arrow().sort_by(key)
        tables[name] = table.drop_columns([c for c in ("ingested_at",) if c in table.column_names])
    return tables


def _counts(report: dict[str, object]) -> dict[str, object]:
    failed = report["failed"]
    assert isinstance(failed, list)
    return {
        **{k: report[k] for k in ("added", "updated", "copies", "unchanged")},
        "failed": sorted(Path(item["path"]).name for item in failed),
    }


def test_a_ray_ingest_gives_the_library_a_local_ingest_gives(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    local, ray = tmp_path / "local", tmp_path / "ray"
    common = ("ingest", folder, "--batch-size", "8", "--json")
    by_local = json.loads(run_cli(*common, "--library", local, env={}, check=False).stdout)
    by_ray = json.loads(
        run_cli(*common, "--library", ray, "--engine", "ray", env={}, check=False, own_process=True).stdout
    )

    assert (by_local["engine"], by_ray["engine"]) == ("local", "ray")
    assert _counts(by_ray) == _counts(by_local)
    assert by_ray["added"] >= 30 and by_ray["copies"] == 1
    assert _counts(by_ray)["failed"] == ["broken.png"]
    expected, got = _tables(local), _tables(ray)
    for name in TABLES:
        assert got[name].schema == expected[name].schema, name
        for column in expected[name].column_names:
            assert got[name][column].equals(expected[name][column]), f"{name}.{column} differs"

    # the Ray engine's library is an ordinary one: searched, and ingested again locally
    found = json.loads(run_cli("search", "a red fox", "--library", ray, "--json", env={}).stdout)
    assert "fox" in found["results"][0]["asset"]["record"]["prompt"].lower()
    again = json.loads(run_cli(*common, "--library", ray, env={}, check=False).stdout)
    assert (
        again["added"] == 0 and again["unchanged"] == by_ray["added"] + by_ray["copies"]
    )  # the broken one is retried


def test_a_ray_backfill_migrates_as_a_local_one(tmp_path: Path, tiny_clip_dirs: tuple[Path, Path]) -> None:
    """`reembed --engine ray`: lance-ray reads the assets still without a vector, actors embed
    their pixels (from the files) into a joint space; the same vectors as a local backfill
    (to float rounding: the batches may group differently) and the same switch."""
    model = tiny_clip_dirs[0]
    local, ray = tmp_path / "local", tmp_path / "ray"
    run_cli("ingest", SAMPLES / "a1111", SAMPLES / "comfyui", "--library", local, "--json", env={})
    shutil.copytree(local, ray)
    common = ("reembed", "--model", model, "--batch-size", "4", "--json")
    by_local = json.loads(run_cli(*common, "--library", local, env={}).stdout)
    by_ray = json.loads(run_cli(*common, "--library", ray, "--ray", "local", env={}, own_process=True).stdout)

    assert (by_local["engine"], by_ray["engine"]) == ("local", "ray")
    assert by_ray["embedded"] == by_local["embedded"] >= 15 and by_ray["activated"]
    assert by_ray["skipped"] == by_local["skipped"]
    column = f"vec_{by_local['space']}"
    expected, got = (_tables(lib)["assets"] for lib in (local, ray))
    assert got["id"].equals(expected["id"])
    for mine, theirs in zip(got[column].to_pylist(), expected[column].to_pylist(), strict=True):
        assert (mine is None) == (theirs is None)
        if mine is not None:
            assert np.allclose(mine, theirs, atol=1e-5)
    spaces = json.loads(run_cli("spaces", "--library", ray, "--json", env={}).stdout)
    assert by_local["space"] in {s["name"] for s in spaces["spaces"] if s["active"]}


def test_optimize_on_ray_compacts_the_data_files_and_keeps_every_record(tmp_path: Path) -> None:
    library = tmp_path / "lib"
    run_cli("ingest", SAMPLES / "a1111", "--library", library, "--batch-size", "2", env={})
    before = _tables(library)
    report = json.loads(
        run_cli(
            "optimize", "--library", library, "--engine", "ray", "--json", env={}, own_process=True
        ).stdout
    )

    assert report["engine"] == "ray"
    assert report["fragments_before"] >= 4 and report["fragments_after"] == 1
    after = _tables(library)
    for name in TABLES:
        assert after[name].equals(before[name]), name
