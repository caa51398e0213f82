"""The explore maps a library keeps: one per embedding space, as computed at one library
version (search/explore.py makes them and gives them their type; a server makes them in
the background).

One small table, `maps`: a row per space, the map as JSON. Made on first use, so libraries
that were never explored are unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from latentdam.store.side import SideTable
from latentdam.store.store import LibraryStore, quote

MAPS_TABLE = "maps"
_SCHEMA = pa.schema(
    [
        pa.field("space", pa.string(), nullable=False),
        pa.field("version", pa.int64()),
        pa.field("computed_at", pa.timestamp("us", tz="UTC")),
        pa.field("body", pa.large_string()),  # the ExploreMap, as JSON
    ]
)


class MapStore:
    def __init__(self, store: LibraryStore) -> None:
        self._side = SideTable(store, MAPS_TABLE, _SCHEMA, key="space")

    def save(self, space: str, version: int, body: str) -> None:
        """Keep a space's map (`body`: search.explore.ExploreMap as JSON) as of a version."""
        row = {"space": space, "version": version, "computed_at": datetime.now(UTC), "body": body}
        self._side.upsert(row)

    def version(self, space: str) -> int | None:
        """The library version the kept map of a space was computed at (None: no map)."""
        rows = self._rows(space, ["version"])
        return int(rows[0]["version"]) if rows else None

    def load(self, space: str) -> str | None:
        rows = self._rows(space, ["body"])
        return str(rows[0]["body"]) if rows else None

    def _rows(self, space: str, columns: list[str]) -> list[dict[str, Any]]:
        table = self._side.table()
        if table is None:
            return []
        table.checkout_latest()  # another process (the server's job) may have written it
        return list(table.search().where(f"space = {quote(space)}").select(columns).limit(1).to_list())
