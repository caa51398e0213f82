"""A small table of the library's own beside the assets (the job log, the explore maps):
made on first write, so libraries that never need it are unchanged; rows keyed by one
column and written one at a time from this process, so its commits never conflict."""

from __future__ import annotations

import threading
from typing import Any

import pyarrow as pa

from latentdam.store.store import LibraryStore


class SideTable:
    def __init__(self, store: LibraryStore, name: str, schema: pa.Schema, key: str) -> None:
        self._store = store
        self._name = name
        self._schema = schema
        self._key = key
        self._table: Any = None
        self._writes = threading.Lock()

    def table(self) -> Any | None:
        """The LanceDB table, or None while nothing was ever written to it."""
        if self._table is None:
            self._table = self._store.side_table(self._name)
        return self._table

    def upsert(self, row: dict[str, Any]) -> None:
        with self._writes:
            if self._table is None:
                self._table = self._store.side_table(self._name, self._schema)
            assert self._table is not None
            self._table.merge_insert(
                self._key
            ).when_matched_update_all().when_not_matched_insert_all().execute(
                pa.Table.from_pylist([row], schema=self._schema)
            )
