"""Assets that carry what the query names literally (search/literal.py); the score is the
share of the query's needles an asset carries."""

from __future__ import annotations

from dataclasses import dataclass

from latentdam.search.fusion import Ranking
from latentdam.search.literal import literal_matches
from latentdam.search.plan import QueryPlan
from latentdam.search.signal import Signal
from latentdam.store.store import LibraryStore


@dataclass(frozen=True, slots=True)
class LiteralRetriever:
    store: LibraryStore
    signal: Signal = Signal.LITERAL

    def retrieve(self, plan: QueryPlan) -> Ranking | None:
        text = plan.given.text
        if not text or plan.given.text_from_image or Signal.LITERAL not in plan.wanted:
            return None
        found = literal_matches(self.store, list(plan.needles), text, plan.where)
        if not found:
            return None
        needles = max(len(plan.needles), 1)
        ranked = sorted(found.items(), key=lambda item: (-len(item[1]), item[0]))
        return [(asset_id, min(1.0, len(carried) / needles)) for asset_id, carried in ranked]
