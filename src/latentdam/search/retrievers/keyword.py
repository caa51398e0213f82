"""BM25 over the assets' keyword text: with the query's own words, or with the library words
nearest the query (expansion)."""

from __future__ import annotations

from dataclasses import dataclass

from latentdam.search.fusion import Ranking
from latentdam.search.plan import QueryPlan
from latentdam.search.signal import Signal
from latentdam.store.store import LibraryStore


@dataclass(frozen=True, slots=True)
class KeywordRetriever:
    store: LibraryStore
    signal: Signal = Signal.KEYWORD

    def retrieve(self, plan: QueryPlan) -> Ranking | None:
        text = plan.given.text
        if not (plan.keyword and text and Signal.KEYWORD in plan.wanted):
            return None
        return self.store.keyword_search(text, plan.where, plan.depth)


@dataclass(frozen=True, slots=True)
class ExpansionRetriever:
    store: LibraryStore
    signal: Signal = Signal.EXPANSION

    def retrieve(self, plan: QueryPlan) -> Ranking | None:
        if not plan.terms or Signal.EXPANSION not in plan.wanted:
            return None
        return self.store.keyword_search(" ".join(plan.terms), plan.where, plan.depth)
