"""Write jobs over HTTP: submit an ingest, reembed or refresh; follow it (`GET`, or a
server-sent-events stream); cancel it. Every job route needs the `write` scope."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from latentdam.api.deps import require
from latentdam.api.errors import ApiError
from latentdam.api.keys import ApiKey, Scope
from latentdam.jobs import (
    IngestJob,
    Job,
    JobRequest,
    JobRunner,
    OptimizeJob,
    PruneJob,
    ReembedJob,
    RefreshJob,
    TagJob,
)
from latentdam.jobs.record import JOB_ID

POLL_SECONDS = 0.25  # how often a progress stream looks at its job (an in-memory read)
HEARTBEAT_SECONDS = 15.0  # a comment line keeps proxies from closing a quiet stream


def runner_of(request: Request) -> JobRunner:
    runner: JobRunner | None = getattr(request.app.state, "jobs", None)
    if runner is None:  # the lifespan has not run (yet)
        raise ApiError(503, "starting", "the server is not ready for jobs yet", "try again in a moment")
    return runner


RunnerDep = Annotated[JobRunner, Depends(runner_of)]
WriterKey = Annotated[ApiKey | None, Depends(require(Scope.WRITE))]
JobId = Annotated[str, PathParam(pattern=JOB_ID, description="a job id, as submitting it returned")]

router = APIRouter(tags=["jobs"])


class JobList(BaseModel):
    jobs: list[Job]


async def _submit(runner: JobRunner, request: JobRequest, key: ApiKey | None) -> Job:
    return await run_in_threadpool(lambda: runner.submit(request, requested_by=key.id if key else None))


@router.post("/v1/jobs/ingest", status_code=202, response_model=Job)
async def ingest(body: IngestJob, runner: RunnerDep, key: WriterKey) -> Job:
    """Ingest folders the server can read: only under the roots it was started with
    (`latentdam serve --root DIR`); anything else is refused with 403."""
    return await _submit(runner, body, key)


@router.post("/v1/jobs/reembed", status_code=202, response_model=Job)
async def reembed(body: ReembedJob, runner: RunnerDep, key: WriterKey) -> Job:
    """Embed every asset with another model, then switch searches to it; searches answer
    from the current model until the switch."""
    return await _submit(runner, body, key)


@router.post("/v1/jobs/refresh", status_code=202, response_model=Job)
async def refresh(runner: RunnerDep, key: WriterKey, body: RefreshJob | None = None) -> Job:
    """Recompute stored texts with the current recipe and repair duplicate rows."""
    return await _submit(runner, body or RefreshJob(), key)


@router.post("/v1/jobs/prune", status_code=202, response_model=Job)
async def prune(runner: RunnerDep, key: WriterKey, body: PruneJob | None = None) -> Job:
    """Remove the assets whose files are all gone; `dry_run` only lists them (`report.removed`)."""
    return await _submit(runner, body or PruneJob(), key)


@router.post("/v1/jobs/optimize", status_code=202, response_model=Job)
async def optimize(runner: RunnerDep, key: WriterKey, body: OptimizeJob | None = None) -> Job:
    """Build the indexes that are due, compact the data files, recount the vocabulary and
    refit the relevance models; searches keep answering meanwhile."""
    return await _submit(runner, body or OptimizeJob(), key)


@router.post("/v1/jobs/tag", status_code=202, response_model=Job)
async def tag(body: TagJob, runner: RunnerDep, key: WriterKey) -> Job:
    """Add and remove tags on up to 1,000 assets (the `tag` filter, keywords and the
    embedded text all follow)."""
    return await _submit(runner, body, key)


@router.get("/v1/jobs", response_model=JobList)
def list_jobs(runner: RunnerDep, _: WriterKey, limit: Annotated[int, Query(ge=1, le=1000)] = 50) -> JobList:
    """The newest jobs first."""
    return JobList(jobs=runner.list(limit))


@router.get("/v1/jobs/{job_id}", response_model=Job)
def get_job(job_id: JobId, runner: RunnerDep, _: WriterKey) -> Job:
    """A job's state, counts so far, and per-file errors (`report.failed`)."""
    return runner.get(job_id)


@router.post("/v1/jobs/{job_id}/cancel", response_model=Job)
def cancel_job(job_id: JobId, runner: RunnerDep, _: WriterKey) -> Job:
    """Cancel a queued job, or stop a running one after its current batch (what it
    committed is kept). A finished job is returned unchanged."""
    return runner.cancel(job_id)


@router.get(
    "/v1/jobs/{job_id}/events",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "`progress` events, then `end`"}},
)
async def job_events(job_id: JobId, request: Request, runner: RunnerDep, _: WriterKey) -> StreamingResponse:
    """A server-sent-events stream of the job: an event `progress` (the job as JSON) on every
    change, then one `end` with the finished job."""
    first = await run_in_threadpool(runner.get, job_id)  # 404 before the stream starts

    async def events() -> AsyncIterator[str]:
        job, sent, quiet_since = first, -1, time.monotonic()
        while True:
            if job.revision != sent:
                kind = "end" if job.state.finished else "progress"
                yield f"event: {kind}\nid: {job.revision}\ndata: {job.model_dump_json()}\n\n"
                sent, quiet_since = job.revision, time.monotonic()
                if job.state.finished:
                    return
            elif time.monotonic() - quiet_since > HEARTBEAT_SECONDS:
                yield ": still running\n\n"
                quiet_since = time.monotonic()
            if await request.is_disconnected():
                return
            await asyncio.sleep(POLL_SECONDS)
            live = runner.peek(job_id)
            job = live if live is not None else await run_in_threadpool(runner.get, job_id)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
