"""What long operations report as they go and when done: light records with no heavy imports,
so an interface can show them without loading the store or a model."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, ClassVar, Protocol

from pydantic import TypeAdapter

from latentdam.errors import InvalidSetting

_ADAPTERS: dict[type, TypeAdapter[Any]] = {}  # built once per record type (~1 ms each)


def _adapter(kind: type) -> TypeAdapter[Any]:
    adapter = _ADAPTERS.get(kind)
    if adapter is None:
        adapter = _ADAPTERS[kind] = TypeAdapter(kind)
    return adapter


class JsonRecord:
    """A record whose JSON (`--json`, the API, a job's report) is its fields, serialised by
    pydantic: the dataclass is the one place its shape is written, and `json_schema()`
    documents it (`latentdam schema COMMAND`)."""

    __slots__ = ()
    __dataclass_fields__: ClassVar[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = _adapter(type(self)).dump_python(self, mode="json")
        return data

    @classmethod
    def json_schema(cls) -> dict[str, Any]:
        schema: dict[str, Any] = _adapter(cls).json_schema(mode="serialization")
        return schema


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str


@dataclass(slots=True)
class IngestReport(JsonRecord):
    added: int = 0  # new assets
    updated: int = 0  # known files whose content changed
    copies: int = 0  # new files holding bytes the library already has (another file of them is there)
    moved: int = 0  # files found at a new path, their bytes' old path gone
    unchanged: int = 0
    failed: list[Skipped] = field(default_factory=list)
    warnings: list[Skipped] = field(default_factory=list)  # indexed, but something was off
    gone: int = 0  # files known under the folders ingested that are no longer there
    orphaned: int = 0  # of their assets, those left with no file at all (`prune` removes them)
    cancelled: bool = False  # stopped on request; what was done before is kept
    seconds: float = 0.0
    # where the seconds went: scan (listing, stat), read (decode, hash, thumbnail, metadata:
    # waiting on the reading workers), embed, commit (the writes), index (indexes after the
    # writes), derived (vocabulary, calibrations, relevance models); with the Ray engine,
    # read includes the embedding, which its actors do before the files come back
    stages: dict[str, float] = field(default_factory=dict)
    library: str = ""  # the library ingested into
    engine: str = "local"  # where the files were read and embedded: local, ray

    @contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        """Count the time spent inside towards one of `stages`."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add_time(stage, time.perf_counter() - started)

    def add_time(self, stage: str, seconds: float) -> None:
        """Count seconds spent elsewhere (another thread) towards one of `stages`."""
        self.stages[stage] = round(self.stages.get(stage, 0.0) + seconds, 4)

    @property
    def changed(self) -> int:
        """Files that changed what the library holds: new assets, new content, new paths."""
        return self.added + self.updated + self.copies + self.moved

    @property
    def seen(self) -> int:
        return self.changed + self.unchanged + len(self.failed)


@dataclass(slots=True)
class TagReport(JsonRecord):
    tagged: int = 0  # assets whose tags changed
    reembedded: int = 0  # of those, re-embedded (tags are part of the embedded text)
    cancelled: bool = False  # tagging is one step: never cancelled midway
    seconds: float = 0.0


@dataclass(slots=True)
class MapReport(JsonRecord):
    space: str = ""
    assets: int = 0  # assets on the map
    neighbourhoods: int = 0
    projection: str = ""  # umap, or pca for a tiny library
    cancelled: bool = False  # one step: never cancelled midway
    seconds: float = 0.0


class Report(Protocol):
    """What a long operation has done so far (IngestReport, ReembedReport, RefreshReport)."""

    cancelled: bool

    def to_dict(self) -> dict[str, Any]: ...


class IngestProgress:
    """Receives the progress of an ingest, reembed or refresh; the CLI draws a bar from it, a
    server job records it. The default does nothing and never cancels."""

    def start(self, total: int) -> None:
        pass

    def advance(self, items: int, report: Report) -> None:
        """`items` more are done; `report` is the operation's report so far."""

    @property
    def cancelled(self) -> bool:
        """Checked between batches: True stops the operation cleanly there (every committed
        batch is kept, the report says `cancelled`)."""
        return False


@dataclass(slots=True)
class PruneReport(JsonRecord):
    removed: list[str] = field(default_factory=list)  # ids of assets with no file left
    files: int = 0  # file records of vanished paths dropped with them
    dry_run: bool = False
    cancelled: bool = False  # one step: never cancelled midway
    seconds: float = 0.0


@dataclass(slots=True)
class OptimizeReport(JsonRecord):
    assets: int = 0
    backlog_before: int = 0  # rows outside an index, or small data files in rows' worth (see store)
    fragments_before: int = 0  # data files of the assets table
    fragments_after: int = 0
    ann_indexed: list[str] = field(default_factory=list)  # spaces searched through an ANN index now
    refitted: list[str] = field(default_factory=list)  # calibrations and relevance models fitted afresh
    cancelled: bool = False  # one step: never cancelled midway
    seconds: float = 0.0
    engine: str = "local"  # where the data files were compacted: local, ray


class ExportFormat(StrEnum):
    JSONL = "jsonl"
    CSV = "csv"
    PARQUET = "parquet"

    @classmethod
    def of(cls, path: Path) -> ExportFormat:
        """The format a file name asks for (records.jsonl, records.csv, records.parquet)."""
        suffix = path.suffix.lower().lstrip(".")
        aliases = {"ndjson": "jsonl", "pq": "parquet"}
        try:
            return cls(aliases.get(suffix, suffix))
        except ValueError:
            raise InvalidSetting(
                f"cannot tell the format of {path.name!r} from its extension: name it .jsonl,"
                " .csv or .parquet, or give --format"
            ) from None


@dataclass(slots=True)
class ExportReport(JsonRecord):
    path: str
    format: ExportFormat
    assets: int = 0
    vectors: list[str] = field(default_factory=list)  # spaces whose vectors are in it
    cancelled: bool = False  # stopped on request: no file was written
    seconds: float = 0.0
