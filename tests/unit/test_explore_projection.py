"""The explore map's projection: UMAP (umap-learn) keeps neighbours near, PCA for tiny sets."""

from __future__ import annotations

import numpy as np

from latentdam.search.explore import UMAP_MIN_ASSETS, project


def _clusters(n_per: int, k: int, dim: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """k tight groups of unit vectors around random centres (as prompts gather by subject)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((k, dim))
    labels = np.repeat(np.arange(k), n_per)
    vectors = centres[labels] + 0.15 * rng.standard_normal((k * n_per, dim))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), labels


def test_umap_keeps_each_point_among_its_own_group() -> None:
    vectors, labels = _clusters(n_per=25, k=6)
    xy, method = project(vectors)
    assert method == "umap" and xy.shape == (150, 2) and np.isfinite(xy).all()
    # a point's nearest map neighbour is from its own group: the map shows the neighbourhoods
    distance = np.linalg.norm(xy[:, None] - xy[None], axis=2)
    np.fill_diagonal(distance, np.inf)
    assert (labels[distance.argmin(axis=1)] == labels).mean() > 0.95


def test_tiny_sets_get_pca_and_never_fail() -> None:
    for n in (0, 1, 2, UMAP_MIN_ASSETS - 1):
        xy, method = project(_clusters(max(n, 1), 1)[0][:n])
        assert xy.shape == (n, 2) and method == "pca"
