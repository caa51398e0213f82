"""Explanations of search hits: signals, closest prompt phrases, keywords, filters."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from conftest import MakeA1111
from latentdam import Filters, Library, Signal
from latentdam.embed import TextEmbedder
from latentdam.extract.record import GenerationRecord, LoRA, Tool
from latentdam.search.explain import (
    Explanation,
    FilterMatch,
    PhraseMatch,
    SignalReason,
    explain,
    explain_all,
    matching_terms,
    query_terms,
    record_phrases,
    split_phrases,
    text_matcher,
)
from latentdam.search.query import SearchQuery
from latentdam.search.result import SearchHit, SignalScore
from latentdam.store.asset import Asset
from latentdam.store.store import index_tokens
from latentdam.testing.formats import a1111_parameters, make_image, write_png, xmp_packet

FOX = "cinematic lighting, a red fox sleeps in deep snow, bokeh, highly detailed, 8k"
FOX_PHRASE = "a red fox sleeps in deep snow"
# The signals whose reasons the real-library tests spell out (expansion depends on the
# library's vocabulary; its reason is tested on a hand-built hit).
TEXT_SIGNALS = ["semantic", "keyword"]
PROMPTS = {
    "fox.png": FOX,
    "kittens.png": "two kittens playing with yarn, warm sunlight, oil painting",
    "city.png": "neon city streets at night, rain, cyberpunk, volumetric fog",
    "lake.png": "frozen lake in winter, pine trees, soft light, photorealistic",
}


class CountingEmbedder:
    """The real embedder, counting its calls."""

    def __init__(self, inner: TextEmbedder) -> None:
        self.inner = inner
        self.space = inner.space
        self.documents: list[list[str]] = []
        self.queries: list[str] = []

    def load(self) -> None:
        self.inner.load()

    def unload(self) -> None:
        self.inner.unload()

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        self.documents.append(list(texts))
        return self.inner.embed_documents(texts)

    def embed_query(self, text: str) -> np.ndarray:
        self.queries.append(text)
        return self.inner.embed_query(text)

    def knows_word(self, word: str) -> bool:
        return self.inner.knows_word(word)


@pytest.fixture
def filled(library: Library, make_a1111: MakeA1111) -> Library:
    for i, (name, prompt) in enumerate(PROMPTS.items()):
        make_a1111(name, prompt, Seed=500 + i)
    report = library.ingest([Path(library.settings.library).parent / "images"])
    assert report.added == len(PROMPTS)
    return library


def _name(hit: SearchHit) -> str:
    return Path(hit.path).name


def _expected_reason(signal: Signal, score: SignalScore, keywords: Sequence[str]) -> str:
    if signal is Signal.SEMANTIC:
        return f"semantic #{score.rank}: prompt meaning close to the query (cosine {score.score:.2f})"
    assert signal is Signal.KEYWORD
    words = ", ".join(f"'{k}'" for k in keywords)
    return f"keyword #{score.rank}: BM25 {score.score:.3g} on {words}"


# -- against a real library --------------------------------------------------------------------


def test_best_phrase_keywords_and_signal_reasons(filled: Library, text_embedder: TextEmbedder) -> None:
    text = "a fox in winter"
    result = filled.search(text, limit=4, signals=TEXT_SIGNALS, include_all=True)  # every asset
    hits = result.results
    assert [_name(h) for h in hits][:2] == ["fox.png", "lake.png"]
    counting = CountingEmbedder(text_embedder)
    explanations = explain_all(hits, result.query, text=text, embedder=counting)

    # one query embedding, one document batch for every hit's phrases (each phrase once)
    assert counting.queries == [text]
    assert len(counting.documents) == 1
    assert sorted(counting.documents[0]) == sorted(
        p for name in PROMPTS for p in split_phrases(PROMPTS[name])
    )

    fox = explanations[0]
    assert fox.phrases[0].phrase == FOX_PHRASE
    assert len(fox.phrases) == 3
    assert [p.similarity for p in fox.phrases] == sorted((p.similarity for p in fox.phrases), reverse=True)
    query_vector = text_embedder.embed_query(text)
    for match in fox.phrases:
        cosine = float(text_embedder.embed_documents([match.phrase])[0] @ query_vector)
        assert match.similarity == pytest.approx(cosine, abs=1e-5)
    assert fox.phrases[0].similarity > fox.phrases[1].similarity + 0.2  # clearly the fox phrase

    # stop words "a"/"in" are not keywords; "winter" is not in the fox prompt but is in the lake's
    assert fox.keywords == ["fox"]
    assert explanations[1].keywords == ["winter"]
    # the full-text index itself, asked once for the whole list, says the same
    asked: list[tuple[list[str], list[str]]] = []

    def index_matcher(terms: Sequence[str], ids: Sequence[str]) -> dict[str, list[str]]:
        asked.append((list(terms), list(ids)))
        return filled.store.keyword_matches(terms, ids)

    by_index = explain_all(hits, result.query, text=text, embedder=None, matcher=index_matcher)
    assert asked == [(["fox", "winter"], [h.id for h in hits])]
    assert [e.keywords for e in by_index] == [e.keywords for e in explanations]
    assert [e.signals for e in by_index] == [e.signals for e in explanations]
    for hit, explanation in zip(hits, explanations, strict=True):
        expected = sorted(hit.signals.items(), key=lambda item: (item[1].rank, list(Signal).index(item[0])))
        assert [(r.signal, r.rank, r.score) for r in explanation.signals] == [
            (s, p.rank, p.score) for s, p in expected
        ]
        assert [r.reason for r in explanation.signals] == [
            _expected_reason(s, p, explanation.keywords) for s, p in expected
        ]
    assert [r.reason for r in fox.signals] == [
        f"semantic #1: prompt meaning close to the query (cosine {hits[0].signals[Signal.SEMANTIC].score:.2f})",
        f"keyword #1: BM25 {hits[0].signals[Signal.KEYWORD].score:.3g} on 'fox'",
    ]

    # explaining one hit alone gives the same as explaining it within the list
    single = explain(hits[0], result.query, text=text, embedder=text_embedder)
    assert [p.phrase for p in single.phrases] == [p.phrase for p in fox.phrases]
    assert [p.similarity for p in single.phrases] == pytest.approx(
        [p.similarity for p in fox.phrases], abs=1e-5
    )
    assert single.keywords == fox.keywords and single.signals == fox.signals

    summary = fox.summary()
    assert summary == "\n".join(
        [r.reason for r in fox.signals]
        + [f'phrase "{p.phrase}" ({p.similarity:.2f})' for p in fox.phrases]
        + ["keywords: fox"]
    )
    assert f'phrase "{FOX_PHRASE}" (' in summary
    data = json.loads(json.dumps([e.to_dict() for e in explanations]))
    assert data[0]["phrases"][0]["phrase"] == FOX_PHRASE
    assert data[0]["signals"][0] == {
        "signal": "semantic",
        "rank": 1,
        "score": hits[0].signals[Signal.SEMANTIC].score,
        "space": None,
        "reason": fox.signals[0].reason,
    }
    assert data[0]["filters"] == []


def test_keywords_match_plurals_and_ing_forms(filled: Library, text_embedder: TextEmbedder) -> None:
    text = "Sleeping FOXES lights kitten"
    result = filled.search(text, limit=4, signals=TEXT_SIGNALS)
    by_name = {
        _name(h): e
        for h, e in zip(
            result.results,
            explain_all(result.results, result.query, text=text, embedder=text_embedder),
            strict=True,
        )
    }
    # sleeping~sleeps, foxes~fox, lights~lighting; "kitten" is in another prompt only
    assert by_name["fox.png"].keywords == ["sleeping", "foxes", "lights"]
    assert by_name["kittens.png"].keywords == ["kitten"]  # kitten~kittens
    assert by_name["lake.png"].keywords == ["lights"]  # lights~light
    assert by_name["city.png"].keywords == []
    # expansion terms count too, after the query's own and without repeating their stems
    again = explain_all(
        result.results,
        result.query,
        text=text,
        embedder=None,
        extra_terms=["fox", "snow", "yarn", "pine tree"],
    )
    by_name = {_name(h): e for h, e in zip(result.results, again, strict=True)}
    assert by_name["fox.png"].keywords == ["sleeping", "foxes", "lights", "snow"]
    assert by_name["kittens.png"].keywords == ["kitten", "yarn"]
    assert by_name["lake.png"].keywords == ["lights", "pine tree"]
    assert by_name["city.png"].keywords == []
    assert all(e.phrases == [] for e in again)
    # asking the full-text index gives the same keywords
    by_index = explain_all(
        result.results,
        result.query,
        text=text,
        embedder=None,
        extra_terms=["fox", "snow", "yarn", "pine tree"],
        matcher=filled.store.keyword_matches,
    )
    assert [e.keywords for e in by_index] == [e.keywords for e in again]


def test_every_filter_appears_with_the_assets_value(
    library: Library, make_a1111: MakeA1111, tmp_path: Path, text_embedder: TextEmbedder
) -> None:
    settings: dict[str, object] = {
        "Steps": 20,
        "Sampler": "DPM++ 2M",
        "Seed": 4242,
        "Size": "512x512",
        "Model": "sd_xl_base_1.0",
    }
    prompt = "a red fox <lora:film_grain_v2:0.8> sleeps in deep snow, cinematic lighting, bokeh"
    (tmp_path / "images").mkdir()
    fox = write_png(
        tmp_path / "images" / "fox_tagged.png",
        make_image(7),
        {"parameters": a1111_parameters(prompt, "", settings)},
        xmp=xmp_packet(subject=["winter", "animal"], create_date="2021-05-04T10:00:00"),
    )
    make_a1111("other_fox.png", "a fox in a field of flowers", Seed=4243, Model="sd_xl_base_1.0")
    make_a1111("kittens.png", PROMPTS["kittens.png"], Seed=4242, Model="dreamshaper_8")
    assert library.ingest([tmp_path / "images"]).added == 3

    filters = Filters(
        tool=Tool.A1111,
        model="SD_XL",
        lora=["GRAIN"],
        sampler="dpm++ 2m",
        seed=4242,
        created_after=datetime(2021, 1, 1),
        created_before=datetime(2021, 12, 31, tzinfo=UTC),
        min_width=32,
        max_width=128,
        min_height=64,
        tags=["winter"],
        path="*/images/fox_*.png",
    )
    result = library.search("fox in winter", filters=filters, signals=TEXT_SIGNALS)
    assert [h.path for h in result.results] == [str(fox)]
    (explanation,) = explain_all(result.results, result.query, text="fox in winter", embedder=text_embedder)
    assert [(f.filter, f.value, f.holds) for f in explanation.filters] == [
        ("tool is 'a1111'", "a1111", True),
        ("model contains 'SD_XL'", "sd_xl_base_1.0", True),
        ("LoRA contains 'GRAIN'", "film_grain_v2", True),
        ("sampler is 'dpm++ 2m'", "DPM++ 2M", True),
        ("seed is 4242", "4242", True),
        ("created at or after 2021-01-01T00:00:00+00:00", "2021-05-04T10:00:00+00:00", True),
        ("created at or before 2021-12-31T00:00:00+00:00", "2021-05-04T10:00:00+00:00", True),
        ("width between 32 and 128", "64", True),
        ("height >= 64", "64", True),
        ("tag 'winter'", "winter", True),
        ("path matches '*/images/fox_*.png'", str(fox), True),
    ]
    assert explanation.phrases[0].phrase == "a red fox sleeps in deep snow"
    assert explanation.keywords == ["fox", "winter"]  # "winter" is a tag, in the keyword text

    summary = explanation.summary()
    lines = summary.splitlines()
    assert 'phrase "a red fox sleeps in deep snow" (' in lines[2]
    assert "filter model contains 'SD_XL': sd_xl_base_1.0" in lines
    assert "filter LoRA contains 'GRAIN': film_grain_v2" in lines
    assert "filter created at or after 2021-01-01T00:00:00+00:00: 2021-05-04T10:00:00+00:00" in lines
    assert "filter width between 32 and 128: 64" in lines
    assert f"filter path matches '*/images/fox_*.png': {fox}" in lines
    assert lines[-1] == f"filter path matches '*/images/fox_*.png': {fox}"
    assert "[does not hold]" not in summary
    data = json.loads(json.dumps(explanation.to_dict()))
    assert data["filters"][1] == {
        "filter": "model contains 'SD_XL'",
        "value": "sd_xl_base_1.0",
        "holds": True,
    }


# -- hand-built hits, no embedder -----------------------------------------------------------------


def _asset(record: GenerationRecord, path: str = "/pics/winter/fox_01.png") -> Asset:
    return Asset(
        id="f" * 64,
        path=path,
        paths=[path],
        size=1234,
        format="PNG",
        width=1024,
        height=768,
        created_at=datetime(2024, 3, 1, 12, 0),  # naive: taken as UTC
        ingested_at=datetime(2024, 3, 2, tzinfo=UTC),
        record=record,
    )


def test_hand_built_hit_without_embedder() -> None:
    record = GenerationRecord(
        tool=Tool.COMFYUI,
        prompt="(masterpiece:1.2), a red fox runs, snowy field, 8k, a red fox runs",
        model="sd_xl_base_1.0.safetensors",
        loras=[LoRA("detail_tweaker", 0.5)],
        sampler="euler",
        seed=7,
        tags=["animal", "Snow"],
    )
    hit = SearchHit(
        id="f" * 64,
        path="/pics/winter/fox_01.png",
        score=0.05,
        signals={
            Signal.VISUAL: SignalScore(rank=5, score=0.9712),
            Signal.SEMANTIC: SignalScore(rank=2, score=0.5234),
            Signal.IMAGE: SignalScore(rank=3, score=0.281),
            Signal.KEYWORD: SignalScore(rank=1, score=4.1234),
            Signal.EXPANSION: SignalScore(rank=4, score=0.5812),
        },
        asset=_asset(record),
    )
    query = SearchQuery(
        text="Red foxes running",
        filters=Filters(
            model="sdxl",
            lora=["detail", "add_more"],
            sampler="Euler",
            seed=8,
            created_before=datetime(2024, 1, 1),
            max_width=512,
            tags=["snow", "animal"],
            path="/pics/**/fox_??.png",
        ),
    )
    explanation = explain(
        hit,
        query,
        text=query.text,
        embedder=None,
        extra_terms=["snow field", "snowy field", "Fox"],
        space_names={Signal.SEMANTIC: "text_minilm_l6", Signal.IMAGE: "clip_vit_b32"},
    )
    assert explanation.phrases == []
    # "snow field" does not occur as a phrase (the prompt says "snowy field"); "Fox" is found
    # but has the stems of "foxes", listed already
    assert explanation.keywords == ["red", "foxes", "running", "snowy field"]
    assert explanation.signals == [
        SignalReason(Signal.KEYWORD, 1, 4.1234, "keyword #1: BM25 4.12 on 'red', 'foxes', 'running'"),
        SignalReason(
            Signal.SEMANTIC,
            2,
            0.5234,
            "semantic #2: prompt meaning close to the query in text_minilm_l6 (cosine 0.52)",
            "text_minilm_l6",
        ),
        SignalReason(
            Signal.IMAGE,
            3,
            0.281,
            "image #3: picture close to the query in clip_vit_b32 (cosine 0.28)",
            "clip_vit_b32",
        ),
        SignalReason(
            Signal.EXPANSION,
            4,
            0.5812,
            "expansion #4: BM25 0.581 on related library words 'snowy field', 'fox'",
        ),
        SignalReason(Signal.VISUAL, 5, 0.9712, "visual #5: looks like the query (0.97)"),
    ]
    assert explanation.filters == [
        FilterMatch("model contains 'sdxl'", "sd_xl_base_1.0.safetensors", False),
        FilterMatch("LoRA contains 'detail'", "detail_tweaker", True),
        FilterMatch("LoRA contains 'add_more'", "detail_tweaker", False),
        FilterMatch("sampler is 'Euler'", "euler", True),
        FilterMatch("seed is 8", "7", False),
        FilterMatch("created at or before 2024-01-01T00:00:00+00:00", "2024-03-01T12:00:00+00:00", False),
        FilterMatch("width <= 512", "1024", False),
        FilterMatch("tag 'snow'", "Snow", True),  # tags match in any case
        FilterMatch("tag 'animal'", "animal", True),
        FilterMatch("path matches '/pics/**/fox_??.png'", "/pics/winter/fox_01.png", True),
    ]
    assert explanation.summary() == "\n".join(
        [
            "keyword #1: BM25 4.12 on 'red', 'foxes', 'running'",
            "semantic #2: prompt meaning close to the query in text_minilm_l6 (cosine 0.52)",
            "image #3: picture close to the query in clip_vit_b32 (cosine 0.28)",
            "expansion #4: BM25 0.581 on related library words 'snowy field', 'fox'",
            "visual #5: looks like the query (0.97)",
            "keywords: red, foxes, running, snowy field",
            "filter model contains 'sdxl': sd_xl_base_1.0.safetensors [does not hold]",
            "filter LoRA contains 'detail': detail_tweaker",
            "filter LoRA contains 'add_more': detail_tweaker [does not hold]",
            "filter sampler is 'Euler': euler",
            "filter seed is 8: 7 [does not hold]",
            "filter created at or before 2024-01-01T00:00:00+00:00: 2024-03-01T12:00:00+00:00 [does not hold]",
            "filter width <= 512: 1024 [does not hold]",
            "filter tag 'snow': Snow",
            "filter tag 'animal': animal",
            "filter path matches '/pics/**/fox_??.png': /pics/winter/fox_01.png",
        ]
    )
    assert str(explanation) == explanation.summary()
    data = explanation.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["phrases"] == []
    assert data["signals"][4] == {
        "signal": "visual",
        "rank": 5,
        "score": 0.9712,
        "space": None,
        "reason": "visual #5: looks like the query (0.97)",
    }
    assert data["filters"][-1] == {
        "filter": "path matches '/pics/**/fox_??.png'",
        "value": "/pics/winter/fox_01.png",
        "holds": True,
    }


def test_reasons_for_image_similar_and_filter_only_queries() -> None:
    record = GenerationRecord(prompt="a castle", tool=Tool.A1111)
    signals = {
        Signal.SEMANTIC: SignalScore(rank=1, score=0.8),
        Signal.IMAGE: SignalScore(rank=2, score=0.31),
        Signal.VISUAL: SignalScore(rank=2, score=0.95),
    }
    hit = SearchHit(id="a" * 64, path="/x/castle.png", score=0.1, signals=signals, asset=_asset(record))

    def reasons(query: SearchQuery) -> list[str]:
        return [r.reason for r in explain(hit, query, text=None, embedder=None).signals]

    assert reasons(SearchQuery(image="/q.png")) == [
        "semantic #1: prompt meaning close to the query image's prompt (cosine 0.80)",
        "image #2: picture close to the query image (cosine 0.31)",
        "visual #2: looks like the example image (0.95)",
    ]
    assert reasons(SearchQuery(text="castle", image="/q.png"))[1] == (
        "image #2: picture close to the query text and image (cosine 0.31)"
    )
    assert reasons(SearchQuery(similar_to="b" * 64)) == [
        f"semantic #1: prompt meaning close to asset {'b' * 12}'s (cosine 0.80)",
        f"image #2: picture close to asset {'b' * 12} (cosine 0.31)",
        f"visual #2: looks like asset {'b' * 12} (0.95)",
    ]
    only = SearchHit(
        id="a" * 64,
        path="/x/castle.png",
        score=1.0,
        signals={Signal.FILTER: SignalScore(rank=3, score=1.0)},
        asset=_asset(record),
    )
    query = SearchQuery(filters=Filters(tool=Tool.A1111))
    explanation = explain(only, query, text=None, embedder=None)
    assert [r.reason for r in explanation.signals] == [
        "filter #3: matches every filter (no search text or image)"
    ]
    assert explanation.keywords == [] and explanation.phrases == []
    assert explanation.filters == [FilterMatch("tool is 'a1111'", "a1111", True)]


def test_no_text_means_no_phrase_matching_even_with_an_embedder(text_embedder: TextEmbedder) -> None:
    hit = SearchHit(
        id="a" * 64,
        path="/x/fox.png",
        score=0.1,
        signals={Signal.SEMANTIC: SignalScore(rank=1, score=0.7)},
        asset=_asset(GenerationRecord(prompt=FOX)),
    )
    counting = CountingEmbedder(text_embedder)
    explanation = explain(hit, SearchQuery(similar_to="b" * 64), text=None, embedder=counting)
    assert explanation.phrases == []
    assert counting.queries == [] and counting.documents == []


# -- the pieces -----------------------------------------------------------------------------------


def test_split_phrases_and_record_phrases() -> None:
    assert split_phrases("a fox, , 8k, HD, A Fox; snow. Night sky\nmoon") == [
        "a fox",
        "snow",
        "Night sky",
        "moon",
    ]
    record = GenerationRecord(prompt="(masterpiece:1.3), <lora:detail:0.5> [red fox], snow, 4k")
    assert record_phrases(record) == ["masterpiece", "red fox", "snow"]
    described = GenerationRecord(title="Winter fox", description="A fox in snow. Soft light, morning")
    assert record_phrases(described) == ["Winter fox", "A fox in snow", "Soft light", "morning"]
    assert record_phrases(GenerationRecord()) == []


def test_terms_and_matching_follow_the_index_tokenizer() -> None:
    # the index's Snowball stemmer: what it conflates matches both ways, what it keeps apart not
    same = [
        ("fox", "foxes"),
        ("light", "lights"),
        ("light", "lighting"),
        ("run", "running"),
        ("runs", "running"),
        ("dance", "danced"),
        ("dance", "dancing"),
        ("puppy", "puppies"),
        ("glass", "glasses"),
        ("paint", "painted"),
        ("generous", "generously"),
        ("happy", "happiness"),
        ("beauty", "beautiful"),
        ("cafe", "Café"),  # lower-cased and ascii-folded
    ]
    for a, b in same:
        assert matching_terms([a], b) == [a] and matching_terms([b], a) == [b], (a, b)
    for a, b in [("fox", "box"), ("cat", "catalog"), ("new", "news"), ("bus", "buses")]:
        assert matching_terms([a], b) == [] and matching_terms([b], a) == [], (a, b)
    assert index_tokens("The Foxes, in snow") == [("fox", 0), ("snow", 2)]  # "in" leaves a gap

    # stop words are the index's: "not" and "was" are dropped, "without" is a word
    assert query_terms(
        "A fox, in the  SNOW! not without", ["Snow", "foxes", "snow leopard", "x", " ", "was"]
    ) == [
        "fox",
        "snow",
        "without",
        "snow leopard",
        "x",
    ]
    document = "catalog of party art\nsd_xl_base_1.0\nsnow-covered leopards"
    assert matching_terms(["cat", "art", "party", "sd_xl", "xl_base", "sdxl", "the", "not"], document) == [
        "art",
        "party",
        "sd_xl",
        "xl_base",
    ]
    assert matching_terms(["snow leopard", "covered leopard", "leopard snow"], document) == [
        "covered leopard"
    ]
    assert matching_terms(["SNOW", "Leopard"], document) == ["SNOW", "Leopard"]
    # a phrase keeps the gap a stop word leaves, as the index's phrase query does
    assert matching_terms(["fox in snow", "fox the snow", "fox snow"], "the fox in snow") == [
        "fox in snow",
        "fox the snow",
    ]
    match = text_matcher({"a": "a red fox", "b": "snow"})
    assert match(["snow", "fox", "red fox"], ["a", "b", "c"]) == {"a": ["fox", "red fox"], "b": ["snow"]}
    assert match(["snow"], ["a"]) == {}


def test_a_given_matcher_decides_the_keywords() -> None:
    record = GenerationRecord(prompt="a red fox runs, snowy field")
    hit = SearchHit(
        id="f" * 64,
        path="/pics/fox.png",
        score=0.1,
        signals={
            Signal.KEYWORD: SignalScore(rank=1, score=2.0),
            Signal.EXPANSION: SignalScore(rank=2, score=1.0),
        },
        asset=_asset(record, "/pics/fox.png"),
    )
    asked: list[tuple[list[str], list[str]]] = []

    def matcher(terms: Sequence[str], ids: Sequence[str]) -> dict[str, list[str]]:
        asked.append((list(terms), list(ids)))
        return {"f" * 64: ["fox", "snowy field", "unasked"], "e" * 64: ["red"]}

    query = SearchQuery(text="red fox")
    explanation = explain(
        hit, query, text="Red fox", embedder=None, extra_terms=["snowy field", "Fox"], matcher=matcher
    )
    # asked once, for own and expansion terms together (each once); only its answer counts:
    # "red" is in the prompt but the matcher did not name it, "unasked" was not asked for
    assert asked == [(["red", "fox", "snowy field"], ["f" * 64])]
    assert explanation.keywords == ["fox", "snowy field"]
    assert [r.reason for r in explanation.signals] == [
        "keyword #1: BM25 2 on 'fox'",
        "expansion #2: BM25 1 on related library words 'snowy field', 'fox'",
    ]
    # no terms (only stop words): the matcher is not asked
    asked.clear()
    assert explain(hit, query, text="the a", embedder=None, matcher=matcher).keywords == []
    assert asked == []


def test_explanation_dataclasses_serialise() -> None:
    explanation = Explanation(
        signals=[SignalReason(Signal.KEYWORD, 1, 2.5, "keyword #1: BM25 2.5 on 'fox'")],
        phrases=[PhraseMatch("red fox", 0.7)],
        keywords=["fox"],
        filters=[FilterMatch("seed is 1", None, False)],
    )
    assert explanation.to_dict() == {
        "signals": [
            {
                "signal": "keyword",
                "rank": 1,
                "score": 2.5,
                "space": None,
                "reason": "keyword #1: BM25 2.5 on 'fox'",
            }
        ],
        "literal": [],
        "phrases": [{"phrase": "red fox", "similarity": 0.7}],
        "keywords": ["fox"],
        "filters": [{"filter": "seed is 1", "value": None, "holds": False}],
    }
    assert explanation.summary() == (
        "keyword #1: BM25 2.5 on 'fox'\n"
        'phrase "red fox" (0.70)\n'
        "keywords: fox\n"
        "filter seed is 1: (none) [does not hold]"
    )


def test_explain_ids_explain_only_those_hits(filled: Library) -> None:
    everything = filled.run(SearchQuery(text="a fox in winter", limit=4, include_all=True, explain=True))
    second = everything.results[1]
    only = filled.run(
        SearchQuery(text="a fox in winter", limit=4, include_all=True, explain=True, explain_ids=[second.id])
    )
    assert [h.id for h in only.results] == [h.id for h in everything.results]  # the same ranking
    assert [h.explanation is not None for h in only.results] == [False, True, False, False]
    alone, among_all = only.results[1].explanation, second.explanation
    assert alone is not None and among_all is not None
    assert alone.signals == among_all.signals and alone.keywords == among_all.keywords
    # phrases embedded in a smaller batch: the same phrases, cosines equal to float precision
    assert [p.phrase for p in alone.phrases] == [p.phrase for p in among_all.phrases]
    assert [p.similarity for p in alone.phrases] == pytest.approx(
        [p.similarity for p in among_all.phrases], abs=1e-5
    )
