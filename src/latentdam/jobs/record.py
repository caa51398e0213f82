"""What a job is: the request it runs, its state, and how far it got (the pydantic records the
API returns and the job log keeps)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from latentdam.embed.space import SPACE_NAME
from latentdam.store.asset import ASSET_ID

JOB_ID = r"^[0-9a-f]{16}$"
_NO_NUL = r"^[^\x00]+$"  # no file system takes a NUL in a path


class JobKind(StrEnum):
    INGEST = "ingest"
    REEMBED = "reembed"
    REFRESH = "refresh"
    TAG = "tag"
    MAP = "map"
    PRUNE = "prune"
    OPTIMIZE = "optimize"


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"  # stopped on request; what it did is kept
    INTERRUPTED = "interrupted"  # the server stopped under it and did not resume it

    @property
    def finished(self) -> bool:
        return self not in (JobState.QUEUED, JobState.RUNNING)


class IngestJob(BaseModel):
    """Ingest folders or files the server can read (under the roots it was started with)."""

    kind: Literal[JobKind.INGEST] = JobKind.INGEST
    paths: list[Annotated[str, Field(min_length=1, max_length=4096, pattern=_NO_NUL)]] = Field(
        min_length=1,
        max_length=1000,
        description="absolute paths under a server root, or paths relative to the first root",
    )


class ReembedJob(BaseModel):
    """Embed the library with another model, then switch searches to it (`latentdam reembed`)."""

    kind: Literal[JobKind.REEMBED] = JobKind.REEMBED
    model: str = Field(
        min_length=1,
        max_length=500,
        pattern=_NO_NUL,
        description="a built-in model name, a hub id, or a model folder under a server root",
    )
    activate: bool = True


class RefreshJob(BaseModel):
    """Recompute stored texts after an upgrade and repair duplicates (`latentdam refresh`)."""

    kind: Literal[JobKind.REFRESH] = JobKind.REFRESH


_TAG = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f]+$")]


class TagJob(BaseModel):
    """Add and remove tags on assets; they are searchable when the job is done."""

    kind: Literal[JobKind.TAG] = JobKind.TAG
    ids: list[Annotated[str, Field(pattern=ASSET_ID)]] = Field(min_length=1, max_length=1000)
    add: list[_TAG] = Field(default_factory=list, max_length=20)
    remove: list[_TAG] = Field(default_factory=list, max_length=20)


class MapJob(BaseModel):
    """Compute the explore map of a space (neighbourhoods and a UMAP projection) and keep it.
    `GET /v1/explore` queues one itself when the kept map is missing or stale."""

    kind: Literal[JobKind.MAP] = JobKind.MAP
    space: str | None = Field(default=None, pattern=SPACE_NAME, description="default: the active text space")


class PruneJob(BaseModel):
    """Remove the assets whose files are all gone (`latentdam prune`)."""

    kind: Literal[JobKind.PRUNE] = JobKind.PRUNE
    dry_run: bool = Field(default=False, description="only list what would be removed")


class OptimizeJob(BaseModel):
    """Build due indexes, compact, recount the vocabulary and refit the relevance models
    (`latentdam optimize`)."""

    kind: Literal[JobKind.OPTIMIZE] = JobKind.OPTIMIZE


JobRequest = Annotated[
    IngestJob | ReembedJob | RefreshJob | TagJob | MapJob | PruneJob | OptimizeJob,
    Field(discriminator="kind"),
]


class Job(BaseModel):
    id: str = Field(pattern=JOB_ID)
    request: JobRequest
    state: JobState = JobState.QUEUED
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    total: int | None = Field(default=None, description="files or assets to go through, once known")
    done: int = 0
    report: dict[str, Any] = Field(
        default_factory=dict,
        description="the operation's report so far: counts, and per-file errors under `failed`",
    )
    error: str | None = None
    hint: str | None = None
    requested_by: str | None = Field(default=None, description="the id of the API key that asked")
    origin: str = Field(default="api", description="api (a job route) or upload (an upload's ingest)")
    resumes: int = Field(default=0, description="how often a restarted server resumed it")
    cancel_requested: bool = False
    revision: int = Field(default=0, description="bumped on every change (progress streams)")

    @property
    def kind(self) -> JobKind:
        return self.request.kind
