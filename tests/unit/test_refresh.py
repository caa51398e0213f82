"""Refreshing stored texts after the text recipe changes (refresh.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from conftest import MakeA1111
from latentdam import Library
from latentdam.embed import TextEmbedder
from latentdam.extract.text import TEXT_RECIPE, clean_prompt
from latentdam.refresh import RECIPE_KEY
from latentdam.store.schema import KEYWORD_COLUMN

PROMPTS = {
    "ecosystem.png": "the submerging wisdom in the ecosystem, acrylic painting by Beeple",
    "knight.png": "a knight in plate armour, in the style of Moebius",
    "lighthouse.png": "a lighthouse on a rocky coast at dusk",
}


def _as_made_by_recipe_1(library: Library, embedder: TextEmbedder) -> None:
    """Rewind the library to what latentdam wrote before credits left the embedded text."""
    space = library.store.space("text_minilm_l6")
    rows = library.store.rows(library.store.ids(), columns=["id", "prompt"])
    old = [{"id": i, "embed_text": clean_prompt(r["prompt"])} for i, r in rows.items()]
    vectors = embedder.embed_documents([r["embed_text"] for r in old])
    library.store.update_columns([{**r, space.column: v.tolist()} for r, v in zip(old, vectors, strict=True)])
    library.store.set_meta(RECIPE_KEY, 1)


def test_refresh_rewrites_stale_texts_and_vectors(
    library: Library, make_a1111: MakeA1111, text_embedder: TextEmbedder
) -> None:
    for name, prompt in PROMPTS.items():
        make_a1111(name, prompt)
    library.ingest([Path(library.settings.library).parent / "images"])
    assert not library.text_is_stale  # a new library is made with the current recipe
    _as_made_by_recipe_1(library, text_embedder)
    assert library.text_is_stale and library.stats().text_is_stale

    report = library.refresh()
    assert (report.checked, report.retexted, report.reembedded) == (3, 2, 2)  # the two with credits
    assert not library.text_is_stale and library.store.get_meta(RECIPE_KEY) == TEXT_RECIPE
    space = library.store.space("text_minilm_l6")
    ids, vectors = library.store.all_vectors(space)
    texts = library.store.rows(ids, columns=["id", "embed_text"])
    assert {t["embed_text"] for t in texts.values()} == {
        "the submerging wisdom in the ecosystem, acrylic painting",
        "a knight in plate armour",
        "a lighthouse on a rocky coast at dusk",
    }
    expected = text_embedder.embed_documents([texts[i]["embed_text"] for i in ids])
    np.testing.assert_allclose(vectors, expected, atol=1e-5)

    again = library.refresh()  # nothing left to do: an interrupted run resumes the same way
    assert (again.checked, again.retexted, again.reembedded) == (3, 0, 0)


def test_refresh_fixes_keyword_text_without_re_embedding(library: Library, make_a1111: MakeA1111) -> None:
    make_a1111("fox.png", "a red fox in the snow")
    library.ingest([Path(library.settings.library).parent / "images"])
    (asset_id,) = library.store.ids()
    library.store.update_columns([{"id": asset_id, KEYWORD_COLUMN: "stale words"}])
    report = library.refresh()
    assert (report.retexted, report.reembedded) == (1, 0)
    assert "fox" in library.store.rows([asset_id], columns=["id", KEYWORD_COLUMN])[asset_id][KEYWORD_COLUMN]
    assert [h.path for h in library.search("fox", limit=1, signals=["keyword"]).results]
