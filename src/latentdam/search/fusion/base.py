"""Fusion turns several ranked lists (one per signal) into one ranking."""

from __future__ import annotations

from collections.abc import Mapping
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
