"""What long operations report as they go and when done: light records with no heavy imports,
so an interface can show them without loading the store or a model."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from latentdam.errors import InvalidSetting


@dataclass(frozen=True, slots=True)
class Skipped:
    path: str
    reason: str


@dataclass(slots=True)
class IngestReport:
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

    @property
    def changed(self) -> int:
        """Files that changed what the library holds: new assets, new content, new paths."""
        return self.added + self.updated + self.copies + self.moved

    @property
    def seen(self) -> int:
        return self.changed + self.unchanged + len(self.failed)

    def to_dict(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "copies": self.copies,
            "moved": self.moved,
            "unchanged": self.unchanged,
            "gone": self.gone,
            "orphaned": self.orphaned,
            "failed": [{"path": s.path, "reason": s.reason} for s in self.failed],
            "warnings": [{"path": s.path, "reason": s.reason} for s in self.warnings],
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
        }


@dataclass(slots=True)
class TagReport:
    tagged: int = 0  # assets whose tags changed
    reembedded: int = 0  # of those, re-embedded (tags are part of the embedded text)
    cancelled: bool = False  # tagging is one step: never cancelled midway
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "tagged": self.tagged,
            "reembedded": self.reembedded,
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
        }


@dataclass(slots=True)
class MapReport:
    space: str = ""
    assets: int = 0  # assets on the map
    neighbourhoods: int = 0
    projection: str = ""  # umap, or pca for a tiny library
    cancelled: bool = False  # one step: never cancelled midway
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "space": self.space,
            "assets": self.assets,
            "neighbourhoods": self.neighbourhoods,
            "projection": self.projection,
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
        }


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
class PruneReport:
    removed: list[str] = field(default_factory=list)  # ids of assets with no file left
    files: int = 0  # file records of vanished paths dropped with them
    dry_run: bool = False
    cancelled: bool = False  # one step: never cancelled midway
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "removed": self.removed,
            "files": self.files,
            "dry_run": self.dry_run,
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
        }


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
class ExportReport:
    path: str
    format: ExportFormat
    assets: int = 0
    vectors: list[str] = field(default_factory=list)  # spaces whose vectors are in it
    cancelled: bool = False  # stopped on request: no file was written
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": str(self.format),
            "assets": self.assets,
            "vectors": self.vectors,
            "cancelled": self.cancelled,
            "seconds": round(self.seconds, 3),
        }
