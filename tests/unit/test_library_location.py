"""Where a library lives, and how it is opened: a URI end to end, reading never creates one,
settings from flags validated like settings from the environment, and one process sees
another's commits."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import MakeA1111
from latentdam import Library, Settings
from latentdam.config import load_settings
from latentdam.embed import TextEmbedder
from latentdam.embed.space import TEXT_MINILM_L6
from latentdam.errors import InvalidSetting, LibraryExists, LibraryNotFound


def test_a_library_location_is_a_uri_or_a_path() -> None:
    assert Settings(library="s3://bucket/team/lib").library == "s3://bucket/team/lib"
    assert Settings(library=Path("~/lib")).library == str(Path.home() / "lib")
    assert Settings(library="~/lib").library == str(Path.home() / "lib")


def test_open_never_creates_and_create_never_clobbers(tmp_path: Path, text_embedder: TextEmbedder) -> None:
    where = tmp_path / "lib"
    with pytest.raises(LibraryNotFound, match=r"no latentdam library at .*lib \(create one with"):
        Library.open(where)
    assert not where.exists()
    made = Library.create(where, embedders=[text_embedder])
    assert [s.name for s in made.store.active] == ["text_minilm_l6", "visual_descriptor_v1"]
    with pytest.raises(LibraryExists):
        Library.create(where)
    again = Library.create(where, exist_ok=True, embedders=[text_embedder])
    assert again.store.count() == 0 and Library.open(where).path == str(where)


def test_a_bad_setting_names_its_field_and_source(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidSetting, match=r"invalid batch_size 0 \(from --batch-size\)"):
        load_settings(batch_size=0)
    monkeypatch.setenv("LATENTDAM_BATCH_SIZE", "0")
    with pytest.raises(InvalidSetting, match=r"invalid batch_size '0' \(from LATENTDAM_BATCH_SIZE\)"):
        load_settings()
    assert load_settings(batch_size=8).batch_size == 8  # a flag overrides the variable


def test_a_second_handle_sees_the_first_ones_commits(
    tmp_path: Path, text_embedder: TextEmbedder, make_a1111: MakeA1111
) -> None:
    settings = Settings(library=tmp_path / "lib", read_consistency_seconds=0)
    writer = Library.create(settings=settings, embedders=[text_embedder])
    reader = Library.open(settings=settings, embedders=[text_embedder])
    assert reader.store.count() == 0
    make_a1111("fox.png", "a red fox in the snow")
    writer.ingest([tmp_path / "images"])
    assert reader.store.count() == 1
    assert reader.search("a red fox").results[0].path.endswith("fox.png")


def test_a_manifest_is_one_immutable_reading_per_version(tmp_path: Path, text_embedder: TextEmbedder) -> None:
    settings = Settings(library=tmp_path / "lib", read_consistency_seconds=0)
    writer = Library.create(settings=settings, embedders=[text_embedder])
    reader = Library.open(settings=settings, embedders=[text_embedder])
    before = reader.store.manifest()
    assert reader.store.manifest() is before  # same version: the same object, not a re-read
    writer.store.set_meta("note", {"by": "writer"})
    after = reader.store.manifest()
    assert after.version > before.version and after.get("note") == {"by": "writer"}
    assert before.get("note") is None  # an operation holding `before` never sees a mix
    with pytest.raises(TypeError):
        after.values["note"] = "changed"  # type: ignore[index]


def test_a_reader_picks_up_the_writers_vocabulary_and_models(
    tmp_path: Path, text_embedder: TextEmbedder, make_a1111: MakeA1111
) -> None:
    settings = Settings(library=tmp_path / "lib", read_consistency_seconds=0)
    writer = Library.create(settings=settings, embedders=[text_embedder])
    reader = Library.open(settings=settings, embedders=[text_embedder])
    assert reader._engine.expansion_terms("feline companions") == []  # nothing ingested yet
    for i, prompt in enumerate(["a tabby cat asleep", "two cats playing", "a dog", "a dog running"] * 3):
        make_a1111(f"img_{i:02d}.png", f"{prompt}, variation {i}")
    writer.ingest([tmp_path / "images"])
    terms = reader._engine.expansion_terms("feline companions")
    assert "cat" in terms or "cats" in terms
    assert reader._current().relevance.keys() == writer._current().relevance.keys() == {"text_minilm_l6"}


def test_fusion_weights_read_only_their_prefixed_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("IMAGE", "0")
    monkeypatch.setenv("SEMANTIC", "0")
    assert load_settings().fusion.image == 1.0 and load_settings().fusion.semantic == 1.0
    monkeypatch.setenv("LATENTDAM_FUSION__IMAGE", "0.25")
    assert load_settings().fusion.image == 0.25


def test_a_library_closes_what_it_loaded_and_leaves_the_callers_models(
    tmp_path: Path, text_embedder: TextEmbedder, make_a1111: MakeA1111
) -> None:
    settings = Settings(library=tmp_path / "lib")
    with Library.create(settings=settings, embedders=[text_embedder]) as shared:
        shared.ingest([make_a1111("fox.png", "a red fox in the snow")])
        assert shared.search("a fox").results
    assert text_embedder.loaded  # the caller's model: still theirs
    with Library.open(settings=settings) as own:
        assert own.search("a fox").results
        loaded = own.embedders.get(TEXT_MINILM_L6)
        assert getattr(loaded, "loaded", None) is True
    assert getattr(loaded, "loaded", None) is False
    assert own.search("a fox").results  # a closed library loads again what it needs
