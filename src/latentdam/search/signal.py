"""The retrieval signals a search can fuse."""

from __future__ import annotations

from enum import StrEnum


class Signal(StrEnum):
    SEMANTIC = "semantic"  # cosine similarity in a text embedding space
    KEYWORD = "keyword"  # BM25 over the keyword text
    FILTER = "filter"  # matched the structured filters (filter-only queries)
