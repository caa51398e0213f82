"""What a search returns: fused hits that keep every signal's own rank and raw score."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from latentdam.search.query import SearchQuery
from latentdam.search.signal import Signal
from latentdam.store.asset import Asset


class Status(StrEnum):
    OK = "ok"
    NO_MATCH = "no_match"


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "path": self.path,
            "score": self.score,
            "signals": {str(k): {"rank": v.rank, "score": v.score} for k, v in self.signals.items()},
            "record": self.record.to_dict(),
        }


@dataclass(slots=True)
class SearchResult:
    query: SearchQuery
    status: Status
    results: list[SearchHit] = field(default_factory=list)
    spaces: list[str] = field(default_factory=list)  # embedding spaces that answered

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": str(self.status),
            "query": self.query.model_dump(mode="json"),
            "spaces": self.spaces,
            "results": [hit.to_dict() for hit in self.results],
        }
