"""Asking for a signal that cannot run (no such space, nothing for it to compare) is said, with
the signals that can, instead of an empty "no match"."""

from __future__ import annotations

import pytest

from conftest import MakeA1111
from latentdam.errors import InvalidQuery
from latentdam.library import Library
from latentdam.search.result import Status


@pytest.fixture
def foxes(library: Library, make_a1111: MakeA1111) -> Library:
    folder = make_a1111("fox.png", "a red fox in the snow").parent
    make_a1111("ship.png", "a starship above a ringed planet")
    library.ingest([folder])
    return library


def test_a_signal_without_its_space_names_the_space_and_the_signals_that_can_run(foxes: Library) -> None:
    with pytest.raises(InvalidQuery) as caught:
        foxes.search("a fox", signals=["image"])
    message = str(caught.value)
    assert "signal 'image' cannot run here: no active space embeds both images and text" in message
    assert "latentdam reembed --model" in message
    assert "signals that can: semantic, keyword, expansion, literal" in message


def test_visual_on_a_text_query_and_filter_with_text_say_what_they_need(foxes: Library) -> None:
    with pytest.raises(InvalidQuery, match="this query has no image"):
        foxes.search("a fox", signals=["visual"])
    with pytest.raises(InvalidQuery, match="filter-only queries"):
        foxes.search("a fox", signals=["filter"])


def test_one_signal_that_cannot_run_beside_one_that_can_is_a_note(foxes: Library) -> None:
    result = foxes.search("a fox", signals=["semantic", "image"])
    assert result.status is Status.OK and "fox" in result.results[0].path
    assert any("signal 'image' cannot run here" in note for note in result.notes)


def test_similar_by_a_signal_with_no_stored_vectors(foxes: Library) -> None:
    fox = next(r.path for r in foxes.search("fox", include_all=True).results if "fox" in r.path)
    with pytest.raises(InvalidQuery, match="similar compares stored vectors") as caught:
        foxes.similar(fox, signals=["keyword"])
    assert "signals that can: semantic, visual" in str(caught.value)
    with pytest.raises(InvalidQuery, match="no active space of that kind"):
        foxes.similar(fox, signals=["image"])
    by_prompt = foxes.similar(fox, signals=["semantic"])
    assert by_prompt.status is Status.OK and not by_prompt.notes
