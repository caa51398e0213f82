"""Fusion turns several ranked lists (one per signal) into one ranking."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from latentdam.search.signal import Signal

# One signal's ranked list: (asset id, raw score), best first.
Ranking = list[tuple[str, float]]


class Fusion(Protocol):
    def fuse(self, rankings: Mapping[Signal, Ranking]) -> list[tuple[str, float]]:
        """(asset id, fused score), best first, over the union of the lists."""
        ...
