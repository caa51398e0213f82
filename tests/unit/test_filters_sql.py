from __future__ import annotations

from datetime import datetime

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
        "(tool = 'comfyui') AND (lower(model) LIKE '%sdxl%') AND (seed = 7) AND (width >= 512)"
        " AND (array_has(tags, 'o''neil'))"
    )
    assert to_sql(Filters()) is None


def test_dates_compile_to_utc_timestamps() -> None:
    sql = to_sql(Filters(created_after=datetime(2025, 3, 1)))
    assert sql == "(created_at >= CAST('2025-03-01 00:00:00.000000' AS TIMESTAMP))"


def test_unknown_tool_and_empty_query_are_rejected() -> None:
    with pytest.raises(ValidationError, match="tool"):
        Filters(tool="photoshop")  # type: ignore[arg-type]
    assert SearchQuery(text="   ").asks_nothing()  # blank text is no text: `run` refuses it


def test_dates_of_any_year_reach_the_store(library: Library, make_a1111: MakeA1111) -> None:
    # schemathesis found year 999 written "999-01-01", which Lance could not parse (a 500)
    library.ingest([make_a1111("a.png", "a red fox")])
    for year in (1, 999, 1999, 9999):
        result = library.search(filters={"created_after": datetime(year, 1, 1)})
        assert len(result.results) == (1 if year < 2000 else 0)
