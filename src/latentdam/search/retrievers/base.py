"""The retriever protocol."""

from __future__ import annotations

from typing import Protocol

from latentdam.search.fusion import Ranking
from latentdam.search.plan import QueryPlan
from latentdam.search.signal import Signal


class Retriever(Protocol):
    @property
    def signal(self) -> Signal: ...

    def retrieve(self, plan: QueryPlan) -> Ranking | None:
        """(asset id, raw score) best first, or None when this signal does not run."""
        ...
