"""The relevance model: fitted from the library, stored with it, used to rank, cut and explain;
literal matches; sorting within the relevant set; filters that leave nothing; notes."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from conftest import MakeA1111
from latentdam import Library, Signal, Status
from latentdam.search.literal import Needle, NeedleKind, find_needles
from latentdam.search.relevance import (
    EVIDENCE,
    LITERAL_CONFIDENCE,
    PRIOR_PAIRS,
    RelevanceModel,
    evidence,
    fit_relevance,
    literal_confidence,
    prior,
)

PROMPTS = [
    ("kitten.png", "a fluffy kitten sleeping on a windowsill, soft morning light", "dreamshaper_8"),
    ("tabby.png", "portrait of a tabby cat wearing a tiny crown, oil painting", "dreamshaper_8"),
    ("ship.png", "a colossal starship leaving orbit around a gas giant, concept art", "sd_xl_base_1.0"),
    ("forest.png", "misty pine forest at dawn, god rays, photorealistic", "juggernautXL_v9"),
    ("burger.png", "a juicy cheeseburger on a wooden board, food photography", "juggernautXL_v9"),
    ("castle.png", "ruined gothic castle on a cliff, by greg rutkowski", "sd_xl_base_1.0"),
    ("fox.png", "a red fox with fennec ears in the snow, by greg rutkowski", "flux1-dev"),
    ("fennec.png", "desert fennec ears close-up, golden hour, bokeh", "flux1-dev"),
    ("robot.png", "a rusty robot reading a book in a library, cinematic", "sd_xl_base_1.0"),
    ("beach.png", "a tropical beach with palm trees at sunset, travel poster", "sd_xl_base_1.0"),
    ("lighthouse.png", "a lighthouse in a storm, crashing waves, dramatic sky", "juggernautXL_v9"),
    ("wizard.png", "an old wizard casting a spell, glowing runes, fantasy art", "dreamshaper_8"),
]


@pytest.fixture
def lib(library: Library, make_a1111: MakeA1111) -> Library:
    for i, (name, prompt, model) in enumerate(PROMPTS):
        path = make_a1111(name, prompt, Model=model, Seed=7_000_000 + i)
        os.utime(path, (1_700_000_000 + i * 86_400,) * 2)  # one day apart, in list order
    library.ingest([Path(library.settings.library).parent / "images"])
    return library


def _names(result: object) -> list[str]:
    return [Path(hit.path).name for hit in result.results]  # type: ignore[attr-defined]


def test_the_library_fits_and_stores_its_own_model(lib: Library, make_a1111: MakeA1111) -> None:
    stored = lib.store.get_meta("relevance")["text_minilm_l6"]
    model = RelevanceModel.from_dict(stored)
    assert model.assets == len(PROMPTS) and model.samples > 2 * len(PROMPTS) // 2
    assert model.evidence == EVIDENCE and all(w > 0 for w in model.weights)  # more evidence, more likely
    rows = evidence(np.array([0.1, 0.6]), np.array([0.0, 0.0]), 0.0)
    low, high = model.probability(rows)
    assert low < 0.5 < high
    # grows by less than a quarter: kept; by more: refitted
    make_a1111("extra.png", "a red fox sleeping in the snow", folder="more")
    lib.ingest([Path(lib.settings.library).parent / "more"])
    assert lib.store.get_meta("relevance")["text_minilm_l6"] == stored
    for i in range(3):
        make_a1111(f"extra_{i}.png", f"a hot air balloon number {i} over hills", folder="more")
    lib.ingest([Path(lib.settings.library).parent / "more"])
    assert lib.store.get_meta("relevance")["text_minilm_l6"]["assets"] == len(PROMPTS) + 4


def test_a_small_library_uses_the_shipped_prior(library: Library, make_a1111: MakeA1111) -> None:
    make_a1111("fox.png", "a red fox in the snow, winter forest")
    make_a1111("car.png", "a vintage red sports car on a coastal road")
    library.ingest([Path(library.settings.library).parent / "images"])
    assert "text_minilm_l6" not in (library.store.get_meta("relevance") or {})
    space = library.store.space("text_minilm_l6")
    assert prior(space) is not None and prior(space).assets == 0  # type: ignore[union-attr]
    found = library.search("a fox in winter")
    assert found.status is Status.OK and _names(found)[0] == "fox.png"
    assert found.results[0].confidence is not None
    nothing = library.search("a spreadsheet of quarterly tax figures")
    assert nothing.status is Status.NO_MATCH and nothing.closest is not None  # a cut, never silence


def test_order_cut_and_confidence_agree(lib: Library) -> None:
    result = lib.search("a cat", limit=12)
    confidences = [h.confidence for h in result.results]
    assert confidences == sorted(confidences, reverse=True)  # type: ignore[type-var]
    assert _names(result)[:2] in (["tabby.png", "kitten.png"], ["kitten.png", "tabby.png"])
    everything = lib.search("a cat", limit=12, include_all=True)
    assert _names(everything)[: len(result.results)] == _names(result)  # the cut only shortens


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dreamshaper_8", {"kitten.png", "tabby.png", "wizard.png"}),
        ("juggernautXL", {"forest.png", "burger.png", "lighthouse.png"}),
        ("sd_xl_base_1.0", {"ship.png", "castle.png", "robot.png", "beach.png"}),
        ("flux1-dev", {"fox.png", "fennec.png"}),
        ('"fennec ears"', {"fox.png", "fennec.png"}),
        ("by greg rutkowski", {"castle.png", "fox.png"}),
        ("7000004", {"burger.png"}),
        ("lighthouse.png", {"lighthouse.png"}),
    ],
)
def test_literal_queries_find_what_they_name_first(lib: Library, query: str, expected: set[str]) -> None:
    result = lib.search(query, limit=10)
    assert result.status is Status.OK
    first = _names(result)[: len(expected)]
    assert set(first) == expected
    for hit in result.results[: len(expected)]:
        assert hit.confidence is not None and hit.confidence >= literal_confidence(1.0) - 1e-9
        assert Signal.LITERAL in hit.signals


def test_literal_explanations_say_where(lib: Library) -> None:
    hit = lib.search("dreamshaper_8", limit=1, explain=True).results[0]
    assert hit.explanation is not None
    assert [(m.needle, m.field) for m in hit.explanation.literal] == [("dreamshaper_8", "checkpoint")]
    assert "matched literally: dreamshaper_8 (checkpoint)" in hit.explanation.summary()
    seed = lib.search("7000004", limit=1, explain=True).results[0]
    assert seed.explanation is not None and [m.field for m in seed.explanation.literal] == ["seed"]


def test_find_needles() -> None:
    def unreadable(word: str) -> bool:
        return word == "rutkowski"

    assert find_needles('"fennec ears" by Greg Rutkowski', unreadable) == [
        Needle("fennec ears", NeedleKind.PHRASE),
        Needle("Greg Rutkowski", NeedleKind.CREDIT),
    ]
    assert find_needles("sd_xl_base_1.0 portrait, seed 2871649301", unreadable) == [
        Needle("sd_xl_base_1.0", NeedleKind.NAME),
        Needle("2871649301", NeedleKind.SEED),
    ]
    assert find_needles("juggernautXL", unreadable) == [Needle("juggernautXL", NeedleKind.NAME)]
    assert find_needles("rutkowski castle", unreadable) == [Needle("rutkowski", NeedleKind.WORD)]
    assert find_needles("a cat sleeping by the window", unreadable) == []  # "by the window": no credit


def test_short_query_naming_a_controlnet_or_lora_part(lib: Library) -> None:
    # "juggernaut" is no identifier, but a short query that is a part of a checkpoint name
    result = lib.search("juggernaut", limit=3)
    assert set(_names(result)) == {"forest.png", "burger.png", "lighthouse.png"}


def test_sort_by_date_and_name_within_the_relevant_set(lib: Library) -> None:
    by_relevance = lib.search("dreamshaper_8", limit=10)
    by_date = lib.search("dreamshaper_8", limit=10, sort="date")
    by_name = lib.search("dreamshaper_8", limit=10, sort="name")
    relevant = {Path(h.path).name for h in by_relevance.results if (h.confidence or 0) >= 0.5}
    assert relevant == {"kitten.png", "tabby.png", "wizard.png"}  # weaker results only pad relevance
    assert set(_names(by_date)) == relevant == set(_names(by_name))
    dates = [h.asset.created_at for h in by_date.results]
    assert dates == sorted(dates, reverse=True)  # type: ignore[type-var]
    assert _names(by_name) == sorted(_names(by_name))
    assert by_date.ordering.startswith("newest first")
    filtered = lib.search(filters={"model": "dreamshaper"}, sort="name")
    assert _names(filtered) == ["kitten.png", "tabby.png", "wizard.png"]


def test_filters_that_leave_nothing_say_so(lib: Library) -> None:
    result = lib.search("a cat", filters={"tool": "comfyui", "created_after": "2025-06-01"})
    assert result.status is Status.NO_CANDIDATES and result.results == []
    assert (
        result.message
        == "no asset matches every filter: tool is 'comfyui', created at or after 2025-06-01T00:00:00+00:00"
    )


def test_no_match_says_why_the_closest_fell_short(lib: Library) -> None:
    result = lib.search("a spreadsheet of quarterly tax figures")
    assert result.status is Status.NO_MATCH and result.closest is not None
    assert result.closest_why is not None and "under the cut 0.50" in result.closest_why
    assert "cosine" in result.closest_why


def test_similar_has_no_confidence(lib: Library) -> None:
    result = lib.similar(lib.search("dreamshaper_8", limit=1).results[0].id, signals=["semantic"])
    assert result.results and all(h.confidence is None and h.band is None for h in result.results)
    assert result.ordering == "most similar first"


def test_image_weight_without_a_joint_space_says_so_and_uses_the_prompt(lib: Library) -> None:
    example = Path(lib.settings.library).parent / "images" / "fox.png"
    result = lib.search("at sunset", image=example, image_weight=0.9)
    assert result.notes and "--image-weight" in result.notes[0]
    assert _names(result)[0] in ("fox.png", "fennec.png")  # the image's prompt weighs 0.9
    alone = lib.search("at sunset", limit=1)
    assert not alone.notes


def test_snapshot_is_read_once_per_manifest_version(lib: Library) -> None:
    first = lib._current()
    assert lib._current() is first
    lib.store.set_meta("unrelated", 1)
    assert lib._current() is not first and lib._current().active == first.active


def test_literal_floor_constants() -> None:
    assert literal_confidence(1.0) == pytest.approx(LITERAL_CONFIDENCE)
    assert 0.5 <= literal_confidence(0.01) < LITERAL_CONFIDENCE


def test_a_query_the_model_cannot_read_is_judged_literally(lib: Library) -> None:
    result = lib.search("xyzzy")
    assert result.status is Status.NO_MATCH and result.closest is not None
    assert result.closest_why is not None and "knows none of the query's words" in result.closest_why
    named = lib.search("7000004")  # no readable word either, but a seed an asset carries
    assert named.status is Status.OK and _names(named)[0] == "burger.png"


def test_a_small_librarys_fit_leans_on_the_prior(lib: Library) -> None:
    space = lib.store.space("text_minilm_l6")
    embedder = lib.embedders.get(space)
    own = fit_relevance(lib.store, space, embedder, lib._vocabulary(space), blend=False)  # type: ignore[arg-type]
    blended = fit_relevance(lib.store, space, embedder, lib._vocabulary(space))  # type: ignore[arg-type]
    shipped = prior(space)
    assert own is not None and blended is not None and shipped is not None
    distance = lambda m: float(np.abs(np.subtract(m.weights, shipped.weights)).sum())  # noqa: E731
    assert distance(blended) < distance(own) / 2  # ~20 pairs against PRIOR_PAIRS
    share = blended.samples / (blended.samples + PRIOR_PAIRS)
    assert blended.intercept == pytest.approx(share * own.intercept + (1 - share) * shipped.intercept)


def test_a_library_without_a_model_fits_one_at_its_next_ingest(lib: Library) -> None:
    lib.store.set_meta("relevance", {})  # as a library made before relevance models existed
    report = lib.ingest([Path(lib.settings.library).parent / "images"])
    assert report.added == 0 and "text_minilm_l6" in lib.store.get_meta("relevance")


@pytest.mark.parametrize(
    "filters",
    [
        {"model": "DREAMSHAPER"},
        {"seed": 7_000_003, "sampler": "dpm++ 2m"},
        {"created_after": "2023-11-18", "created_before": "2023-11-20"},
        {"min_width": 1, "max_height": 4096, "path": "*/images/f*.png"},
        {"tool": "a1111", "model": "xl"},
    ],
)
def test_one_filter_spec_builds_the_sql_and_judges_assets(lib: Library, filters: dict[str, object]) -> None:
    from latentdam.search.filters import clauses, to_sql
    from latentdam.search.query import Filters

    spec = Filters(**filters)  # type: ignore[arg-type]
    by_sql = set(lib.store.filter_ids(to_sql(spec), 1000))
    everyone = [lib.get(i) for i in lib.store.ids()]
    by_clauses = {a.id for a in everyone if all(c.holds(a) for c in clauses(spec))}
    assert by_sql == by_clauses and by_sql  # every case selects something, and the same thing


def test_embed_queries_batches_what_embed_query_does_one_at_a_time(lib: Library) -> None:
    embedder = lib.embedders.get(lib.store.space("text_minilm_l6"))
    texts = ["a red fox", "an old wizard casting a spell, glowing runes", "x"]
    batched = embedder.embed_queries(texts)  # type: ignore[union-attr]
    single = np.stack([embedder.embed_query(t) for t in texts])  # type: ignore[union-attr]
    assert batched.shape == single.shape and np.allclose(batched, single, atol=1e-5)
