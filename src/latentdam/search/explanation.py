"""Why a hit is in the results: the records an explanation is made of (search/explain.py
computes them; the CLI, --json and the API show them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from latentdam.search.signal import Signal


@dataclass(frozen=True, slots=True)
class SignalReason:
    signal: Signal
    rank: int  # 1-based rank within that signal's own list
    score: float  # the signal's raw score (cosine, BM25, ...)
    reason: str  # one line, e.g. "semantic #2: prompt meaning close to the query (cosine 0.52)"
    space: str | None = None  # the embedding space that answered, when known

    def to_dict(self) -> dict[str, Any]:
        return {
            "signal": str(self.signal),
            "rank": self.rank,
            "score": self.score,
            "space": self.space,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class PhraseMatch:
    phrase: str
    similarity: float  # cosine between the phrase and the searched text

    def to_dict(self) -> dict[str, Any]:
        return {"phrase": self.phrase, "similarity": self.similarity}


@dataclass(frozen=True, slots=True)
class FilterMatch:
    filter: str  # e.g. "model contains 'sdxl'"
    value: str | None  # the asset's value for it, e.g. "sd_xl_base_1.0.safetensors"; None: none
    holds: bool = True  # False only when the asset no longer satisfies it (e.g. edited since)

    def to_dict(self) -> dict[str, Any]:
        return {"filter": self.filter, "value": self.value, "holds": self.holds}


@dataclass(frozen=True, slots=True)
class LiteralMatch:
    needle: str  # what the query named, as typed
    field: str  # where the asset carries it: checkpoint, LoRA, ControlNet, file name, seed, prompt

    def to_dict(self) -> dict[str, Any]:
        return {"needle": self.needle, "field": self.field}


@dataclass(slots=True)
class Explanation:
    signals: list[SignalReason] = field(default_factory=list)  # best rank first
    literal: list[LiteralMatch] = field(default_factory=list)  # what the query named, found
    phrases: list[PhraseMatch] = field(default_factory=list)  # best first, at most TOP_PHRASES
    # query terms, then expansion terms, the index matches (no two with the same index tokens)
    keywords: list[str] = field(default_factory=list)
    filters: list[FilterMatch] = field(default_factory=list)

    def summary(self) -> str:
        """A few human-readable lines: signals, closest phrases, keywords, filters."""
        lines = [f"matched literally: {m.needle} ({m.field})" for m in self.literal]
        lines += [s.reason for s in self.signals]
        lines += [f'phrase "{p.phrase}" ({p.similarity:.2f})' for p in self.phrases]
        if self.keywords:
            lines.append("keywords: " + ", ".join(self.keywords))
        for f in self.filters:
            value = "(none)" if f.value is None else f.value
            lines.append(f"filter {f.filter}: {value}" + ("" if f.holds else " [does not hold]"))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "signals": [s.to_dict() for s in self.signals],
            "literal": [m.to_dict() for m in self.literal],
            "phrases": [p.to_dict() for p in self.phrases],
            "keywords": list(self.keywords),
            "filters": [f.to_dict() for f in self.filters],
        }

    def __str__(self) -> str:
        return self.summary()
