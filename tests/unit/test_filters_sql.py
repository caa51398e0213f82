from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from conftest import MakeA1111
from latentdam import Library
from latentdam.search.filters import glob_to_like, to_sql
from latentdam.search.query import Filters, SearchQuery


def test_glob_to_like_escapes_sql_wildcards() -> None:
    assert glob_to_like("*/my_renders/**/img?.png") == "%/my\\_renders/%/img_.png"
    assert glob_to_like("100%.png") == "100\\%.png"


def test_filters_compile_to_one_anded_predicate() -> None:
    sql = to_sql(Filters(tool="comfyui", model="SDXL", seed=7, min_width=512, tags=["o'neil"]))
    assert sql == (
        "(tool = 'comfyui') AND (lower(array_to_string(models, '\n')) LIKE '%sdxl%') AND (seed = 7) AND (width >= 512)"
        " AND (strpos(concat(chr(10), lower(array_to_string(tags, chr(10))), chr(10)), '\no''neil\n') > 0)"
    )
    assert to_sql(Filters()) is None


def test_dates_compile_to_utc_timestamps() -> None:
    sql = to_sql(Filters(created_after=datetime(2025, 3, 1)))
    assert sql == "(created_at >= CAST('2025-03-01 00:00:00.000000' AS TIMESTAMP))"


def test_unknown_tool_and_empty_query_are_rejected() -> None:
    with pytest.raises(ValidationError, match="tool"):
        Filters(tool="photoshop")  # type: ignore[arg-type]
    assert SearchQuery(text="   ").asks_nothing()  # blank text is no text: `run` refuses it


def test_filters_speak_the_cli_words_in_any_case() -> None:
    """One vocabulary for the CLI, Python and HTTP: the flags' names are accepted too."""
    short = Filters.model_validate(
        {"after": "2025-01-01", "before": "2025-06-01", "tag": "Autumn", "lora": "detail"}
    )
    assert short == Filters(
        created_after=datetime(2025, 1, 1),
        created_before=datetime(2025, 6, 1),
        tags=["Autumn"],
        lora=["detail"],
    )
    assert Filters(tool="ComfyUI").tool == "comfyui"  # type: ignore[arg-type]


def test_ranges_no_asset_can_satisfy_are_refused() -> None:
    with pytest.raises(
        ValidationError, match="created_after 2025-06-01 00:00:00 is later than created_before"
    ):
        Filters(created_after=datetime(2025, 6, 1), created_before=datetime(2024, 1, 1))
    with pytest.raises(ValidationError, match="min_gen_width 1024 is over max_gen_width 512"):
        Filters(min_gen_width=1024, max_gen_width=512)


def test_tags_match_in_any_case_and_sizes_by_file_or_generation(
    library: Library, make_a1111: MakeA1111
) -> None:
    """A render generated at 512x512 and saved at 64x64 (the fixture's pixels): the file
    filters see 64, the generation filters 512."""
    fox = make_a1111("fox.png", "a red fox")
    library.ingest([fox])
    library.tag([str(fox)], add=["Autumn"])
    assert len(library.search(filters={"tag": "autumn"}).results) == 1
    assert len(library.search(filters={"tags": ["AUTUMN"]}).results) == 1
    assert len(library.search(filters={"min_gen_width": 512, "max_width": 64}).results) == 1
    assert not library.search(filters={"min_width": 512}).results
    assert not library.search(filters={"max_gen_width": 256}).results


def test_dates_of_any_year_reach_the_store(library: Library, make_a1111: MakeA1111) -> None:
    # schemathesis found year 999 written "999-01-01", which Lance could not parse (a 500)
    library.ingest([make_a1111("a.png", "a red fox")])
    for year in (1, 999, 1999, 9999):
        result = library.search(filters={"created_after": datetime(year, 1, 1)})
        assert len(result.results) == (1 if year < 2000 else 0)


def test_or_branches_and_exclusions_compile_and_nest() -> None:
    filters = Filters(
        tool="a1111",
        any_of=[Filters(model="sdxl"), Filters(model="flux", any_of=[Filters(sampler="euler")])],
        exclude=[Filters(tags=["draft"])],
    )
    assert to_sql(filters) == (
        "(tool = 'a1111') AND (((lower(array_to_string(models, '\n')) LIKE '%sdxl%'))"
        " OR ((lower(array_to_string(models, '\n')) LIKE '%flux%')"
        " AND (((lower(sampler) = 'euler'))))) AND (NOT COALESCE(((strpos(concat(chr(10),"
        " lower(array_to_string(tags, chr(10))), chr(10)), '\ndraft\n') > 0)), FALSE))"
    )
    with pytest.raises(ValidationError, match="levels deep"):
        Filters(any_of=[Filters(any_of=[Filters(any_of=[Filters(any_of=[Filters(model="x")])])])])
    with pytest.raises(ValidationError, match="branches"):
        Filters(exclude=[Filters(model=str(i)) for i in range(65)])


def test_or_and_not_select_what_they_say(library: Library, make_a1111: MakeA1111) -> None:
    make_a1111("xl.png", "a red fox", Model="sd_xl_base", Sampler="Euler")
    make_a1111("flux.png", "a red fox", Model="flux1-dev", Sampler="DPM++ 2M")
    make_a1111("plain.png", "a red fox", Model="v1-5-pruned", Sampler="Euler")
    bare = make_a1111("nomodel.png", "a red fox", Model=None, Model_hash=None, Sampler=None)
    library.ingest([bare.parent])

    def names(**filters: object) -> set[str]:
        result = library.search("a red fox", filters=filters, include_all=True, limit=50)
        return {Path(h.path).name for h in result.results}

    either = names(any_of=[{"model": "sd_xl"}, {"model": "flux"}])
    assert either == {"xl.png", "flux.png"}
    assert names(exclude=[{"model": "flux"}]) == {"xl.png", "plain.png", "nomodel.png"}
    assert names(exclude=[{"sampler": "euler"}], any_of=[{"model": "v1-5"}, {"model": "flux"}]) == {
        "flux.png"
    }
    why = library.search("a red fox", filters={"any_of": [{"model": "flux"}]}, explain=True).results[0]
    assert why.explanation is not None
    (match,) = why.explanation.filters
    assert match.filter == "any of (model contains 'flux')" and match.holds


def test_a_glob_with_brackets_matches_them_literally_in_sql_and_in_explanations(
    library: Library, make_a1111: MakeA1111
) -> None:
    fox = make_a1111("fox.png", "a red fox", folder="shots [v2]")
    library.ingest([fox])
    result = library.search("a red fox", filters={"path": "*shots [v2]*"}, explain=True)
    assert [Path(r.path).name for r in result.results] == ["fox.png"]
    explanation = result.results[0].explanation
    assert explanation is not None and all(f.holds for f in explanation.filters)
    assert not library.search(filters={"path": "*shots v*"}).results
