"""latentdam: search engine and asset library for AI-generated images.

The names below load on first use (PEP 562): `import latentdam` stays cheap, so a command
that only talks to a running server never pays for LanceDB and the model runtime.
"""

from __future__ import annotations

import importlib
from importlib import metadata
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from latentdam.config import Settings
    from latentdam.extract.record import GenerationRecord, LoRA, Tool
    from latentdam.library import Library, LibraryStats
    from latentdam.reports import ExportFormat, ExportReport, IngestReport, Skipped
    from latentdam.search.query import Filters, SearchQuery
    from latentdam.search.result import SearchHit, SearchResult, Signal, SignalScore, Status
    from latentdam.store.asset import Asset

try:  # one place for the version: the package's metadata (pyproject.toml)
    __version__ = metadata.version("latentdam")
except metadata.PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"

_WHERE = {
    "Settings": "latentdam.config",
    "GenerationRecord": "latentdam.extract.record",
    "LoRA": "latentdam.extract.record",
    "Tool": "latentdam.extract.record",
    "ExportFormat": "latentdam.reports",
    "ExportReport": "latentdam.reports",
    "IngestReport": "latentdam.reports",
    "Skipped": "latentdam.reports",
    "Library": "latentdam.library",
    "LibraryStats": "latentdam.library",
    "Filters": "latentdam.search.query",
    "SearchQuery": "latentdam.search.query",
    "SearchHit": "latentdam.search.result",
    "SearchResult": "latentdam.search.result",
    "Signal": "latentdam.search.result",
    "SignalScore": "latentdam.search.result",
    "Status": "latentdam.search.result",
    "Asset": "latentdam.store.asset",
}

__all__ = [
    "Asset",
    "ExportFormat",
    "ExportReport",
    "Filters",
    "GenerationRecord",
    "IngestReport",
    "Library",
    "LibraryStats",
    "LoRA",
    "SearchHit",
    "SearchQuery",
    "SearchResult",
    "Settings",
    "Signal",
    "SignalScore",
    "Skipped",
    "Status",
    "Tool",
    "__version__",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        from latentdam.extras import needs

        with needs("cli", f"latentdam.{name}"):
            value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'latentdam' has no attribute {name!r}")
