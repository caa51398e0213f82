"""Write jobs a server runs for its clients: ingest, reembed, refresh, tag, map, prune, optimize, one at a time, recorded
in the library so a restarted server resumes them (see runner.py)."""

from latentdam.jobs.record import (
    IngestJob,
    Job,
    JobKind,
    JobRequest,
    JobState,
    MapJob,
    OptimizeJob,
    PruneJob,
    ReembedJob,
    RefreshJob,
    TagJob,
)
from latentdam.jobs.runner import JobRunner

__all__ = [
    "IngestJob",
    "Job",
    "JobKind",
    "JobRequest",
    "JobRunner",
    "JobState",
    "MapJob",
    "OptimizeJob",
    "PruneJob",
    "ReembedJob",
    "RefreshJob",
    "TagJob",
]
