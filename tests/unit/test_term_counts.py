"""The vocabulary's word counts are kept by the writes themselves (store/term_counts.py):
after any sequence of inserts, replacements, text updates, deletes and duplicate repairs
they equal a recount from the texts, and the vocabulary built from them equals the one the
texts define. A real LanceDB store and the real ingest."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import MakeA1111
from latentdam import Library
from latentdam.search.expansion import library_terms
from latentdam.store.schema import KEYWORD_COLUMN
from latentdam.store.store import LibraryStore
from latentdam.store.term_counts import DOCUMENTS, count_documents


def _texts(store: LibraryStore) -> list[str | None]:
    return store.assets.search().select(["embed_text"]).limit(None).to_arrow()["embed_text"].to_pylist()


def _recounted(store: LibraryStore) -> tuple[dict[str, int], int]:
    counts = count_documents(_texts(store))
    documents = counts.pop(DOCUMENTS, 0)
    return dict(counts), documents


def test_every_write_keeps_the_counts_equal_to_a_recount(tmp_path: Path) -> None:
    store = LibraryStore.open(tmp_path / "library", create=True)
    store.upsert_assets([{"id": "a", "embed_text": "a red fox in snow"}])
    assert not store.term_counts.exists()  # made by the first vocabulary build (a recount)
    store.recount_terms()
    assert store.term_counts.read() == ({"red": 1, "fox": 1, "snow": 1}, 1)

    store.upsert_assets(
        [
            {"id": "b", "embed_text": "a red kite over dunes, red sky"},  # a word twice: one document
            {"id": "c", "embed_text": None},  # no text: not a document
            {"id": "d", "embed_text": "the fox and the hound"},
        ]
    )
    assert store.term_counts.read() == _recounted(store)
    store.upsert_assets([{"id": "b", "embed_text": "a blue kite"}])  # replaces b's text
    store.update_columns(
        [{"id": "d", "embed_text": "a hound asleep"}, {"id": "zz", "embed_text": "ghost words"}]
    )
    store.update_columns([{"id": "a", "tags": ["winter"]}])  # no text written: nothing to count
    assert store.term_counts.read() == _recounted(store)
    store.delete_assets(["a", "nonexistent"])
    counts, documents = store.term_counts.read()
    assert (counts, documents) == _recounted(store)
    assert "fox" not in counts and "ghost" not in counts and documents == 2


def test_a_repaired_duplicate_is_counted_once(tmp_path: Path) -> None:
    store = LibraryStore.open(tmp_path / "library", create=True)
    store.recount_terms()
    row = {"id": "a", "embed_text": "a red fox"}
    store.assets.add([row, row])  # what two unlocked writers once left
    store.repair_duplicates()
    assert store.term_counts.read() == ({"red": 1, "fox": 1}, 1)


def test_the_vocabulary_follows_ingests_and_removals(library: Library, make_a1111: MakeA1111) -> None:
    images = Path(library.settings.library).parent / "images"
    for i, prompt in enumerate(
        ["a tabby cat", "a cat on a roof", "a dog in a meadow", "a dog and a cat"] * 3
    ):
        make_a1111(f"img_{i:02d}.png", f"{prompt}, take {i}")
    library.ingest([images])
    store = library.store
    assert library._vocabulary(store.active[0]).terms == library_terms([t for t in _texts(store) if t])

    later = images / "later"
    for i in range(3):
        make_a1111(f"later/lighthouse_{i}.png", f"a lighthouse in fog, study {i}")
    library.ingest([images])
    assert "lighthouse" in library._vocabulary(store.active[0]).terms
    assert store.term_counts.read() == _recounted(store)

    shutil.rmtree(later)
    library.ingest([images])
    library.prune()
    vocabulary = library._vocabulary(store.active[0])
    assert "lighthouse" not in vocabulary.terms
    assert vocabulary.terms == library_terms([t for t in _texts(store) if t])


def test_a_small_ingest_leaves_its_rows_to_optimize_and_they_are_found_meanwhile(
    library: Library, make_a1111: MakeA1111
) -> None:
    for i in range(12):
        make_a1111(f"img_{i:02d}.png", f"a harbour at dawn with fishing boats, study {i}")
    library.ingest([Path(library.settings.library).parent / "images"])
    keyword_index = f"{KEYWORD_COLUMN}_idx"
    assert library.store.assets.index_stats(keyword_index).num_unindexed_rows == 0

    late = make_a1111("late.png", "a zeppelin moored above the harbour", folder="late")
    library.ingest([late])
    assert library.store.assets.index_stats(keyword_index).num_unindexed_rows == 1
    hits = library.search("zeppelin", signals=["keyword"], limit=3).results
    assert hits and hits[0].asset.path == str(late)

    report = library.optimize()
    assert report.assets == 13 and report.fragments_after <= report.fragments_before
    assert "relevance:text_minilm_l6" in report.refitted
    assert library.store.assets.index_stats(keyword_index).num_unindexed_rows == 0
    assert library.search("zeppelin", signals=["keyword"], limit=3).results[0].asset.path == str(late)
