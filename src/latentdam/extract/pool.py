"""Files read in worker processes, each under a time budget.

Reading a file (hash, decode, metadata, thumbnail) is CPU work on that file alone, so it runs
in spawned worker processes: the cores read in parallel, and a file that outlasts its budget —
a decoder stuck on a crafted image, a reader caught in a pathological structure — costs only
that file: its worker is killed and replaced, the file is reported with the reason, and the
ingest goes on. A worker that dies (a native crash, the memory cap) is the same.

Workers are spawned, not forked (Lance is not fork-safe, and a spawned worker imports only
the extract layer), and kept between runs in this process, so a second ingest pays no start.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Generator, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import cast

from latentdam.errors import ExtractError
from latentdam.extract.file import ExtractedFile, extract_file

_SPAWN = multiprocessing.get_context("spawn")
_START_TIMEOUT = 120.0  # seconds a new worker may take to import (a loaded CI machine)


@dataclass(frozen=True, slots=True)
class ReadOptions:
    max_pixels: int
    thumbnail_size: int
    trust_anchors: str | None = None  # PEM: the signers whose Content Credentials are valid


@dataclass(frozen=True, slots=True)
class Unreadable:
    """Why a file gave no ExtractedFile."""

    reason: str


def read_one(path: str, options: ReadOptions) -> ExtractedFile | Unreadable:
    """One file, in whatever process: an ExtractedFile, or why not (never raises for a file)."""
    try:
        return extract_file(
            Path(path),
            max_pixels=options.max_pixels,
            thumbnail_size=options.thumbnail_size,
            trust_anchors=options.trust_anchors,
        )
    except ExtractError as exc:
        return Unreadable(str(exc))
    except Exception as exc:  # one bad file never stops an ingest
        return Unreadable(f"unexpected error: {type(exc).__name__}: {exc}")


def _serve(conn: Connection) -> None:  # a worker's main loop
    conn.send("ready")  # imports done: a file's time budget starts with its own work
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):  # the parent is gone
            return
        if job is None:
            return
        conn.send(read_one(*job))


class _Worker:
    def __init__(self) -> None:
        self.conn, child = _SPAWN.Pipe()
        self.process = _SPAWN.Process(target=_serve, args=(child,), daemon=True, name="latentdam-reader")
        self.process.start()
        child.close()
        self.ready = False

    def wait_ready(self) -> None:
        """Block until the worker has imported what it needs (a second or so after spawn)."""
        if not self.ready:
            if not self.conn.poll(_START_TIMEOUT) or self.conn.recv() != "ready":
                raise RuntimeError("a file-reading worker process did not start")
            self.ready = True

    def kill(self) -> None:
        self.process.kill()
        self.process.join(timeout=10)
        self.conn.close()


_idle: list[_Worker] = []  # started workers no run is using, reused by the next
_busy_now: set[_Worker] = set()  # workers reading a file at this moment (tests kill one)
_idle_lock = threading.Lock()


def _take() -> _Worker:
    with _idle_lock:
        while _idle:
            worker = _idle.pop()
            if worker.process.is_alive():
                return worker
            worker.conn.close()
    return _Worker()


def _fresh() -> _Worker:
    worker = _Worker()
    worker.wait_ready()
    return worker


def _give_back(worker: _Worker) -> None:
    with _idle_lock:
        _idle.append(worker)


def stop_idle_workers() -> None:
    """End the reader processes no ingest is using (the next ingest starts fresh ones)."""
    with _idle_lock:
        idle, _idle[:] = list(_idle), []
    for worker in idle:
        worker.kill()


def default_workers() -> int:
    """One per core this process may use, at most 8 (reading is rarely the only work)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return max(1, min(8, cores))


class ReaderPool:
    """Reads files in `workers` processes, each file within `timeout` seconds.

    `workers=0` reads in this process, with no time budget (for debugging a reader)."""

    def __init__(self, options: ReadOptions, *, workers: int, timeout: float) -> None:
        self.options = options
        self.workers = workers
        self.timeout = timeout

    def read(self, paths: Sequence[str]) -> Generator[tuple[str, ExtractedFile | Unreadable]]:
        """Each path with what reading it gave, in the order given."""
        if self.workers == 0:
            for path in paths:
                yield path, read_one(path, self.options)
            return
        results: dict[str, ExtractedFile | Unreadable] = {}
        pending = list(reversed(paths))
        free = [_take() for _ in range(min(self.workers, len(paths)))]
        for worker in free:  # started together, waited for together
            worker.wait_ready()
        busy: dict[Connection, tuple[_Worker, str, float]] = {}
        order = iter(paths)
        upcoming = next(order, None)
        try:
            while pending or busy:
                while free and pending:
                    worker, path = free.pop(), pending.pop()
                    worker.conn.send((path, self.options))
                    busy[worker.conn] = (worker, path, time.monotonic())
                    _busy_now.add(worker)
                soonest = min(started for _, _, started in busy.values()) + self.timeout
                for ready in wait(list(busy), timeout=max(0.0, soonest - time.monotonic())):
                    conn = cast(Connection, ready)
                    worker, path, _ = busy.pop(conn)
                    _busy_now.discard(worker)
                    try:
                        results[path] = conn.recv()
                        free.append(worker)
                    except (EOFError, OSError):  # it died on this file
                        results[path] = Unreadable(
                            "the reader process died on this file (a crash in a decoder, or out"
                            " of memory); skipped"
                        )
                        worker.kill()
                        free.append(_fresh())
                now = time.monotonic()
                for conn, (worker, path, started) in list(busy.items()):
                    if now - started >= self.timeout:
                        del busy[conn]
                        _busy_now.discard(worker)
                        results[path] = Unreadable(
                            f"reading it took longer than {self.timeout:g} s (the per-file time"
                            " budget, --file-timeout); skipped"
                        )
                        worker.kill()
                        free.append(_fresh())
                while upcoming is not None and upcoming in results:
                    yield upcoming, results.pop(upcoming)
                    upcoming = next(order, None)
        finally:
            for worker, _, _ in busy.values():  # the caller stopped early: their work is moot
                _busy_now.discard(worker)
                worker.kill()
            for worker in free:
                _give_back(worker)
