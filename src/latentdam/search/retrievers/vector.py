"""Nearest neighbours of the query's vector in one embedding space."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from latentdam.embed.space import Space
from latentdam.search.fusion import Ranking
from latentdam.search.plan import QueryInput, QueryPlan
from latentdam.search.signal import Signal, signal_of
from latentdam.store.store import LibraryStore


@dataclass(frozen=True, slots=True)
class VectorRetriever:
    space: Space
    store: LibraryStore
    # the query's vector in a space, or None when the space cannot see this query
    query_vector: Callable[[Space, QueryInput], np.ndarray | None]

    @property
    def signal(self) -> Signal:
        return signal_of(self.space)

    def retrieve(self, plan: QueryPlan) -> Ranking | None:
        if self.signal not in plan.wanted:
            return None
        vector = self.query_vector(self.space, plan.embedded)
        return (
            None if vector is None else self.store.vector_search(self.space, vector, plan.where, plan.depth)
        )
