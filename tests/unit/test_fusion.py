from __future__ import annotations

import pytest

from latentdam.search.fusion import LinearFusion, ReciprocalRankFusion
from latentdam.search.result import Signal


def test_rrf_sums_reciprocal_ranks_with_weights() -> None:
    fusion = ReciprocalRankFusion(k=60, weights={Signal.KEYWORD: 0.5})
    fused = dict(
        fusion.fuse(
            {
                Signal.SEMANTIC: [("a", 0.9), ("b", 0.8)],
                Signal.KEYWORD: [("b", 12.0), ("c", 3.0)],
            }
        )
    )
    assert fused["a"] == pytest.approx(1 / 61)
    assert fused["b"] == pytest.approx(1 / 62 + 0.5 / 61)
    assert fused["c"] == pytest.approx(0.5 / 62)


def test_rrf_ranks_agreement_first_and_breaks_ties_by_id() -> None:
    fused = ReciprocalRankFusion().fuse(
        {Signal.SEMANTIC: [("x", 1.0), ("y", 0.5)], Signal.KEYWORD: [("y", 2.0), ("x", 1.0)]}
    )
    assert [asset_id for asset_id, _ in fused] == ["x", "y"]
    only = ReciprocalRankFusion().fuse(
        {Signal.SEMANTIC: [("a", 0.1)], Signal.KEYWORD: [("b", 9.0), ("a", 1.0)]}
    )
    assert [asset_id for asset_id, _ in only] == ["a", "b"]


def test_linear_fusion_keeps_score_gaps() -> None:
    fused = dict(
        LinearFusion().fuse(
            {Signal.SEMANTIC: [("a", 0.9), ("b", 0.3), ("c", 0.1)], Signal.KEYWORD: [("c", 5.0), ("b", 1.0)]}
        )
    )
    assert fused["a"] == pytest.approx(1.0)
    assert fused["b"] == pytest.approx(0.25)
    assert fused["c"] == pytest.approx(1.0)
