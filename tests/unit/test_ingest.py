"""Ingest: identity by content, incremental work, moves, bad input never aborting a batch."""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from pathlib import Path

from conftest import MakeA1111
from latentdam import Library, Tool
from latentdam.testing.formats import make_image, write_png


def _versions(lib: Library) -> tuple[int, int]:
    return lib.store.assets.version, lib.store.files.version


def test_ingest_reads_metadata_and_reports(library: Library, make_a1111: MakeA1111) -> None:
    first = make_a1111("knight.png", "a knight in plate armour", Seed=42, Model="dreamshaper_8")
    make_a1111("fox.png", "a red fox in the snow")
    report = library.ingest([first.parent])
    assert (report.added, report.updated, report.unchanged, report.failed) == (2, 0, 0, [])
    asset = library.get(str(first))
    assert asset.record.tool is Tool.A1111
    assert asset.record.prompt == "a knight in plate armour"
    assert (asset.record.seed, asset.record.model) == (42, "dreamshaper_8")
    assert asset.path == str(first.resolve())
    assert asset.thumbnail and asset.thumbnail[:4] == b"RIFF"
    assert library.stats().spaces == {"text_minilm_l6": 2, "visual_descriptor_v1": 2}


def test_reingest_of_unchanged_files_writes_nothing(library: Library, make_a1111: MakeA1111) -> None:
    folder = make_a1111("a.png", "a lighthouse").parent
    make_a1111("b.png", "a windmill")
    library.ingest([folder])
    before = _versions(library)
    report = library.ingest([folder])
    assert (report.added, report.updated, report.unchanged) == (0, 0, 2)
    assert _versions(library) == before  # no commit at all: nothing was rewritten


def test_moved_file_keeps_its_identity_and_updates_its_path(library: Library, make_a1111: MakeA1111) -> None:
    original = make_a1111("moving.png", "a hot air balloon over hills")
    library.ingest([original.parent])
    asset_id = library.get(str(original)).id
    target = original.parent.parent / "archive" / "moved.png"
    target.parent.mkdir()
    shutil.move(original, target)
    report = library.ingest([target.parent])
    assert (report.added, report.updated, report.moved, report.copies) == (0, 0, 1, 0)
    moved = library.get(asset_id)
    assert moved.paths == [str(target.resolve())]
    assert library.stats().assets == 1


def test_copy_adds_a_path_and_edit_in_place_replaces_the_asset(
    library: Library, make_a1111: MakeA1111
) -> None:
    original = make_a1111("one.png", "a bowl of ramen")
    copy = original.parent / "copy.png"
    shutil.copy(original, copy)
    report = library.ingest([original.parent])
    assert (report.added, report.copies) == (1, 1)  # same bytes twice: one asset, two paths
    asset = library.get(str(original))
    assert sorted(asset.paths) == sorted([str(original.resolve()), str(copy.resolve())])

    make_a1111("one.png", "a plate of sushi")  # overwrite with new content
    os.utime(original, ns=(1, 1))
    report = library.ingest([original.parent])
    assert (report.added, report.updated, report.unchanged) == (0, 1, 1)
    assert library.get(str(original)).record.prompt == "a plate of sushi"
    assert library.get(asset.id).paths == [str(copy.resolve())]  # old content lives on in the copy
    assert library.stats().assets == 2
    shutil.copy(copy, original.parent / "third.png")  # a copy of bytes ingested before
    report = library.ingest([original.parent])
    assert (report.added, report.updated, report.copies, report.unchanged) == (0, 0, 1, 2)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_bad_files_are_reported_and_the_rest_lands(
    library: Library, make_a1111: MakeA1111, tmp_path: Path
) -> None:
    folder = make_a1111("good.png", "a bonsai tree").parent
    good_bytes = (folder / "good.png").read_bytes()
    (folder / "empty.png").write_bytes(b"")
    (folder / "notes.png").write_text("this is not an image")
    (folder / "truncated.png").write_bytes(good_bytes[: len(good_bytes) // 2])
    # a decompression bomb: a valid header claiming 100k x 100k pixels
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    (folder / "bomb.png").write_bytes(
        b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IEND", b"")
    )
    (folder / "dangling.png").symlink_to(tmp_path / "nowhere.png")
    write_png(folder / "plain.png", make_image(3))  # no metadata at all: still an asset

    report = library.ingest([folder])
    reasons = {Path(s.path).name: s.reason for s in report.failed}
    assert set(reasons) == {"empty.png", "notes.png", "truncated.png", "bomb.png", "dangling.png"}
    assert "empty" in reasons["empty.png"]
    assert "not an image" in reasons["notes.png"]
    assert "truncated" in reasons["truncated.png"]
    assert "10000 megapixels" in reasons["bomb.png"] and "--max-megapixels" in reasons["bomb.png"]
    assert "cannot read" in reasons["dangling.png"]
    assert report.added == 2
    assert library.get(str(folder / "plain.png")).record.tool is Tool.UNKNOWN


def test_broken_generator_metadata_is_a_warning_not_a_failure(library: Library, tmp_path: Path) -> None:
    path = write_png(
        tmp_path / "broken.png", make_image(5), {"invokeai_metadata": '{"positive_prompt": "a ca'}
    )
    report = library.ingest([path])
    assert report.added == 1 and not report.failed
    assert len(report.warnings) == 1 and "invokeai" in report.warnings[0].reason
    asset = library.get(str(path))
    assert asset.record.raw["png:invokeai_metadata"] == '{"positive_prompt": "a ca'  # kept whole


def test_missing_input_path_raises(library: Library, tmp_path: Path) -> None:
    import pytest

    with pytest.raises(FileNotFoundError, match="no-such-folder"):
        library.ingest([tmp_path / "no-such-folder"])


def test_metadata_a_reader_chokes_on_is_a_warning_not_a_failure(library: Library, tmp_path: Path) -> None:
    # JSON allows NaN; int(NaN) raises ValueError inside the InvokeAI reader
    path = write_png(
        tmp_path / "nan.png",
        make_image(6),
        {"invokeai_metadata": '{"positive_prompt": "a cat", "seed": NaN}'},
    )
    report = library.ingest([path])
    assert report.added == 1 and not report.failed
    assert "could not be interpreted" in report.warnings[0].reason
