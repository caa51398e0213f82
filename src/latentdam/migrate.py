"""Model migration: add a space, backfill it in batches while searches keep answering from
the active spaces, then switch the active space in one manifest write.

Resumable: progress is the set of assets that already have a vector in the new space, so an
interrupted backfill (Ctrl-C, crash, kill -9) continues where it stopped when run again.
The replaced space's vectors stay until `latentdam spaces drop NAME`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from latentdam.embed.pool import EmbedderPool
from latentdam.embed.space import Modality, Space
from latentdam.embed.vectors import embed_assets
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


class Reembedder:
    def __init__(
        self, store: LibraryStore, embedders: EmbedderPool, *, batch_size: int, max_pixels: int
    ) -> None:
        self.store = store
        self.embedders = embedders
        self.batch_size = batch_size
        self.max_pixels = max_pixels

    def run(
        self, space: Space, progress: IngestProgress | None = None, *, activate: bool = True
    ) -> ReembedReport:
        progress = progress or IngestProgress()
        started = time.perf_counter()
        report = ReembedReport(space=space.name)
        self.store.ensure_space(space)
        embedder = self.embedders.get(space)
        skipped_ids: list[str] = []
        progress.start(self.store.count(f"{space.column} IS NULL"))
        while not progress.cancelled:
            rows = self.store.missing_vectors(
                space, ["id", "paths", "embed_text"], self.batch_size, excluding=skipped_ids
            )
            if not rows:
                break
            texts = [row["embed_text"] or "" for row in rows]
            images = [self._pixels(row, report) if space.embeds(Modality.IMAGE) else None for row in rows]
            vectors = embed_assets(embedder, texts, images)
            written = {row["id"]: v for row, v in zip(rows, vectors, strict=True) if v is not None}
            for row, vector in zip(rows, vectors, strict=True):
                if vector is None:
                    skipped_ids.append(row["id"])
                    if not space.embeds(Modality.IMAGE):  # an image space said why already
                        path = (row["paths"] or [row["id"]])[0]
                        report.skipped.append(
                            Skipped(path, "its file carries no prompt or other text to embed")
                        )
            self.store.set_vectors(space, written)
            report.embedded += len(written)
            progress.advance(len(rows), report)
        report.cancelled = progress.cancelled
        if activate and not report.cancelled:  # half a backfill never answers searches
            report.replaced = self._activate(space)
            report.activated = True
        self.store.refresh_indexes()
        report.seconds = time.perf_counter() - started
        return report

    def _pixels(self, row: dict[str, Any], report: ReembedReport) -> Image.Image | None:
        """The asset's pixels, from the first of its paths still on disk."""
        paths = [p for p in row["paths"] or [] if os.path.exists(p)]
        if not paths:
            report.skipped.append(
                Skipped((row["paths"] or ["?"])[0], "file is gone; cannot embed its pixels")
            )
            return None
        try:
            return read_pixels(Path(paths[0]), max_pixels=self.max_pixels)
        except ExtractError as exc:
            report.skipped.append(Skipped(paths[0], str(exc)))
            return None

    def _activate(self, space: Space) -> str | None:
        """The new space replaces the active space of the same kind (text, joint or visual)."""
        kind = signal_of(space)
        replaced = [s for s in self.store.active if signal_of(s) is kind and s != space]
        self.store.set_active(switched_to(self.store.active, space))
        return replaced[0].name if replaced else None
