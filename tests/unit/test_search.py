"""Hybrid search over a small real library, embedded with the real default model."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import PIL.Image
import pytest
from PIL import Image

from conftest import MakeA1111
from latentdam import Filters, Library, Settings, Signal, Status
from latentdam.embed import TextEmbedder
from latentdam.errors import InvalidQuery, QueryError
from latentdam.search.query import SearchQuery
from latentdam.search.result import SearchResult
from latentdam.testing.formats import make_image, write_jpeg, xmp_packet

PROMPTS = {
    "alley.png": (
        "neon rain-slicked alley, blade runner aesthetic, volumetric fog",
        {"Model": "sdxl_base_1.0"},
    ),
    "kitten.png": (
        "a fluffy kitten sleeping on a windowsill, soft morning light",
        {"Model": "dreamshaper_8"},
    ),
    "tabby.png": ("portrait of a tabby cat wearing a tiny crown, oil painting", {"Model": "dreamshaper_8"}),
    "ship.png": (
        "a colossal starship leaving orbit around a gas giant, concept art",
        {"Model": "sdxl_base_1.0"},
    ),
    "forest.png": ("misty pine forest at dawn, god rays, photorealistic", {"Model": "juggernautXL_v9"}),
    "burger.png": ("a juicy cheeseburger on a wooden board, food photography", {"Model": "juggernautXL_v9"}),
    "castle.png": ("ruined gothic castle on a cliff during a thunderstorm", {"Model": "sdxl_base_1.0"}),
    "logo.png": ("minimalist fox logo, flat vector icon, orange on white", {"Model": "logo_redmond_v2"}),
}


@pytest.fixture
def filled(library: Library, make_a1111: MakeA1111) -> Library:
    for i, (name, (prompt, extra)) in enumerate(PROMPTS.items()):
        make_a1111(
            name,
            prompt,
            negative="cat, blurry" if name == "burger.png" else "",
            folder="portraits" if name in ("kitten.png", "tabby.png") else "images",
            Seed=100 + i,
            Sampler="Euler a" if i % 2 else "DPM++ 2M",
            Size="768x512" if name == "ship.png" else "512x512",
            Lora_hashes='"film_grain_v2: abc123"' if name == "forest.png" else None,
            **extra,
        )
    report = library.ingest([Path(library.settings.library).parent / d for d in ("images", "portraits")])
    assert report.added == len(PROMPTS)
    return library


def _names(result: object) -> list[str]:
    return [Path(hit.path).name for hit in result.results]  # type: ignore[attr-defined]


def test_semantic_search_finds_paraphrases(filled: Library) -> None:
    # the ranking: in an 8-asset library this paraphrase (cosine 0.29) sits just under the cut
    assert _names(filled.search("cyberpunk street scene", limit=1, include_all=True)) == ["alley.png"]
    assert set(_names(filled.search("feline companions", limit=2))) == {"kitten.png", "tabby.png"}
    assert _names(filled.search("spacecraft", limit=1)) == ["ship.png"]


def test_artist_credits_match_by_name_not_by_word_pieces(
    library: Library, make_a1111: MakeA1111, text_embedder: TextEmbedder
) -> None:
    """Ingest leaves "by Beeple" out of the embedded text, where a sentence model reads it as
    word pieces ("bee"), while the keyword signal still finds the name."""
    prompt = "the submerging wisdom in the ecosystem, acrylic painting by Beeple"
    make_a1111("ecosystem.png", prompt)
    make_a1111("lighthouse.png", "a lighthouse on a rocky coast at dusk, oil painting")
    library.ingest([Path(library.settings.library).parent / "images"])
    query = text_embedder.embed_query("beekeeper lifting a honeycomb frame from the hive")
    ids, vectors = library.store.all_vectors(library.store.space("text_minilm_l6"))
    stored = dict(zip(ids, vectors @ query, strict=True))
    ecosystem = library.search("submerging wisdom ecosystem", limit=1).results[0]
    with_credit = float(text_embedder.embed_documents([prompt])[0] @ query)
    assert stored[ecosystem.id] < with_credit - 0.05
    assert _names(library.search("paintings by beeple", limit=1)) == ["ecosystem.png"]


def test_every_hit_carries_fused_score_and_per_signal_ranks(filled: Library) -> None:
    result = filled.search("cheeseburger", limit=3)
    top = result.results[0]
    assert Path(top.path).name == "burger.png"
    assert top.signals[Signal.KEYWORD].rank == 1 and top.signals[Signal.KEYWORD].score > 0
    assert top.signals[Signal.SEMANTIC].rank == 1 and 0 < top.signals[Signal.SEMANTIC].score <= 1
    assert Signal.EXPANSION not in top.signals  # "cheeseburger" is in one prompt: not vocabulary
    # "cheeseburger" is word pieces to MiniLM and a word of the library: it reads literally
    # ...and a name the library has: the literal signal finds it too
    assert top.signals[Signal.LITERAL].rank == 1
    assert top.score == pytest.approx(3 / 61)  # RRF, k = 60
    assert top.confidence is not None and top.confidence >= 0.9  # literal evidence
    confidences = [h.confidence for h in result.results]
    assert confidences == sorted(confidences, reverse=True)  # ordered by P(relevant)
    assert result.status is Status.OK and result.spaces == ["text_minilm_l6"]


def test_keyword_signal_runs_only_for_queries_that_read_literally(filled: Library) -> None:
    engine = filled._engine
    # names the model reads as pieces, when the library has them; quotes; file-like names
    assert engine.reads_literally("juggernautxl portraits") and engine.reads_literally('"golden hour"')
    assert engine.reads_literally("cheeseburger")
    # descriptive wording, and unknown words the library lacks, are left to the embeddings
    assert not engine.reads_literally("a cat sleeping by the window")
    assert not engine.reads_literally("rutkowski portraits")  # no such name in this library
    descriptive = filled.search("a kitten asleep in the morning sun", limit=3)
    assert all(Signal.KEYWORD not in h.signals for h in descriptive.results)
    asked = filled.search("a kitten asleep in the morning sun", limit=3, signals=["keyword", "semantic"])
    assert any(Signal.KEYWORD in h.signals for h in asked.results)


def test_keyword_signal_catches_exact_model_names(filled: Library) -> None:
    result = filled.search("logo_redmond_v2", limit=8)
    assert _names(result)[0] == "logo.png"
    by_keyword = sorted(
        (h for h in result.results if Signal.KEYWORD in h.signals),
        key=lambda h: h.signals[Signal.KEYWORD].rank,
    )
    assert Path(by_keyword[0].path).name == "logo.png"
    # the other keyword hits share only a token ("v2" of film_grain_v2) and score far lower
    assert all(
        h.signals[Signal.KEYWORD].score < by_keyword[0].signals[Signal.KEYWORD].score / 2
        for h in by_keyword[1:]
    )


def test_negative_prompt_does_not_make_an_asset_match(filled: Library) -> None:
    ranked = _names(filled.search("cat", limit=3))
    assert "burger.png" not in ranked


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"model": "DREAMSHAPER"}, {"kitten.png", "tabby.png"}),
        ({"sampler": "euler a"}, {"kitten.png", "ship.png", "burger.png", "logo.png"}),
        ({"seed": 103}, {"ship.png"}),
        ({"lora": ["film_grain"]}, {"forest.png"}),
        ({"path": "*/portraits/*"}, {"kitten.png", "tabby.png"}),
        ({"tool": "a1111", "model": "juggernaut"}, {"forest.png", "burger.png"}),
        ({"tool": "comfyui"}, set()),
    ],
)
def test_filters_alone_select_exactly(
    filled: Library, filters: dict[str, object], expected: set[str]
) -> None:
    result = filled.search(filters=filters, limit=50)
    assert set(_names(result)) == expected
    assert result.status is (Status.OK if expected else Status.NO_CANDIDATES)
    assert all(set(h.signals) == {Signal.FILTER} for h in result.results)
    assert all(h.confidence is None for h in result.results)  # nothing judges relevance here
    assert result.ordering == ("newest first" if expected else "relevance")


def test_filters_narrow_a_text_search(filled: Library) -> None:
    result = filled.search("a cat", filters=Filters(model="sdxl"), limit=10)
    assert set(_names(result)) <= {"alley.png", "ship.png", "castle.png"}
    assert "kitten.png" not in _names(result)


def test_date_and_size_filters(filled: Library, tmp_path: Path) -> None:
    dated = tmp_path / "dated.jpg"
    write_jpeg(
        dated, make_image(9), xmp=xmp_packet(description="a red bicycle", create_date="2021-05-04T10:00:00")
    )
    filled.ingest([dated])
    old = filled.search(filters={"created_before": datetime(2022, 1, 1)}, limit=50)
    assert _names(old) == ["dated.jpg"]
    recent = filled.search(filters={"created_after": datetime(2022, 1, 1)}, limit=50)
    assert "dated.jpg" not in _names(recent) and len(recent.results) == len(PROMPTS)
    assert _names(filled.search(filters={"min_width": 600}, limit=50)) == []  # files are 64x64
    assert (
        len(filled.search(filters={"max_width": 64, "min_height": 64}, limit=50).results) == len(PROMPTS) + 1
    )


def test_search_by_example_image_uses_its_embedded_prompt(filled: Library, make_a1111: MakeA1111) -> None:
    query_image = make_a1111("query.png", "a spaceship departing a giant planet", folder="queries")
    result = filled.search(image=query_image, limit=1)
    assert _names(result) == ["ship.png"]
    assert set(result.results[0].signals) >= {Signal.SEMANTIC, Signal.KEYWORD}


def test_image_without_prompt_searches_by_pixels_alone(filled: Library, tmp_path: Path) -> None:
    ship = next(h.path for h in filled.search("starship", limit=1).results)
    copy = tmp_path / "reencoded.jpg"
    write_jpeg(copy, Image.open(ship).convert("RGB").resize((96, 96)))  # no metadata at all
    result = filled.search(image=copy, limit=1)
    assert _names(result) == ["ship.png"]
    assert set(result.results[0].signals) == {Signal.VISUAL}


def test_image_query_needs_a_prompt_or_an_image_space(tmp_path: Path, text_embedder: TextEmbedder) -> None:
    settings = Settings(library=tmp_path / "text-only", spaces=["text_minilm_l6"])
    lib = Library.create(settings=settings, embedders=[text_embedder])
    bare = write_jpeg(tmp_path / "bare.jpg", make_image(1))
    with pytest.raises(QueryError, match="carries no generation prompt"):
        lib.search(image=bare)


def test_empty_library_answers_no_match(library: Library) -> None:
    result = library.search("anything at all")
    assert result.status is Status.NO_MATCH and result.results == []


def test_results_are_pydantic_and_raw_metadata_comes_only_from_get(
    library: Library, make_a1111: MakeA1111
) -> None:
    make_a1111("fox.png", "a red fox in the snow", Seed=7)
    library.ingest([Path(library.path).parent / "images"])
    result = library.search("a red fox")
    hit = result.results[0]
    assert hit.asset.record.prompt == "a red fox in the snow" and hit.asset.record.raw == {}
    assert "png:parameters" in library.get(hit.id).record.raw  # the whole A1111 block, from get()
    data = result.to_dict()
    assert SearchResult.model_validate(data).to_dict() == data  # one serialisation, round-trips
    assert "thumbnail" not in data["results"][0]["asset"]


def test_run_takes_a_query_image_as_bytes_pixels_path_or_asset_id(
    library: Library, make_a1111: MakeA1111
) -> None:
    fox = make_a1111("fox.png", "a red fox in the snow")
    make_a1111("ramen.png", "a bowl of ramen")
    library.ingest([fox.parent])
    fox_id = library.get(str(fox)).id
    query = SearchQuery(limit=1)
    with PIL.Image.open(fox) as opened:
        opened.load()
        given: list[Any] = [fox.read_bytes(), opened, fox, fox_id]
        for image in given:
            result = library.run(query, image)
            assert result.results[0].id == fox_id, type(image)  # its picture and its prompt
    assert library.run(query, fox.read_bytes()).query.image == "upload"
    with pytest.raises(InvalidQuery, match="names an image"):
        library.run(SearchQuery(image="fox.png"))  # a label alone opens nothing


def test_bad_queries_are_latentdam_errors_that_name_the_field(library: Library) -> None:
    with pytest.raises(InvalidQuery, match="limit: Input should be greater than or equal to 1"):
        library.search("fox", limit=0)
    with pytest.raises(InvalidQuery, match="min_width"):
        library.search("fox", filters={"min_width": -1})
    with pytest.raises(InvalidQuery, match="give a search text, an image, or at least one filter"):
        library.search()


def test_query_vectors_are_remembered_least_recently_used_first(
    library: Library, text_embedder: TextEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    from latentdam.search import engine as engine_module

    monkeypatch.setattr(engine_module, "QUERY_CACHE_SIZE", 2)
    embedded: list[str] = []
    original = text_embedder.embed_query

    def counted(text: str) -> np.ndarray:
        embedded.append(text)
        return original(text)

    monkeypatch.setattr(text_embedder, "embed_query", counted)
    space = library.store.space("text_minilm_l6")
    memo = library._engine._embed_query
    for text in ("fox", "owl", "fox", "cat", "fox", "owl"):  # owl is the one pushed out
        memo(space, text_embedder, text)
    assert embedded == ["fox", "owl", "cat", "owl"]
