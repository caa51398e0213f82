"""Fusion turns several ranked lists (one per signal) into one ranking."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Protocol

from latentdam.search.signal import Signal

# One signal's ranked list: (asset id, raw score), best first.
Ranking = list[tuple[str, float]]


class Fusion(Protocol):
    def fuse(
        self, rankings: Mapping[Signal, Ranking], weights: Mapping[Signal, float] | None = None
    ) -> list[tuple[str, float]]:
        """(asset id, fused score), best first, over the union of the lists. `weights`
        (missing signal: 1.0) override the fusion's own for this call."""
        ...


class WeightedSum:
    """Fusions that add up, per asset, a weighted contribution from each signal's list;
    subclasses say what one list contributes. Ties break by asset id, for stable output."""

    weights: Mapping[Signal, float]

    def contributions(self, ranking: Ranking) -> Iterable[tuple[str, float]]:
        raise TypeError(f"{type(self).__name__} must define contributions()")

    def fuse(
        self, rankings: Mapping[Signal, Ranking], weights: Mapping[Signal, float] | None = None
    ) -> list[tuple[str, float]]:
        weights = self.weights if weights is None else weights
        scores: dict[str, float] = defaultdict(float)
        for signal, ranking in rankings.items():
            weight = weights.get(signal, 1.0)
            for asset_id, value in self.contributions(ranking):
                scores[asset_id] += weight * value
        return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
