"""Model migration: add a space, backfill it in batches while searches keep answering from
the active spaces, then switch the active space in one manifest write.

Resumable: progress is the set of assets that already have a vector in the new space, so an
interrupted backfill (Ctrl-C, crash, kill -9) continues where it stopped when run again.
The replaced space's vectors stay until `latentdam spaces drop NAME`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from PIL import Image

from latentdam.embed.base import Embedder
from latentdam.embed.pool import EmbedderPool
from latentdam.embed.space import Modality, Space
from latentdam.embed.vectors import Vector, embed_assets
from latentdam.errors import ExtractError
from latentdam.extract.file import read_pixels
from latentdam.ingest import IngestProgress, Skipped
from latentdam.reports import JsonRecord
from latentdam.search.signal import signal_of, switched_to
from latentdam.store.store import LibraryStore


@dataclass(slots=True)
class ReembedReport(JsonRecord):
    space: str
    embedded: int = 0
    skipped: list[Skipped] = field(default_factory=list)  # assets the new space cannot embed
    replaced: str | None = None  # the space it took over from (kept until dropped)
    activated: bool = False
    already_active: bool = False  # the space answered searches before this run (it only filled gaps)
    cancelled: bool = False  # stopped before the backfill ended: `reembed` again resumes it
    seconds: float = 0.0
    engine: str = "local"  # where the assets were embedded: local, ray


COLUMNS = ["id", "paths", "embed_text"]  # what a backfill reads of each asset


@dataclass(slots=True)
class Backfilled:
    """One batch of a backfill: the assets' rows, their vectors in the space (None where it
    cannot embed the asset), and why those were skipped."""

    rows: list[dict[str, Any]]
    vectors: list[Vector]
    skipped: list[Skipped]


class BackfillEngine(Protocol):
    """Where a backfill embeds; the writes are always this process's."""

    name: str

    def backfill(
        self, store: LibraryStore, space: Space, *, batch_size: int, max_pixels: int
    ) -> Generator[Backfilled]: ...


def embed_rows(embedder: Embedder, rows: list[dict[str, Any]], max_pixels: int) -> Backfilled:
    """Embed stored assets into the embedder's space: their text, or the pixels of the first
    of their files still on disk."""
    space = embedder.space
    skipped: list[Skipped] = []
    texts = [row["embed_text"] or "" for row in rows]
    images = [_pixels(row, max_pixels, skipped) if space.embeds(Modality.IMAGE) else None for row in rows]
    vectors = embed_assets(embedder, texts, images)
    if not space.embeds(Modality.IMAGE):  # an image space said why already
        skipped += [
            Skipped((row["paths"] or [row["id"]])[0], "its file carries no prompt or other text to embed")
            for row, vector in zip(rows, vectors, strict=True)
            if vector is None
        ]
    return Backfilled(rows, vectors, skipped)


def _pixels(row: dict[str, Any], max_pixels: int, skipped: list[Skipped]) -> Image.Image | None:
    """The asset's pixels, from the first of its paths still on disk."""
    paths = [p for p in row["paths"] or [] if os.path.exists(p)]
    if not paths:
        skipped.append(Skipped((row["paths"] or ["?"])[0], "file is gone; cannot embed its pixels"))
        return None
    try:
        return read_pixels(Path(paths[0]), max_pixels=max_pixels)
    except ExtractError as exc:
        skipped.append(Skipped(paths[0], str(exc)))
        return None


class Reembedder:
    def __init__(
        self,
        store: LibraryStore,
        embedders: EmbedderPool,
        *,
        batch_size: int,
        max_pixels: int,
        engine: BackfillEngine | None = None,
    ) -> None:
        self.store = store
        self.embedders = embedders
        self.batch_size = batch_size
        self.max_pixels = max_pixels
        self.engine = engine

    def run(
        self, space: Space, progress: IngestProgress | None = None, *, activate: bool = True
    ) -> ReembedReport:
        progress = progress or IngestProgress()
        started = time.perf_counter()
        report = ReembedReport(space=space.name, engine="local" if self.engine is None else self.engine.name)
        self.store.ensure_space(space)
        progress.start(self.store.count(f"{space.column} IS NULL"))
        batches = (
            self._backfill(space)
            if self.engine is None
            else self.engine.backfill(
                self.store, space, batch_size=self.batch_size, max_pixels=self.max_pixels
            )
        )
        try:
            while not progress.cancelled and (batch := next(batches, None)) is not None:
                written = {
                    row["id"]: v for row, v in zip(batch.rows, batch.vectors, strict=True) if v is not None
                }
                self.store.set_vectors(space, written)
                report.embedded += len(written)
                report.skipped += batch.skipped
                progress.advance(len(batch.rows), report)
        finally:
            batches.close()  # a cancelled engine stops its work
        report.cancelled = progress.cancelled
        if activate and not report.cancelled:  # half a backfill never answers searches
            report.replaced = self._activate(space)
            report.activated = True
        self.store.refresh_indexes()
        report.seconds = time.perf_counter() - started
        return report

    def _backfill(self, space: Space) -> Generator[Backfilled]:
        """In this process: batch after batch of the assets still without a vector."""
        embedder = self.embedders.get(space)
        skipped_ids: list[str] = []
        while rows := self.store.missing_vectors(space, COLUMNS, self.batch_size, excluding=skipped_ids):
            batch = embed_rows(embedder, rows, self.max_pixels)
            skipped_ids += [row["id"] for row, v in zip(rows, batch.vectors, strict=True) if v is None]
            yield batch

    def _activate(self, space: Space) -> str | None:
        """The new space replaces the active space of the same kind (text, joint or visual)."""
        kind = signal_of(space)
        replaced = [s for s in self.store.active if signal_of(s) is kind and s != space]
        self.store.set_active(switched_to(self.store.active, space))
        return replaced[0].name if replaced else None
