"""The library's job log: what a server was asked to write (ingest, reembed, refresh), and how
far each got, kept in the library itself so a restarted server finds its unfinished jobs.

One small table, `jobs`: a row per job, the job as JSON beside the columns a listing sorts
and filters on. Made on first use, so libraries that never served are unchanged.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pyarrow as pa

from latentdam.store.side import SideTable
from latentdam.store.store import LibraryStore, in_list, quote

JOBS_TABLE = "jobs"
_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string(), nullable=False),
        pa.field("state", pa.string()),
        pa.field("created_at", pa.timestamp("us", tz="UTC")),
        pa.field("body", pa.string()),  # the job, as JSON
    ]
)


class JobLog:
    """Read and write job records (plain dicts; jobs/record.py gives them their type)."""

    def __init__(self, store: LibraryStore) -> None:
        self._side = SideTable(store, JOBS_TABLE, _SCHEMA, key="id")

    def save(self, job: dict[str, Any]) -> None:
        row = {
            "id": job["id"],
            "state": job["state"],
            "created_at": datetime.fromisoformat(job["created_at"]),
            "body": json.dumps(job),
        }
        self._side.upsert(row)

    def get(self, job_id: str) -> dict[str, Any] | None:
        table = self._side.table()
        if table is None:
            return None
        rows = table.search().where(f"id = {quote(job_id)}").select(["body"]).limit(1).to_list()
        return json.loads(rows[0]["body"]) if rows else None

    def recent(self, limit: int, states: list[str] | None = None) -> list[dict[str, Any]]:
        """The newest jobs first (of the given states, if any)."""
        table = self._side.table()
        if table is None:
            return []
        query = table.search()
        if states:
            query = query.where(in_list("state", states))
        rows = query.select(["created_at", "body"]).limit(None).to_list()
        rows.sort(key=lambda r: r["created_at"], reverse=True)
        return [json.loads(r["body"]) for r in rows[:limit]]
