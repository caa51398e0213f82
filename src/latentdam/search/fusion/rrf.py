"""Weighted reciprocal rank fusion (Cormack, Clarke & Büttcher, SIGIR 2009).

RRF uses ranks, not scores, so signals on incomparable scales (cosine in [-1, 1], BM25 in
[0, ∞)) fuse without calibration: score(d) = Σ_signal w_signal / (k + rank_signal(d)).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field

from latentdam.search.fusion.base import Ranking
from latentdam.search.signal import Signal


@dataclass(frozen=True, slots=True)
class ReciprocalRankFusion:
    k: int = 60
    weights: Mapping[Signal, float] = field(default_factory=dict)  # missing signal: weight 1

    def fuse(
        self, rankings: Mapping[Signal, Ranking], weights: Mapping[Signal, float] | None = None
    ) -> list[tuple[str, float]]:
        weights = self.weights if weights is None else weights
        scores: dict[str, float] = defaultdict(float)
        for signal, ranking in rankings.items():
            weight = weights.get(signal, 1.0)
            for rank, (asset_id, _) in enumerate(ranking, start=1):
                scores[asset_id] += weight / (self.k + rank)
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
