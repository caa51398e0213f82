"""The manifest, read as one immutable value per table version.

The manifest table holds the library's small shared state (schema version, spaces, the active
set, calibrations, relevance models, the text recipe, vocabulary versions) as key/value rows.
Another process may commit to it at any time (an ingest, a model switch), so an operation
reads it once, as a `Manifest` tied to the table version it saw, and every cache derived from
it keys on that version: nothing an operation reads can mix two states of the library.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from latentdam.embed.space import Space


@dataclass(frozen=True, slots=True)
class Manifest:
    version: int  # the manifest table's version this was read at
    values: Mapping[str, Any]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    @property
    def spaces(self) -> tuple[Space, ...]:
        """Every space present in the library (active or being backfilled)."""
        return tuple(Space.from_dict(d) for d in self.get("spaces") or [])

    @property
    def active(self) -> tuple[Space, ...]:
        """The spaces that answer searches."""
        names = set(self.get("active") or [])
        return tuple(s for s in self.spaces if s.name in names)


class ManifestReader:
    """Reads a manifest table into `Manifest` values, once per table version (thread-safe)."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._lock = threading.Lock()
        self._last: Manifest | None = None

    def read(self) -> Manifest:
        version = int(self._table.version)  # checks for other processes' commits, per the interval
        with self._lock:
            if self._last is None or self._last.version != version:
                rows = self._table.to_arrow().to_pylist()  # a few rows: one scan
                values = {row["key"]: json.loads(row["value"]) for row in rows}
                self._last = Manifest(version, MappingProxyType(values))
            return self._last
