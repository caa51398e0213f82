"""What each command's `--json` prints: one documented shape per command (`latentdam schema
COMMAND`), built from the same records the Python API returns and the HTTP API serves.

Loaded only by `latentdam schema` and the tests: it imports the library's records."""

from typing import Any

from pydantic import BaseModel, Field, TypeAdapter

from latentdam.api.keys import ApiKey
from latentdam.library import DuplicateGroup, LibraryStats, SpaceSummary
from latentdam.migrate import ReembedReport
from latentdam.refresh import RefreshReport
from latentdam.reports import ExportReport, IngestReport, OptimizeReport, PruneReport
from latentdam.search.result import SearchResult
from latentdam.store.asset import Asset


class DuplicateList(BaseModel):
    groups: list[DuplicateGroup]


class SpaceList(BaseModel):
    spaces: list[SpaceSummary]


class KeyList(BaseModel):
    keys: list[ApiKey]


class NewKey(ApiKey):
    token: str = Field(description="the secret, shown this once")


OUTPUTS: dict[str, Any] = {
    "ingest": IngestReport,
    "search": SearchResult,
    "similar": SearchResult,
    "duplicates": DuplicateList,
    "reembed": ReembedReport,
    "refresh": RefreshReport,
    "show": Asset,
    "stats": LibraryStats,
    "prune": PruneReport,
    "optimize": OptimizeReport,
    "export": ExportReport,
    "spaces": SpaceList,
    "keys create": NewKey,
    "keys list": KeyList,
}


def json_schema(command: str) -> dict[str, Any]:
    """The JSON Schema of `latentdam COMMAND --json`'s output."""
    schema: dict[str, Any] = TypeAdapter(OUTPUTS[command]).json_schema(mode="serialization")
    schema["title"] = f"latentdam {command} --json"
    return schema
