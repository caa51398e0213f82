"""Paging with an opaque cursor that pins the library's versions: pages tile the ranking,
and page 2 is cut from page 1's ranking even after an ingest wrote more."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import MakeA1111
from latentdam import Library
from latentdam.errors import InvalidQuery
from latentdam.search.query import SearchQuery

ANIMALS = ["fox", "wolf", "owl", "bear", "deer", "lynx", "hare", "crow", "stag", "otter", "badger", "heron"]


@pytest.fixture
def forest(library: Library, make_a1111: MakeA1111) -> Library:
    for i, animal in enumerate(ANIMALS * 2):
        make_a1111(f"img_{i:02d}.png", f"a {animal} in a snowy forest, variation {i}")
    library.ingest([Path(library.path).parent / "images"])
    return library


def pages(library: Library, query: SearchQuery) -> list[list[str]]:
    out = []
    while True:
        result = library.run(query)
        out.append([hit.id for hit in result.results])
        if result.next_cursor is None:
            return out
        query = query.model_copy(update={"cursor": result.next_cursor})


def test_pages_tile_the_whole_ranking(forest: Library) -> None:
    whole = [h.id for h in forest.search("an animal in the snowy woods", limit=100, include_all=True).results]
    walked = pages(forest, SearchQuery(text="an animal in the snowy woods", limit=5, include_all=True))
    assert [len(p) for p in walked] == [5, 5, 5, 5, 4]
    assert [i for page in walked for i in page] == whole  # same order, nothing twice, nothing lost
    filtered = pages(forest, SearchQuery(filters={"path": "*img_1*"}, limit=4))
    assert sum(map(len, filtered)) == 10 and len({i for p in filtered for i in p}) == 10


def test_page_two_is_stable_while_an_ingest_writes(forest: Library, make_a1111: MakeA1111) -> None:
    query = SearchQuery(text="a red fox", limit=5, include_all=True)
    first = forest.run(query)
    before = forest.run(query.model_copy(update={"cursor": first.next_cursor}))
    for i in range(6):  # better matches than anything page 2 holds
        make_a1111(f"fox_{i}.png", f"a red fox, close-up portrait {i}")
    forest.ingest([Path(forest.path).parent / "images"])
    assert forest.run(query).results[0].id != first.results[0].id  # a fresh search sees them
    after = forest.run(query.model_copy(update={"cursor": first.next_cursor}))
    assert [h.id for h in after.results] == [h.id for h in before.results]


def test_later_pages_may_drop_facets_and_explanations_and_change_size(forest: Library) -> None:
    # what the gallery does: facets and explanations with page 1, plain pages after it
    text = "an animal in the snowy woods"
    whole = [h.id for h in forest.search(text, limit=100, include_all=True).results]
    first = forest.run(SearchQuery(text=text, limit=10, include_all=True, facets=True, explain=True))
    rest = pages(forest, SearchQuery(text=text, limit=7, include_all=True, cursor=first.next_cursor))
    assert [h.id for h in first.results] + [i for page in rest for i in page] == whole


def test_a_cursor_belongs_to_its_query(forest: Library) -> None:
    first = forest.run(SearchQuery(text="a red fox", limit=3, include_all=True))
    assert first.next_cursor is not None
    with pytest.raises(InvalidQuery, match="another query"):
        forest.run(SearchQuery(text="an owl", limit=3, cursor=first.next_cursor))
    with pytest.raises(InvalidQuery, match="not one latentdam made"):
        forest.run(SearchQuery(text="a red fox", limit=3, include_all=True, cursor="garbage!"))


def test_facets_count_the_whole_matching_set_not_the_page(library: Library, make_a1111: MakeA1111) -> None:
    for i in range(6):
        make_a1111(f"fox_{i}.png", f"a red fox in the snow, study {i}", Model="dreamshaper_8")
    for i in range(3):
        make_a1111(
            f"owl_{i}.png", f"a snowy owl at night, study {i}", Model="juggernautXL", Sampler="Euler a"
        )
    library.ingest([Path(library.path).parent / "images"])
    facets = library.run(SearchQuery(text="a red fox in the snow", limit=2, facets=True)).facets
    assert facets is not None and facets.model.get("dreamshaper_8") == 6 >= facets.matching - 3
    everything = library.run(SearchQuery(filters={"path": "*.png"}, limit=1, facets=True)).facets
    assert everything is not None and everything.matching == 9
    assert everything.model == {"dreamshaper_8": 6, "juggernautXL": 3}
    assert everything.sampler == {"DPM++ 2M": 6, "Euler a": 3} and everything.tool == {"a1111": 9}
    assert sum(everything.month.values()) == 9
    assert library.run(SearchQuery(text="a red fox", limit=2)).facets is None  # only when asked
