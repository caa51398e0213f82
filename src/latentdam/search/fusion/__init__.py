"""Pluggable rank fusion; reciprocal rank fusion is the default."""

from __future__ import annotations

from latentdam.search.fusion.base import Fusion, Ranking
from latentdam.search.fusion.linear import LinearFusion
from latentdam.search.fusion.rrf import ReciprocalRankFusion

__all__ = ["Fusion", "LinearFusion", "Ranking", "ReciprocalRankFusion"]
