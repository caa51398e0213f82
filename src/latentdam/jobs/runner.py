"""Run a server's write jobs one at a time, in a worker thread, recorded in the library.

A library has one writer (store/lock.py), so jobs queue rather than run side by side: the
worker holds the writer lock while a job runs, a CLI ingest started meanwhile is refused
with LibraryBusy, and a job submitted while someone else's writer holds the lock is refused
the same way. Every change bumps the job's revision (progress streams watch it); the job log
is written on every change of state and at most once a `save_every` seconds in between.

Cancel is cooperative: the operation stops after its current batch and keeps what it
committed. Closing the server stops the running job the same way but leaves it queued in
the log, as are jobs never started; the next server on the library resumes them (ingest,
reembed and refresh all skip what is done), or with `resume=False` marks them interrupted.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from latentdam.errors import InvalidQuery, JobNotFound, LatentdamError, LibraryBusy, PathNotAllowed
from latentdam.extract.file import is_within
from latentdam.jobs.record import (
    IngestJob,
    Job,
    JobRequest,
    JobState,
    MapJob,
    OptimizeJob,
    PruneJob,
    ReembedJob,
    RefreshJob,
    TagJob,
)
from latentdam.reports import IngestProgress, Report
from latentdam.store.jobs import JobLog

if TYPE_CHECKING:
    from latentdam.library import Library

log = logging.getLogger(__name__)

_UNFINISHED = [JobState.QUEUED.value, JobState.RUNNING.value]


def _now() -> datetime:
    return datetime.now(UTC)


class JobRunner:
    def __init__(
        self,
        library: Library,
        *,
        roots: Sequence[Path] = (),
        uploads: Path | None = None,
        resume: bool = True,
        save_every: float = 1.0,
    ) -> None:
        self.library = library
        self.roots = tuple(Path(os.path.realpath(root)) for root in roots)  # what clients may name
        # what jobs may read: the roots, and the server's own upload folder
        self.readable = self.roots + ((Path(os.path.realpath(uploads)),) if uploads else ())
        self.resume = resume
        self.save_every = save_every
        self._log = JobLog(library.store)
        self._live: dict[str, Job] = {}  # queued and running jobs; finished ones are in the log
        self._saved_at: dict[str, float] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._closing = threading.Event()
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> None:
        """Pick up the jobs a previous server left unfinished, then start working."""
        self._recover()
        self._thread = threading.Thread(target=self._work, name="latentdam-jobs", daemon=True)
        self._thread.start()

    def close(self, timeout: float = 120.0) -> None:
        """Stop after the running job's current batch; what is unfinished stays queued."""
        self._closing.set()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(timeout)

    # -- what clients call ----------------------------------------------------------------

    def submit(self, request: JobRequest, *, requested_by: str | None = None, origin: str = "api") -> Job:
        """Queue a job (PathNotAllowed outside the roots; LibraryBusy when another process
        is writing to the library: this server's own jobs queue behind each other)."""
        if self._closing.is_set():
            raise LibraryBusy(_Closing(), self.library.path)
        request = self._checked(request)
        holder = self.library.writer()
        if holder is not None and holder.pid != os.getpid():
            raise LibraryBusy(holder, self.library.path)
        job = Job(
            id=uuid.uuid4().hex[:16],
            request=request,
            created_at=_now(),
            requested_by=requested_by,
            origin=origin,
        )
        with self._lock:
            self._live[job.id] = job
        self._save(job)
        self._queue.put(job.id)
        return job

    def ensure(self, request: JobRequest, *, requested_by: str | None = None) -> Job:
        """The queued or running job that does exactly this, else a new one (a map asked
        for by many clients at once is computed once)."""
        with self._lock:
            same = next((j for j in self._live.values() if j.request == request), None)
        return same if same is not None else self.submit(request, requested_by=requested_by)

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._live.get(job_id)
        if job is not None:
            return job
        stored = self._log.get(job_id)
        if stored is None:
            raise JobNotFound(job_id)
        return Job.model_validate(stored)

    def peek(self, job_id: str) -> Job | None:
        """The job if it is queued or running, without reading the log (cheap to poll)."""
        with self._lock:
            return self._live.get(job_id)

    def list(self, limit: int = 50) -> list[Job]:
        """The newest jobs first, live ones as of now."""
        with self._lock:
            live = dict(self._live)
        return [live.get(stored["id"]) or Job.model_validate(stored) for stored in self._log.recent(limit)]

    def cancel(self, job_id: str) -> Job:
        """Cancel a queued job, or stop a running one after its current batch. A finished
        job is returned as it is."""
        with self._lock:
            job = self._live.get(job_id)
        if job is None:
            return self.get(job_id)
        if job.state not in (JobState.QUEUED, JobState.RUNNING):  # finished, not yet out of _live
            return job
        if job.state is JobState.QUEUED:
            return self._change(
                job_id, lambda j: {"state": JobState.CANCELLED, "finished_at": _now()}, persist=True
            )
        return self._change(job_id, lambda j: {"cancel_requested": True}, persist=True)

    # -- checks ---------------------------------------------------------------------------

    def _checked(self, request: JobRequest) -> JobRequest:
        """The request with its paths made absolute, once they are known to be readable."""
        if isinstance(request, IngestJob):
            return request.model_copy(update={"paths": [self._readable(p) for p in request.paths]})
        if isinstance(request, ReembedJob) and self._names_a_folder(request.model):
            return request.model_copy(update={"model": self._readable(request.model)})
        return request

    def _readable(self, raw: str) -> str:
        path = Path(raw)  # not expanded: a client's "~" is not the server's home
        if not path.is_absolute() and self.roots:
            path = self.roots[0] / path
        try:
            path = Path(os.path.abspath(path))
            inside = is_within(path, self.readable)
        except (OSError, ValueError) as exc:  # a NUL, a name too long for the file system
            raise InvalidQuery(f"not a usable path: {raw!r} ({exc})") from None
        if not inside:
            if not self.roots:
                raise PathNotAllowed(
                    f"this server reads no folders, so it cannot read {raw}; start it with"
                    " `latentdam serve --root DIR` to let clients ingest from DIR"
                )
            raise PathNotAllowed(
                f"{raw} is outside the folders this server may read ({', '.join(map(str, self.roots))})"
            )
        if not _exists(path):
            raise InvalidQuery(f"no such file or folder under the server's roots: {raw}")
        return str(path)

    def _names_a_folder(self, model: str) -> bool:
        """Whether a model argument is a path (else a built-in name or hub id)."""
        path = Path(model)
        return (
            path.is_absolute()
            or model.startswith((".", "~"))
            or _exists(path)
            or (bool(self.roots) and _exists(self.roots[0] / model))  # relative to the first root
        )

    # -- the worker -----------------------------------------------------------------------

    def _work(self) -> None:
        while not self._closing.is_set():
            job_id = self._queue.get()
            if job_id is None:
                break
            job = self.peek(job_id)
            if job is None or job.state is not JobState.QUEUED:
                continue  # cancelled while it waited
            self._execute(job)

    def _execute(self, job: Job) -> None:
        self._change(job.id, lambda j: {"state": JobState.RUNNING, "started_at": _now()}, persist=True)
        progress = _JobProgress(self, job.id)
        try:
            with self.library.writing(f"{job.kind} job {job.id[:8]}"):
                report = self._call(job.request, progress)
        except LatentdamError as exc:
            self._finish(job.id, JobState.FAILED, error=str(exc), hint=_hint(exc))
            return
        except Exception as exc:  # a job never takes the worker down with it
            log.exception("job %s failed", job.id)
            self._finish(job.id, JobState.FAILED, error=f"unexpected error: {type(exc).__name__}: {exc}")
            return
        current = self.peek(job.id)
        if report.cancelled and current is not None and not current.cancel_requested:
            # stopped because the server is closing: left queued for the next one to resume
            self._change(
                job.id, lambda j: {"state": JobState.QUEUED, "report": report.to_dict()}, persist=True
            )
            return
        self._finish(job.id, JobState.CANCELLED if report.cancelled else JobState.DONE, report=report)

    def _call(self, request: JobRequest, progress: IngestProgress) -> Report:
        if isinstance(request, IngestJob):
            return self.library.ingest(request.paths, progress, within=self.readable)
        if isinstance(request, ReembedJob):
            return self.library.reembed(request.model, progress, activate=request.activate)
        if isinstance(request, TagJob):
            return self.library.tag(request.ids, add=request.add, remove=request.remove)
        if isinstance(request, MapJob):
            return self.library.build_map(request.space)
        if isinstance(request, PruneJob):
            return self.library.prune(dry_run=request.dry_run)
        if isinstance(request, OptimizeJob):
            return self.library.optimize()
        assert isinstance(request, RefreshJob)
        return self.library.refresh(progress)

    def _finish(
        self,
        job_id: str,
        state: JobState,
        *,
        report: Report | None = None,
        error: str | None = None,
        hint: str | None = None,
    ) -> None:
        def done(job: Job) -> dict[str, Any]:
            changes: dict[str, Any] = {"state": state, "finished_at": _now(), "error": error, "hint": hint}
            if report is not None:
                changes["report"] = report.to_dict()
            return changes

        self._change(job_id, done, persist=True)
        with self._lock:
            self._live.pop(job_id, None)
            self._saved_at.pop(job_id, None)

    # -- records --------------------------------------------------------------------------

    def _change(self, job_id: str, changes: Callable[[Job], dict[str, Any]], *, persist: bool | None) -> Job:
        """Apply a change to a live job. persist: True saves it, None saves it if the last
        save is `save_every` old, False keeps it in memory only."""
        with self._lock:
            job = self._live[job_id]
            job = job.model_copy(update={**changes(job), "revision": job.revision + 1})
            self._live[job_id] = job
            due = persist is True or (
                persist is None and time.monotonic() - self._saved_at.get(job_id, 0.0) >= self.save_every
            )
        if due:
            self._save(job)
        return job

    def _save(self, job: Job) -> None:
        self._saved_at[job.id] = time.monotonic()
        try:
            self._log.save(job.model_dump(mode="json"))
        except Exception:  # the job goes on; its record catches up on the next save
            log.exception("could not record job %s", job.id)

    def _recover(self) -> None:
        """Requeue (oldest first) or mark interrupted what a previous server left unfinished."""
        for stored in reversed(self._log.recent(10_000, states=_UNFINISHED)):
            job = Job.model_validate(stored)
            was_running = job.state is JobState.RUNNING
            changes: dict[str, Any] = {"revision": job.revision + 1}
            if job.cancel_requested:
                changes |= {"state": JobState.CANCELLED, "finished_at": _now()}
            elif not self.resume:
                changes |= _interrupted("this server was started with resume off")
            else:
                try:
                    request = self._checked(job.request)
                except LatentdamError as exc:
                    changes |= _interrupted(str(exc))
                else:
                    changes |= {
                        "request": request,
                        "state": JobState.QUEUED,
                        "resumes": job.resumes + int(was_running),
                    }
            job = job.model_copy(update=changes)
            self._save(job)
            if job.state is JobState.QUEUED:
                with self._lock:
                    self._live[job.id] = job
                self._queue.put(job.id)
                log.info("resuming job %s (%s)", job.id, job.kind)


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):  # a name too long for the file system, a NUL
        return False


def _interrupted(why: str) -> dict[str, Any]:
    return {
        "state": JobState.INTERRUPTED,
        "finished_at": _now(),
        "error": f"the server stopped before this job ended and did not resume it: {why}",
        "hint": "submit it again: what it did is kept, and it skips what is done",
    }


def _hint(exc: LatentdamError) -> str | None:
    if isinstance(exc, LibraryBusy):
        return "submit it again when the other writer is done"
    return None


class _Closing:
    """The holder named when a closing server refuses new jobs."""

    def describe(self) -> str:
        return "this server is shutting down"


class _JobProgress(IngestProgress):
    def __init__(self, runner: JobRunner, job_id: str) -> None:
        self.runner, self.job_id = runner, job_id

    def start(self, total: int) -> None:
        self.runner._change(self.job_id, lambda j: {"total": total}, persist=True)

    def advance(self, items: int, report: Report) -> None:
        snapshot = report.to_dict()
        self.runner._change(self.job_id, lambda j: {"done": j.done + items, "report": snapshot}, persist=None)

    @property
    def cancelled(self) -> bool:
        job = self.runner.peek(self.job_id)
        return self.runner._closing.is_set() or (job is not None and job.cancel_requested)
