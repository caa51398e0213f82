"""Stopping a long operation between batches (what a server job's cancel does): every
committed batch is kept, the report says so, and running the operation again finishes it."""

from __future__ import annotations

from pathlib import Path

from conftest import MakeA1111
from latentdam import Library
from latentdam.embed import TextEmbedder
from latentdam.refresh import RECIPE_KEY
from latentdam.reports import IngestProgress, Report


class _CancelAfter(IngestProgress):
    def __init__(self, items: int) -> None:
        self.limit, self.done, self.reports = items, 0, list[dict[str, object]]()

    def advance(self, items: int, report: Report) -> None:
        self.done += items
        self.reports.append(report.to_dict())

    @property
    def cancelled(self) -> bool:
        return self.done >= self.limit


def _images(make_a1111: MakeA1111, n: int) -> Path:
    for i in range(n):
        path = make_a1111(f"img_{i}.png", f"a lighthouse number {i} on a rocky coast")
    return path.parent


def test_cancelled_ingest_keeps_its_batches_and_resumes(library: Library, make_a1111: MakeA1111) -> None:
    folder = _images(make_a1111, 10)  # batch size 4
    progress = _CancelAfter(4)
    report = library.ingest([folder], progress)
    assert report.cancelled and report.added == 4 and library.store.count() == 4
    # file by file as each is read, then the batch as committed
    assert [r["added"] for r in progress.reports] == [0, 0, 0, 0, 4]
    assert library.search("lighthouse on a rocky coast").results  # searchable at once

    rest = library.ingest([folder])
    assert not rest.cancelled and (rest.added, rest.unchanged) == (6, 4) and library.store.count() == 10


def test_cancelled_refresh_leaves_the_recipe_stale(library: Library, make_a1111: MakeA1111) -> None:
    library.ingest([_images(make_a1111, 10)])
    library.store.set_meta(RECIPE_KEY, 1)
    report = library.refresh(_CancelAfter(4))
    assert report.cancelled and report.checked == 4 and library.text_is_stale  # the next one resumes
    assert not library.refresh().cancelled and not library.text_is_stale


def test_cancelled_reembed_never_activates_half_a_space(
    library: Library, make_a1111: MakeA1111, tiny_clip_dirs: tuple[Path, Path], text_embedder: TextEmbedder
) -> None:
    library.ingest([_images(make_a1111, 10)])
    report = library.reembed(str(tiny_clip_dirs[0]), _CancelAfter(4))
    assert report.cancelled and not report.activated and report.embedded == 4
    assert "tiny_clip_a" not in {s.name for s in library.store.active}
    resumed = library.reembed(str(tiny_clip_dirs[0]))
    assert resumed.embedded == 6 and resumed.activated


def test_a_half_embedded_space_answers_a_search_pinned_to_it(
    library: Library, make_a1111: MakeA1111, tiny_clip_dirs: tuple[Path, Path], text_embedder: TextEmbedder
) -> None:
    """While a migration runs, the gallery compares the old and the new space on one query:
    the new space answers from the assets it has embedded so far, the current one from all."""
    library.ingest([_images(make_a1111, 10)])
    library.reembed(str(tiny_clip_dirs[0]), _CancelAfter(4))
    embedded = set(library.store.all_vectors(library.store.space("tiny_clip_a"))[0])
    assert len(embedded) == 4
    current = library.search("a lighthouse on a rocky coast", limit=10, include_all=True)
    preview = library.search("a lighthouse on a rocky coast", limit=10, include_all=True, space="tiny_clip_a")
    assert "tiny_clip_a" in preview.spaces and "tiny_clip_a" not in current.spaces
    joint = {h.id for h in preview.results if "image" in h.signals}
    assert joint and joint <= embedded  # the new space ranks only what it holds
    assert "tiny_clip_a" not in {s.name for s in library.store.active}  # still not answering by default
