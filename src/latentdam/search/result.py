"""What a search returns: fused hits that keep every signal's own rank and raw score."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from latentdam.search.explanation import Explanation
from latentdam.search.query import SearchQuery
from latentdam.search.signal import Signal
from latentdam.store.asset import Asset


class Status(StrEnum):
    OK = "ok"
    NO_MATCH = "no_match"  # candidates exist, none is likely enough relevant
    NO_CANDIDATES = "no_candidates"  # the filters leave no asset to consider


@dataclass(frozen=True, slots=True)
class SignalScore:
    rank: int  # 1-based rank within that signal's own list
    score: float  # the signal's raw score (cosine, BM25, ...)


@dataclass(slots=True)
class SearchHit:
    id: str
    path: str
    score: float  # fused score: higher is better; comparable within one result list only
    signals: dict[Signal, SignalScore]
    record: Asset
    # P(relevant) from the library's relevance model (search/relevance.py), which also decided
    # the order; None where nothing judges relevance (filters alone, `similar`)
    confidence: float | None = None
    band: str | None = None  # strong / related / weak / below
    explanation: Explanation | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "path": self.path,
            "score": self.score,
            "confidence": self.confidence,
            "band": self.band,
            "signals": {str(k): {"rank": v.rank, "score": v.score} for k, v in self.signals.items()},
            "record": self.record.to_dict(),
        }
        if self.explanation is not None:
            data["explanation"] = self.explanation.to_dict()
        return data


@dataclass(slots=True)
class SearchResult:
    query: SearchQuery
    status: Status
    results: list[SearchHit] = field(default_factory=list)
    spaces: list[str] = field(default_factory=list)  # embedding spaces that answered
    closest: SearchHit | None = None  # with status no_match: the best suppressed candidate
    expanded_terms: list[str] = field(default_factory=list)  # library words the query was expanded with
    ordering: str = "relevance"  # what the order of `results` means, in words
    closest_why: str | None = None  # with no_match: why `closest` fell short
    message: str | None = None  # with no_candidates: what the filters excluded
    notes: list[str] = field(default_factory=list)  # warnings about how the query was run

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": str(self.status),
            "query": self.query.model_dump(mode="json"),
            "spaces": self.spaces,
            "expanded_terms": self.expanded_terms,
            "results": [hit.to_dict() for hit in self.results],
            "closest": self.closest.to_dict() if self.closest else None,
            "closest_why": self.closest_why,
            "ordering": self.ordering,
            "message": self.message,
            "notes": self.notes,
        }
