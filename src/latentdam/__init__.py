"""latentdam: search engine and asset library for AI-generated images."""

from __future__ import annotations

from latentdam.config import Settings
from latentdam.extract.record import GenerationRecord, LoRA, Tool
from latentdam.ingest import IngestReport, Skipped
from latentdam.library import Library, LibraryStats
from latentdam.search.query import Filters, SearchQuery
from latentdam.search.result import SearchHit, SearchResult, Signal, SignalScore, Status
from latentdam.store.asset import Asset

__version__ = "0.1.0"

__all__ = [
    "Asset",
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
