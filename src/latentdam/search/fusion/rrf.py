"""Weighted reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009).

RRF uses ranks, not scores, so signals on incomparable scales (cosine in [-1, 1], BM25 in
[0, ∞)) fuse without calibration: score(d) = Σ_signal w_signal / (k + rank_signal(d)).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from latentdam.search.fusion.base import Ranking, WeightedSum
from latentdam.search.signal import Signal


@dataclass(frozen=True, slots=True)
class ReciprocalRankFusion(WeightedSum):
    k: int = 60
    weights: Mapping[Signal, float] = field(default_factory=dict)  # missing signal: weight 1

    def contributions(self, ranking: Ranking) -> Iterable[tuple[str, float]]:
        return ((asset_id, 1.0 / (self.k + rank)) for rank, (asset_id, _) in enumerate(ranking, start=1))
