"""What a search returns: fused hits that keep every signal's own rank and raw score."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from latentdam.search.explanation import Explanation
from latentdam.search.facets import Facets
from latentdam.search.query import SearchQuery
from latentdam.search.signal import Signal
from latentdam.store.asset import Asset


class Status(StrEnum):
    OK = "ok"
    NO_MATCH = "no_match"  # candidates exist, none is likely enough relevant
    NO_CANDIDATES = "no_candidates"  # the filters leave no asset to consider


class SignalScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    rank: int = Field(description="1-based rank within that signal's own list")
    score: float = Field(description="the signal's raw score (cosine, BM25, ...)")


class SearchHit(BaseModel):
    id: str
    path: str
    score: float = Field(description="fused score: higher is better; comparable within one result list only")
    signals: dict[Signal, SignalScore]
    asset: Asset
    # P(relevant) from the library's relevance model (search/relevance.py), which also decided
    # the order; None where nothing judges relevance (filters alone, `similar`)
    confidence: float | None = Field(
        default=None, description="P(relevant); none for filters alone and similar"
    )
    band: str | None = Field(default=None, description="strong / related / weak / below")
    explanation: Explanation | None = None

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=False)


class SearchResult(BaseModel):
    query: SearchQuery
    status: Status
    results: list[SearchHit] = Field(default_factory=list)
    spaces: list[str] = Field(default_factory=list, description="embedding spaces that answered")
    closest: SearchHit | None = Field(
        default=None, description="with no_match: the best suppressed candidate"
    )
    expanded_terms: list[str] = Field(
        default_factory=list, description="library words the query was expanded with"
    )
    ordering: str = Field(default="relevance", description="what the order of `results` means, in words")
    closest_why: str | None = Field(default=None, description="with no_match: why `closest` fell short")
    message: str | None = Field(default=None, description="with no_candidates: what the filters excluded")
    notes: list[str] = Field(default_factory=list, description="warnings about how the query was run")
    facets: Facets | None = Field(default=None, description="with `facets`: counts over the matching set")
    next_cursor: str | None = Field(
        default=None,
        description="opaque: pass as `cursor` (same query) for the next page; none when this is the last",
    )

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
