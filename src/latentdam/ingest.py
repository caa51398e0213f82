"""Ingest orchestration: scan → skip unchanged → extract → embed in batches → upsert.

Incremental: a file whose size and mtime match the files table is not even read. Identity is
the content hash, so a moved or copied file only updates the asset's paths. Resumable: each
batch is committed assets first, then files; a crash (even kill -9) between or inside the two
leaves at most one batch to redo, and redoing it finds the same hashes, so nothing doubles.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from latentdam.embed.pool import EmbedderPool
from latentdam.embed.space import Space
from latentdam.embed.vectors import Vector, embed_assets
from latentdam.extract.file import ExtractedFile, is_within, scan
from latentdam.extract.pool import ReaderPool, ReadOptions, Unreadable, default_workers
from latentdam.reports import IngestProgress, IngestReport, Skipped
from latentdam.store.asset import to_row
from latentdam.store.originals import Originals
from latentdam.store.store import FileState, LibraryStore

__all__ = ["IngestEngine", "IngestProgress", "IngestReport", "Ingestor", "LocalEngine", "Skipped"]


@dataclass(slots=True)
class _Batch:
    """One batch's worth of decisions, written in two commits (assets, then files)."""

    new: dict[str, ExtractedFile] = field(default_factory=dict)
    new_paths: dict[str, list[str]] = field(default_factory=dict)
    moved: dict[str, list[str]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    states: list[FileState] = field(default_factory=list)
    added: set[str] = field(default_factory=set)  # paths the report counts as added (else updated)


@dataclass(slots=True)
class PlannedBatch:
    """One batch's files as planning left them: what to read, and what needs no reading."""

    known: dict[str, FileState]  # the files table's record of each path, where it has one
    to_read: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)  # outside the roots, or cannot stat
    unchanged: int = 0  # same size and mtime as recorded
    seconds: float = 0.0


Read = tuple[str, ExtractedFile | Unreadable]
Plan = Callable[[Sequence[str]], PlannedBatch]
_END = None  # after a batch's last file


class Stages(Protocol):
    """The plan and read stages (and an engine's embedding, where it has its own) as the
    committing thread consumes them: iterating gives each batch's plan in order; `outcomes()`
    then gives that batch's files as they are read; `committed()` says the batch is written."""

    def __enter__(self) -> Stages: ...
    def __exit__(self, *exc: object) -> None: ...
    def __iter__(self) -> Iterator[PlannedBatch]: ...
    def outcomes(self) -> Iterator[Read]: ...
    def committed(self) -> None: ...


class IngestEngine(Protocol):
    """Where an ingest reads (and may embed) its files; the commits are always this process's."""

    name: str

    def stages(
        self, plan: Plan, reader: ReaderPool, spaces: Sequence[Space], batches: list[list[str]]
    ) -> Stages: ...


class ReadAhead:
    """The plan and read stages in a thread of their own, one batch ahead of the commits: the
    reading workers decode batch k+1 while the ingesting thread embeds and writes batch k, so
    the slower of the two sets the pace instead of their sum. Iterating gives each batch's
    plan; `outcomes()` then gives its files as they are read (the bar moves per file);
    `committed()` lets the thread start one more. Holds at most AHEAD batches' files."""

    AHEAD = 2  # the batch being committed and the one being read

    def __init__(self, plan: Plan, reader: ReaderPool, batches: list[list[str]]) -> None:
        self._plan, self._reader = plan, reader
        self._batches = batches
        self._plans: queue.Queue[PlannedBatch | BaseException | None] = queue.Queue()
        self._reads: queue.Queue[Read | BaseException | None] = queue.Queue()
        self._slots = threading.Semaphore(self.AHEAD)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name="latentdam-read-ahead")

    def __enter__(self) -> ReadAhead:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._slots.release()  # wakes a thread waiting for a slot, to see the stop
        # a file being read finishes first (or its time budget ends it); don't wait for that
        # after an error: the thread is a daemon and its workers are killed as it stops
        self._thread.join(timeout=None if exc[0] is None else 5.0)

    def _run(self) -> None:
        try:
            for paths in self._batches:
                self._slots.acquire()
                if self._stop.is_set():
                    return
                planned = self._plan(paths)
                self._plans.put(planned)
                reading = self._reader.read(planned.to_read)
                try:
                    for read in reading:
                        self._reads.put(read)
                        if self._stop.is_set():
                            return
                finally:
                    reading.close()  # a stop mid-batch: the workers still busy are killed
                self._reads.put(_END)
        except BaseException as exc:  # raised in the ingesting thread, where it can be handled
            self._plans.put(exc)
            self._reads.put(exc)
        finally:
            self._plans.put(None)

    def __iter__(self) -> Iterator[PlannedBatch]:
        for _ in self._batches:
            planned = self._plans.get()
            if planned is None:
                return
            if isinstance(planned, BaseException):
                raise planned
            yield planned

    def outcomes(self) -> Iterator[Read]:
        """The current batch's files with what reading each gave, in order."""
        while (read := self._reads.get()) is not _END:
            if isinstance(read, BaseException):
                raise read
            yield read

    def committed(self) -> None:
        self._slots.release()


class LocalEngine:
    """This process: its reading workers one batch ahead of the commits, embedding at commit."""

    name = "local"

    def stages(
        self, plan: Plan, reader: ReaderPool, spaces: Sequence[Space], batches: list[list[str]]
    ) -> Stages:
        return ReadAhead(plan, reader, batches)


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
        engine: IngestEngine | None = None,
        originals: Originals | None = None,
    ) -> None:
        self.store = store
        self.engine = engine or LocalEngine()
        self.originals = originals  # where new assets' files are copied (a bucket library's)
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
        report = IngestReport(engine=self.engine.name)
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
        batches = [files[start : start + self.batch_size] for start in range(0, len(files), self.batch_size)]
        with self.engine.stages(self._plan, self.reader, self.store.spaces, batches) as ahead:
            for event in ahead:
                if progress.cancelled:  # checked as each batch starts, as before the read-ahead
                    report.cancelled = True
                    break
                self._ingest_batch(event, ahead, report, progress)
                ahead.committed()
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

    def _ingest_batch(
        self, planned: PlannedBatch, ahead: Stages, report: IngestReport, progress: IngestProgress
    ) -> None:
        """One batch: each file counts in `progress` once it is decided (skipped, unchanged or
        read), so a bar moves file by file; the batch is committed at the end."""
        report.add_time("scan", planned.seconds)  # planned in the read-ahead thread
        report.failed += planned.skipped
        report.unchanged += planned.unchanged
        if planned.skipped or planned.unchanged:
            progress.advance(len(planned.skipped) + planned.unchanged, report)
        extracted: list[ExtractedFile] = []
        with report.timing("read"):  # what this thread waits for the reading workers
            for path, outcome in ahead.outcomes():
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
                self._place(item, planned.known.get(str(item.path)), existing, batch, report)
        self._commit(batch, report)

    def _plan(self, paths: Sequence[str]) -> PlannedBatch:
        """The files of a batch that are new or changed since the files table saw them (run in
        the read-ahead thread: it touches no report)."""
        started = time.perf_counter()
        known = self.store.file_states(paths)
        planned = PlannedBatch(known=known)
        for path in paths:
            if self.within is not None and not is_within(path, self.within):
                planned.skipped.append(
                    Skipped(path, "links outside the folders this server may read; not read")
                )
                continue
            try:
                stat = os.stat(path)
            except OSError as exc:
                planned.skipped.append(Skipped(path, f"cannot read file: {exc.strerror or exc}"))
                continue
            state = known.get(path)
            if state and state.size == stat.st_size and state.mtime_ns == stat.st_mtime_ns:
                planned.unchanged += 1
                continue
            planned.to_read.append(path)
        planned.seconds = time.perf_counter() - started
        return planned

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

    def _copy_originals(self, items: list[ExtractedFile], report: IngestReport) -> None:
        if self.originals is None:
            return
        for item in items:
            if not self.originals.put(item.id, item.path):
                report.warnings.append(
                    Skipped(
                        str(item.path),
                        "the file changed since it was read; its original was not copied into"
                        " the library's bucket (the next ingest reads it anew)",
                    )
                )

    def _vectors(self, space: Space, items: list[ExtractedFile], texts: list[str]) -> list[Vector]:
        """A space's vectors of a batch's new assets: those an engine embedded already (its
        embedders saw the same batch, in the same order), else embedded here."""
        if items and all(space.column in item.vectors for item in items):
            return [item.vectors[space.column] for item in items]
        return embed_assets(self.embedders.get(space), texts, [item.pixels for item in items])

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
                for row, vector in zip(rows, self._vectors(space, items, texts), strict=True):
                    row[space.column] = vector
        with report.timing("commit"):
            self._copy_originals(items, report)  # first: a committed asset has its original
            self.store.upsert_assets(rows)
            self.store.update_paths({i: p for i, p in batch.moved.items() if i not in batch.deleted})
            self.store.delete_assets(sorted(batch.deleted))
            self.store.upsert_files(batch.states)
