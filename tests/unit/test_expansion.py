"""Query expansion from the library's own vocabulary (search/expansion.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from conftest import MakeA1111
from latentdam import Library, Signal
from latentdam.embed import TextEmbedder
from latentdam.search.engine import looks_literal
from latentdam.search.expansion import CALIBRATION_WORDS, Vocabulary, chance_cut, library_terms


def test_library_terms_keep_discriminating_words() -> None:
    texts = ["a cat on a sofa", "a cat in a box", "a dog in the park", "the dog and the cat"] * 30
    texts += [f"unique{i} words" for i in range(280)]
    # of 400 texts (ceiling: 5% = 20): "cat" in 90 and "words" in 280 are too common,
    # "sofa"/"box"/"park" (30 each) too; "unique3" etc. appear once: not vocabulary
    assert library_terms(texts) == []
    small = ["red fox", "red fox den", "blue whale", "blue sky", "a den"]
    assert library_terms(small) == ["blue", "den", "fox", "red"]  # small library: up to 10 uses


def test_chance_cut_is_calibrated_on_unrelated_words(text_embedder: TextEmbedder) -> None:
    cut = chance_cut(text_embedder)
    vectors = text_embedder.embed_documents(list(CALIBRATION_WORDS))
    sims = (vectors @ vectors.T)[np.triu_indices(len(vectors), 1)]
    assert (sims >= cut).mean() == pytest.approx(0.01, abs=0.002)  # 1% of unrelated pairs pass
    cat, cats, kitten = text_embedder.embed_documents(["cat", "cats", "kitten"])
    assert float(cat @ cats) > cut and float(cat @ kitten) > cut  # real relatives clear it


def test_expand_returns_only_terms_above_the_cut() -> None:
    vectors = np.eye(3, dtype=np.float32)
    vocabulary = Vocabulary("s", ["cat", "dog", "car"], vectors, cut=0.5)
    query = np.array([0.8, 0.6, 0.0], dtype=np.float32)
    assert vocabulary.expand(query) == [("cat", 0.800000011920929), ("dog", 0.6000000238418579)]


def test_expand_takes_one_term_per_index_stem(text_embedder: TextEmbedder) -> None:
    # "glow" and "glowing" are one word to the full-text index; both would count it twice
    vectors = np.array([[1.0, 0.0], [0.99, 0.14], [0.9, 0.43], [0.0, 1.0]], dtype=np.float32)
    vocabulary = Vocabulary.of("s", ["glowing", "glow", "moon", "car"], vectors, text_embedder)
    assert vocabulary.stems == ["glow", "glow", "moon", "car"]
    expanded = vocabulary.expand(np.array([1.0, 0.0], dtype=np.float32), k=2)
    assert [term for term, _ in expanded] == ["glowing", "moon"]


def test_literal_queries_are_recognised() -> None:
    assert (
        looks_literal('"golden hour"') and looks_literal("dreamshaper_8") and looks_literal("sd15 portrait")
    )
    assert looks_literal("castles by Moebius") and looks_literal("in the style of studio ghibli")
    assert not looks_literal("feline companions") and not looks_literal("a cat, sleeping")
    assert not looks_literal("swans by a lake")


def test_paraphrase_reaches_assets_through_expansion(library: Library, make_a1111: MakeA1111) -> None:
    prompts = [
        "a tabby cat asleep on a windowsill",
        "two cats playing with yarn",
        "a golden retriever in a meadow",
        "a dog catching a frisbee",
        "a lighthouse on a cliff",
        "a lighthouse in a storm",
        "a bowl of ramen",
        "a plate of sushi",
    ] * 2
    for i, prompt in enumerate(prompts):
        make_a1111(f"img_{i:02d}.png", f"{prompt}, variation {i}")
    library.ingest([Path(library.settings.library).parent / "images"])
    terms = library._engine.expansion_terms("feline companions")
    assert "cat" in terms or "cats" in terms
    result = library.search("feline companions", limit=4, include_all=True)
    top = [h for h in result.results if Signal.EXPANSION in h.signals]
    assert top and all("cat" in h.asset.record.prompt for h in top)


def test_the_model_knows_words_and_their_inflections_but_not_names(text_embedder: TextEmbedder) -> None:
    assert text_embedder.knows_word("cat") and text_embedder.knows_word("feathered")  # feather ##ed
    assert text_embedder.knows_word("busting") and text_embedder.knows_word("cities")
    assert not text_embedder.knows_word("rutkowski") and not text_embedder.knows_word("juggernautxl")
