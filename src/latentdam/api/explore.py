"""The explore map over HTTP. A map takes seconds to minutes (UMAP), so it is never computed
inside a request: the library keeps one per space, and when it is missing or stale the
request queues a map job (one at a time, whoever asks) and answers at once — 202 with the
job while there is no map yet, else the kept map marked `stale` with the job's id."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from latentdam.api.deps import LibraryDep, require
from latentdam.api.jobs import RunnerDep
from latentdam.api.keys import ApiKey, Scope
from latentdam.embed.space import SPACE_NAME
from latentdam.errors import LibraryBusy
from latentdam.jobs import Job, MapJob
from latentdam.search.explore import ExploreMap

router = APIRouter(tags=["search"])
SearchKey = Annotated[ApiKey | None, Depends(require(Scope.SEARCH))]


class MapPending(BaseModel):
    status: Literal["computing"] = "computing"
    job: Job


@router.get("/v1/explore", response_model=ExploreMap, responses={202: {"model": MapPending}})
async def explore(
    lib: LibraryDep,
    runner: RunnerDep,
    key: SearchKey,
    space: Annotated[str | None, Query(pattern=SPACE_NAME)] = None,
) -> Any:
    """The library's neighbourhoods (clusters named by their typical prompt words, with the
    assets nearest each centre) and a 2-D map of the space. Asking for it keeps it current:
    a missing or stale map queues a map job (the `search` scope is enough: it writes only
    derived data)."""
    kept = await run_in_threadpool(lambda: lib.explore(space, compute=False))
    if kept is not None and not kept.stale:
        return kept
    requested_by = key.id if key else None
    try:
        job = await run_in_threadpool(lambda: runner.ensure(MapJob(space=space), requested_by=requested_by))
    except LibraryBusy:
        if kept is None:
            raise
        return kept  # another process is writing: the stale map now, a current one later
    if kept is None:
        return JSONResponse(MapPending(job=job).model_dump(mode="json"), status_code=202)
    return kept.model_copy(update={"refreshing": job.id})
