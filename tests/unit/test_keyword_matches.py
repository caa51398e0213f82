"""`LibraryStore.keyword_matches`: which terms the full-text index itself matches in some
assets (its own tokenizer: Snowball stems, stop words dropped, lower-cased, accents folded),
multi-word terms as phrases, only among the given ids, one query per term; and the explain
module's fallback tokenizes as the index does. A real LanceDB store on a temp dir."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lancedb.index import FTS

from latentdam.search.explain import text_matcher
from latentdam.store.schema import KEYWORD_COLUMN
from latentdam.store.store import LibraryStore

TEXTS = {
    "runner": "a dog runs through deep snow",
    "run": "morning run by the lake",
    "foxes": "two red foxes sleeping",
    "fox": "a lone Fox",
    "cafe": "a small café at night, warm lights",
    "news": "old news stand",
    "pines": "snow-covered pine trees in the mountains",
    "apart": "pine cones on snow, tall trees",
    "hat": "a cat without a hat",
    "outside": "running foxes near a café",  # matches a lot, never asked about
}
ASKED = [i for i in TEXTS if i != "outside"]


@pytest.fixture
def store(tmp_path: Path) -> LibraryStore:
    store = LibraryStore.open(tmp_path / "library", create=True)
    store.upsert_assets([{"id": i, KEYWORD_COLUMN: text} for i, text in TEXTS.items()])
    store.refresh_indexes()
    return store


def test_stems_the_index_conflates_match(store: LibraryStore) -> None:
    found = store.keyword_matches(["running", "foxes", "fox", "cafe", "light", "new", "sleep"], ASKED)
    assert found == {
        "runner": ["running"],  # runs ~ running
        "run": ["running"],  # run ~ running
        "foxes": ["foxes", "fox", "sleep"],  # in term order
        "fox": ["foxes", "fox"],  # case does not matter
        "cafe": ["cafe", "light"],  # café folded to cafe; lights ~ light
    }  # "new" is not "news": the stemmer keeps them apart


def test_stop_words_never_match(store: LibraryStore) -> None:
    assert store.keyword_matches(["a", "the", "in", "at", "by", "not", "and", "the a"], ASKED) == {}
    # the index's list, not a home-made one: "without" is a word it indexes
    assert store.keyword_matches(["without"], ASKED) == {"hat": ["without"]}


def test_multi_word_terms_match_only_as_consecutive_phrases(store: LibraryStore) -> None:
    found = store.keyword_matches(
        ["pine trees", "trees pine", "snow pine", "covered pine", "pine tree"], ASKED
    )
    assert found == {"pines": ["pine trees", "covered pine", "pine tree"]}
    # "apart" has pine, snow and trees, but not next to each other
    assert "apart" not in found
    # a stop word inside a phrase still takes its place
    assert store.keyword_matches(["trees in the mountains", "trees mountains"], ASKED) == {
        "pines": ["trees in the mountains"]
    }


def test_ids_outside_the_list_are_never_returned(store: LibraryStore) -> None:
    found = store.keyword_matches(["running", "foxes", "cafe"], ["fox", "cafe", "ghost"])
    assert found == {"fox": ["foxes"], "cafe": ["cafe"]}
    assert store.keyword_matches(["running"], ["outside"]) == {"outside": ["running"]}
    assert store.keyword_matches(["running"], []) == {}
    assert store.keyword_matches([], ASKED) == {}


def test_terms_the_index_cannot_use_match_nothing_without_raising(store: LibraryStore) -> None:
    odd = ["AND", "OR NOT", "", "   ", "(", '"', "*", "\x00", "title:", "🦊", "x" * 5000]
    assert store.keyword_matches(odd, ASKED) == {}
    # the index has no query parser to upset: quotes and operators are punctuation to its
    # tokenizer, so what is left of the term is looked for
    assert store.keyword_matches(['"fox', 'fox"', "fox AND", "(lone"], ["fox"]) == {
        "fox": ['"fox', 'fox"', "fox AND", "(lone"]
    }


def test_an_index_that_cannot_run_phrases_matches_nothing(store: LibraryStore) -> None:
    store.assets.create_index(KEYWORD_COLUMN, config=FTS(with_position=False), replace=True)
    assert store.keyword_matches(["fox", "pine trees"], ASKED) == {}


def test_an_empty_library_and_rows_not_yet_indexed(tmp_path: Path, store: LibraryStore) -> None:
    empty = LibraryStore.open(tmp_path / "empty", create=True)
    assert empty.keyword_matches(["fox"], ["a"]) == {}
    store.upsert_assets([{"id": "late", KEYWORD_COLUMN: "a fox in the snow"}])  # not in the index yet
    assert store.keyword_matches(["fox", "fox snow"], ["late", "fox"]) == {"late": ["fox"], "fox": ["fox"]}


def test_one_query_per_term(store: LibraryStore, monkeypatch: pytest.MonkeyPatch) -> None:
    searches: list[Any] = []
    real = store.assets.search

    def counted(*args: Any, **kwargs: Any) -> Any:
        searches.append(args[0] if args else kwargs.get("query"))
        return real(*args, **kwargs)

    monkeypatch.setattr(store.assets, "search", counted)
    store.keyword_matches(["fox", "snow", "fox", "pine trees"], ASKED)
    assert len(searches) == 3  # each distinct term once, whatever the number of assets


def test_the_fallback_tokenizes_as_the_index_does(store: LibraryStore) -> None:
    terms = [
        "running",
        "foxes",
        "cafe",
        "CAFÉ",
        "light",
        "new",
        "the",
        "without",
        "pine trees",
        "trees pine",
        "covered pine",
        "trees in the mountains",
        "trees the mountains",
        "trees mountains",
        "snow",
        "deep snow",
        "dog run",
        "lake",
        '"fox',
    ]
    fallback = text_matcher({i: TEXTS[i] for i in ASKED})
    assert fallback(terms, ASKED) == store.keyword_matches(terms, ASKED)
