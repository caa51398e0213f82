"""Text refresh: bring a library's stored texts up to the current recipe (extract/text.py).

Each asset stores the text it is embedded by and the text it is keyword-indexed by, both
derived from its generation record. When the recipe changes (TEXT_RECIPE), the refresh
recomputes both from the stored record, re-embeds in the text spaces only the assets whose
embedded text changed, and rebuilds what derives from them (full-text index, vocabulary,
calibration). Files are not read again.

Resumable: an asset already refreshed recomputes to the text it has, so a run that was
interrupted skips it next time; the library records the new recipe only once all are done.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from latentdam.embed.pool import EmbedderPool
from latentdam.embed.vectors import embed_assets
from latentdam.extract.text import TEXT_RECIPE, embedding_text, keyword_text
from latentdam.ingest import IngestProgress
from latentdam.reports import JsonRecord
from latentdam.search.signal import Signal, signal_of
from latentdam.store.asset import from_row
from latentdam.store.schema import KEYWORD_COLUMN
from latentdam.store.store import RESULT_COLUMNS, LibraryStore

RECIPE_KEY = "text_recipe"
_FIRST_RECIPE = 1  # libraries made before the recipe was versioned


@dataclass(slots=True)
class RefreshReport(JsonRecord):
    checked: int = 0
    retexted: int = 0  # assets whose embedded or keyword text changed
    reembedded: int = 0  # of those, re-embedded in the text spaces
    duplicate_assets: int = 0  # repeated asset rows removed (left by two unlocked writers)
    duplicate_files: int = 0  # repeated file rows removed
    cancelled: bool = False
    seconds: float = 0.0


def stored_recipe(store: LibraryStore) -> int:
    return int(store.get_meta(RECIPE_KEY) or _FIRST_RECIPE)


def mark_current(store: LibraryStore) -> None:
    store.set_meta(RECIPE_KEY, TEXT_RECIPE)


class TextRefresher:
    def __init__(self, store: LibraryStore, embedders: EmbedderPool, *, batch_size: int) -> None:
        self.store = store
        self.embedders = embedders
        self.batch_size = batch_size

    def run(self, progress: IngestProgress | None = None) -> RefreshReport:
        progress = progress or IngestProgress()
        started = time.perf_counter()
        report = RefreshReport()
        # first: merging new texts into rows that share an id would be ambiguous
        report.duplicate_assets, report.duplicate_files = self.store.repair_duplicates()
        ids = self.store.ids()
        progress.start(len(ids))
        for start in range(0, len(ids), self.batch_size):
            batch = ids[start : start + self.batch_size]
            if progress.cancelled:
                report.cancelled = True
                break
            self._refresh(batch, report)
            progress.advance(len(batch), report)
        if report.retexted or report.duplicate_assets:
            self.store.refresh_indexes()
        if not report.cancelled:  # a stopped refresh leaves the recipe stale: the next one resumes
            mark_current(self.store)
        report.seconds = time.perf_counter() - started
        return report

    def retext(self, ids: list[str]) -> RefreshReport:
        """Recompute the texts of some assets whose record changed (tags edited), re-embedding
        what changed in the text spaces."""
        report = RefreshReport()
        for start in range(0, len(ids), self.batch_size):
            self._refresh(ids[start : start + self.batch_size], report)
        if report.retexted:
            self.store.refresh_indexes()
        return report

    def _refresh(self, ids: list[str], report: RefreshReport) -> None:
        rows = self.store.rows(ids, columns=[*RESULT_COLUMNS, "embed_text", KEYWORD_COLUMN])
        report.checked += len(rows)
        reembed: list[dict[str, Any]] = []  # the embedded text changed: new vectors too
        keyword_only: list[dict[str, Any]] = []
        for row in rows.values():
            asset = from_row(row)
            embed, keyword = embedding_text(asset.record), keyword_text(asset.record, asset.path)
            if embed != row["embed_text"]:
                reembed.append({"id": asset.id, "embed_text": embed, KEYWORD_COLUMN: keyword})
            elif keyword != row[KEYWORD_COLUMN]:
                keyword_only.append({"id": asset.id, KEYWORD_COLUMN: keyword})
        texts = [row["embed_text"] for row in reembed]
        for space in self.store.spaces:
            # joint and visual spaces hold pixel vectors: the text does not reach them
            if reembed and signal_of(space) is Signal.SEMANTIC:
                vectors = embed_assets(self.embedders.get(space), texts, [None] * len(texts))
                for row, vector in zip(reembed, vectors, strict=True):
                    row[space.column] = vector
        self.store.update_columns(reembed)
        self.store.update_columns(keyword_only)
        report.retexted += len(reembed) + len(keyword_only)
        report.reembedded += len(reembed)
