"""Weighted sum of min-max normalised scores (LanceDB's LinearCombinationReranker idea).

Unlike RRF it keeps score gaps: a clear semantic winner stays ahead of keyword noise. Each
list is scaled to [0, 1] on its own; an asset missing from a list contributes 0 there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from latentdam.search.fusion.base import Ranking, WeightedSum
from latentdam.search.signal import Signal


def _min_max(ranking: Ranking) -> dict[str, float]:
    if not ranking:
        return {}
    scores = [s for _, s in ranking]
    low, high = min(scores), max(scores)
    if high == low:
        return {asset_id: 1.0 for asset_id, _ in ranking}
    return {asset_id: (s - low) / (high - low) for asset_id, s in ranking}


@dataclass(frozen=True, slots=True)
class LinearFusion(WeightedSum):
    weights: Mapping[Signal, float] = field(default_factory=dict)  # missing signal: weight 1

    def contributions(self, ranking: Ranking) -> Iterable[tuple[str, float]]:
        return _min_max(ranking).items()
