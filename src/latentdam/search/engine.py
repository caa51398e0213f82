"""Run a `SearchQuery`: one ranked list per signal, fused, then hydrated into hits."""

from __future__ import annotations

from latentdam.embed.base import TextEmbedder
from latentdam.search.filters import to_sql
from latentdam.search.fusion import Fusion, Ranking
from latentdam.search.query import SearchQuery
from latentdam.search.result import SearchHit, SearchResult, Signal, SignalScore, Status
from latentdam.store.asset import from_row
from latentdam.store.store import RESULT_COLUMNS, LibraryStore

# How deep each signal looks before fusion: deep enough that an asset ranked modestly by
# one signal and well by another still meets itself in the union.
MIN_CANDIDATES = 100
CANDIDATES_PER_RESULT = 5


class SearchEngine:
    def __init__(self, store: LibraryStore, embedder: TextEmbedder, fusion: Fusion) -> None:
        self.store = store
        self.embedder = embedder
        self.fusion = fusion

    def rankings(self, query: SearchQuery, text: str | None) -> dict[Signal, Ranking]:
        where = to_sql(query.filters)
        depth = max(MIN_CANDIDATES, query.limit * CANDIDATES_PER_RESULT)
        if text is None:
            return {Signal.FILTER: [(i, 1.0) for i in self.store.filter_ids(where, query.limit)]}
        wanted = query.signals or {Signal.SEMANTIC, Signal.KEYWORD}
        rankings: dict[Signal, Ranking] = {}
        if Signal.SEMANTIC in wanted:
            space = self.embedder.space
            self.store.ensure_space(space)
            vector = self.embedder.embed_query(text)
            rankings[Signal.SEMANTIC] = self.store.vector_search(space, vector, where, depth)
        if Signal.KEYWORD in wanted:
            rankings[Signal.KEYWORD] = self.store.keyword_search(text, where, depth)
        return rankings

    def run(self, query: SearchQuery, text: str | None) -> SearchResult:
        """`text` is what the text signals search for: the query text, or the prompt read
        from the query image."""
        rankings = self.rankings(query, text)
        fused = self.fusion.fuse(rankings)[: query.limit]
        positions = {
            signal: {asset_id: SignalScore(rank, score) for rank, (asset_id, score) in enumerate(ranking, 1)}
            for signal, ranking in rankings.items()
        }
        rows = self.store.rows([asset_id for asset_id, _ in fused], columns=RESULT_COLUMNS)
        hits = [
            SearchHit(
                id=asset_id,
                path=rows[asset_id]["path"],
                score=score,
                signals={s: p[asset_id] for s, p in positions.items() if asset_id in p},
                record=from_row(rows[asset_id]),
            )
            for asset_id, score in fused
            if asset_id in rows  # an asset deleted between retrieval and hydration
        ]
        return SearchResult(
            query=query,
            status=Status.OK if hits else Status.NO_MATCH,
            results=hits,
            space=self.embedder.space.name if text is not None else None,
        )
