"""Ingest orchestration: scan → skip unchanged → extract → embed in batches → upsert.

Incremental: a file whose size and mtime match the files table is not even read. Identity is
the content hash, so a moved or copied file only updates the asset's paths. Resumable: each
batch is committed assets first, then files; a crash (even kill -9) between or inside the two
leaves at most one batch to redo, and redoing it finds the same hashes, so nothing doubles.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from latentdam.embed.pool import EmbedderPool
from latentdam.embed.vectors import embed_assets
from latentdam.extract.file import ExtractedFile, is_within, scan
from latentdam.extract.pool import ReaderPool, ReadOptions, Unreadable, default_workers
from latentdam.reports import IngestProgress, IngestReport, Skipped
from latentdam.store.asset import to_row
from latentdam.store.store import FileState, LibraryStore

__all__ = ["IngestProgress", "IngestReport", "Ingestor", "Skipped"]


@dataclass(slots=True)
class _Batch:
    """One batch's worth of decisions, written in two commits (assets, then files)."""

    new: dict[str, ExtractedFile] = field(default_factory=dict)
    new_paths: dict[str, list[str]] = field(default_factory=dict)
    moved: dict[str, list[str]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    states: list[FileState] = field(default_factory=list)
    added: set[str] = field(default_factory=set)  # paths the report counts as added (else updated)


def _is_text(path: str) -> bool:
    """Whether a path is valid UTF-8 (os.fsdecode turns undecodable bytes into surrogates)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class Ingestor:
    def __init__(
        self,
        store: LibraryStore,
        embedders: EmbedderPool,
        *,
        batch_size: int,
        max_pixels: int,
        thumbnail_size: int,
        trust_anchors: str | None = None,
        exists: Callable[[str], bool] = os.path.exists,
        within: Sequence[Path] | None = None,
        read_workers: int | None = None,
        file_timeout: float = 60.0,
    ) -> None:
        self.store = store
        self.embedders = embedders
        self.batch_size = batch_size
        self.exists = exists
        self.within = within  # read only files inside these folders, links resolved (a server's roots)
        options = ReadOptions(max_pixels, thumbnail_size, trust_anchors)
        workers = default_workers() if read_workers is None else read_workers
        self.reader = ReaderPool(options, workers=workers, timeout=file_timeout)

    def run(self, inputs: Iterable[Path], progress: IngestProgress | None = None) -> IngestReport:
        progress = progress or IngestProgress()
        started = time.perf_counter()
        report = IngestReport()
        inputs = list(inputs)
        files = []
        with report.timing("scan"):
            for path in map(str, scan(inputs)):
                if _is_text(path):
                    files.append(path)
                else:  # the library keeps paths as text (UTF-8): a name that is not cannot be stored
                    shown = os.fsencode(path).decode("utf-8", "backslashreplace")
                    report.failed.append(
                        Skipped(shown, "the file name is not valid UTF-8; rename the file to ingest it")
                    )
            self._forget_gone(inputs, set(files), report)
        progress.start(len(files))
        for start in range(0, len(files), self.batch_size):
            batch = files[start : start + self.batch_size]
            if progress.cancelled:
                report.cancelled = True
                break
            self._ingest_batch(batch, report, progress)
            progress.advance(0, report)  # the report as committed
        if report.changed:
            with report.timing("index"):
                self.store.refresh_indexes()
        report.seconds = time.perf_counter() - started
        return report

    def _forget_gone(self, inputs: Sequence[Path], scanned: set[str], report: IngestReport) -> None:
        """Files known under the folders being ingested that are no longer there leave the
        library: their file records go, and their assets lose those paths. An asset left with
        no file stays (its vectors, tags and history) until `prune` removes it."""
        gone: dict[str, FileState] = {}
        for root in inputs:
            if root.is_dir():
                for state in self.store.file_states_under(os.path.abspath(root)):
                    if state.path not in scanned and not self.exists(state.path):
                        gone[state.path] = state
        if not gone:
            return
        ids = list({s.asset_id for s in gone.values()})
        rows = self.store.rows(ids, columns=["id", "paths"])
        remaining = {i: [p for p in (row["paths"] or []) if p not in gone] for i, row in rows.items()}
        self.store.update_paths(remaining)
        self.store.delete_files(sorted(gone))
        report.gone = len(gone)
        report.orphaned = sum(1 for paths in remaining.values() if not paths)

    def _ingest_batch(self, paths: Sequence[str], report: IngestReport, progress: IngestProgress) -> None:
        """One batch: each file counts in `progress` once it is decided (skipped, unchanged or
        read), so a bar moves file by file; the batch is committed at the end."""
        with report.timing("scan"):
            known = self.store.file_states(paths)
            to_read = self._to_read(paths, known, report)
        if len(paths) > len(to_read):
            progress.advance(len(paths) - len(to_read), report)
        extracted: list[ExtractedFile] = []
        with report.timing("read"):
            for path, outcome in self.reader.read(to_read):
                if isinstance(outcome, Unreadable):
                    report.failed.append(Skipped(path, outcome.reason))
                else:
                    report.warnings += [Skipped(path, w) for w in outcome.warnings]
                    extracted.append(outcome)
                progress.advance(1, report)
        with report.timing("commit"):
            existing = self.store.rows(list({item.id for item in extracted}), columns=["id", "paths"])
            batch = _Batch()
            for item in extracted:
                self._place(item, known.get(str(item.path)), existing, batch, report)
        self._commit(batch, report)

    def _to_read(self, paths: Sequence[str], known: dict[str, FileState], report: IngestReport) -> list[str]:
        """The files of a batch that are new or changed since the files table saw them."""
        to_read: list[str] = []
        for path in paths:
            if self.within is not None and not is_within(path, self.within):
                report.failed.append(
                    Skipped(path, "links outside the folders this server may read; not read")
                )
                continue
            try:
                stat = os.stat(path)
            except OSError as exc:
                report.failed.append(Skipped(path, f"cannot read file: {exc.strerror or exc}"))
                continue
            state = known.get(path)
            if state and state.size == stat.st_size and state.mtime_ns == stat.st_mtime_ns:
                report.unchanged += 1
                continue
            to_read.append(path)
        return to_read

    def _place(
        self,
        item: ExtractedFile,
        previous: FileState | None,
        existing: dict[str, dict[str, Any]],
        batch: _Batch,
        report: IngestReport,
    ) -> None:
        """Decide what one extracted file means for the library."""
        path = str(item.path)
        batch.states.append(FileState(path, item.size, item.mtime_ns, item.id))
        if previous and previous.asset_id != item.id:
            # same path, new content: the old asset keeps only its other, still-present paths
            old = self.store.rows([previous.asset_id], columns=["id", "paths"]).get(previous.asset_id)
            remaining = [p for p in (old["paths"] if old else []) if p != path and self.exists(p)]
            if remaining:
                batch.moved[previous.asset_id] = remaining
            elif old:
                batch.deleted.add(previous.asset_id)

        if item.id in batch.new_paths:  # the same bytes twice in one batch
            batch.new_paths[item.id].append(path)
            report.copies += 1
        elif item.id in existing:
            old_paths = list(existing[item.id]["paths"] or [])
            others = [p for p in old_paths if p != path and self.exists(p)]
            paths = [path, *others]
            if paths == old_paths:
                report.unchanged += 1  # touched, not changed
            else:
                batch.moved[item.id] = paths
                existing[item.id]["paths"] = paths
                if path in old_paths:
                    report.updated += 1  # a known path; its other copies went
                elif others:
                    report.copies += 1
                else:
                    report.moved += 1
        else:
            batch.new[item.id] = item
            batch.new_paths[item.id] = [path]
            if previous is None:
                report.added += 1
                batch.added.add(path)
            else:  # new content at a known path
                report.updated += 1

    def _commit(self, batch: _Batch, report: IngestReport) -> None:
        now = datetime.now(UTC)
        items, rows = [], []
        for item in batch.new.values():
            try:  # the texts are derived here: a record no reader guarded against fails alone
                rows.append(to_row(item, batch.new_paths[item.id], now))
                items.append(item)
            except Exception as exc:
                paths = set(batch.new_paths[item.id])
                report.failed += [Skipped(p, f"unexpected error: {type(exc).__name__}: {exc}") for p in paths]
                # counted when placed, not stored after all: the first path as added (or as
                # new content at a known path), the others as copies of it
                if batch.new_paths[item.id][0] in batch.added:
                    report.added -= 1
                else:
                    report.updated -= 1
                report.copies -= len(batch.new_paths[item.id]) - 1
                batch.states = [s for s in batch.states if s.path not in paths]  # retried next time
        texts = [row["embed_text"] for row in rows]
        with report.timing("embed"):
            # every space present gets the new assets, the active ones and any being backfilled
            for space in self.store.spaces:
                column = embed_assets(self.embedders.get(space), texts, [item.pixels for item in items])
                for row, vector in zip(rows, column, strict=True):
                    row[space.column] = vector
        with report.timing("commit"):
            self.store.upsert_assets(rows)
            self.store.update_paths({i: p for i, p in batch.moved.items() if i not in batch.deleted})
            self.store.delete_assets(sorted(batch.deleted))
            self.store.upsert_files(batch.states)
