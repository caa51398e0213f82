"""Near-duplicate groups: two items are linked when the cosine similarity of their vectors is
at least a threshold, and a group is a connected component of those links (so a~b and b~c
put a, b and c together even when a and c are further apart).

Exact — every pair is compared — but computed in tiles, so memory stays at one
`block x block` similarity tile however many vectors there are; scipy's connected_components
groups the links."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

# For the visual descriptor space (`visual_descriptor_v1`), from tests/unit/test_duplicates.py:
# 40 procedural bases (blocky patterns, blurred shapes on gradients, soft blobs, product shots
# on flat backgrounds) and 15 edits of each (JPEG q60/q95, WebP, 50%/200% resizes, 8-10%
# crops off one or two sides, brightness and contrast, 4px frames, a watermark line, a
# crop + resize + JPEG), 640 images, pairwise precision / recall of the groups:
#   0.62: 0.949 / 1.000   0.65-0.75: 1.000 / 1.000   0.80: 1.000 / 0.997
#   0.85: 1.000 / 0.988   0.88: 1.000 / 0.926        0.90: 1.000 / 0.835
# Procedural images are easier to tell apart than real ones: 28 real screenshots and photos
# (documentation images, no edits) score a median 0.42, 95th percentile 0.76 and max 0.86
# against each other, the highest being screenshots of one page template. So the default is
# not the middle of the procedural gap (0.65-0.75) but the highest threshold that still finds
# ~99% of the edits above: near-identical copies group, look-alikes mostly do not.
DEFAULT_DUPLICATE_THRESHOLD = 0.85

# float32 products of unit vectors are off by well under this; pairs this close to the
# threshold are re-checked in float64 so the boundary is exact.
_TOLERANCE = 1e-4


def _components(n: int, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """The connected component of each of n items, given links (rows[k], cols[k])."""
    graph = coo_array((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    return np.asarray(connected_components(graph, directed=False)[1])


def _forest(n: int, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Links with the components of (rows, cols) but at most n of them: each item linked to
    the first of its component. Keeps memory at O(n) when tiles are full of links (many
    copies of one image link every pair)."""
    labels = _components(n, rows, cols)
    first = np.full(labels.max() + 1, n)
    np.minimum.at(first, labels, np.arange(n))
    heads = first[labels]
    linked = heads != np.arange(n)
    return np.flatnonzero(linked), heads[linked]


def find_duplicate_groups(
    ids: Sequence[str], vectors: np.ndarray, threshold: float, *, block: int = 2048
) -> list[list[str]]:
    """Groups of ids whose vectors link (cosine similarity >= `threshold`) directly or through
    a chain of links. Each group is sorted; groups come largest first, then by first id;
    items linked to nothing are left out. Vectors need not be normalised; zero vectors link
    to nothing."""
    if block < 1:
        raise ValueError("block must be at least 1")
    vecs = np.asarray(vectors, dtype=np.float64)
    n = len(ids)
    if vecs.ndim != 2 or len(vecs) != n:
        raise ValueError(f"expected {n} vectors as an (n, dim) array, got shape {vecs.shape}")
    if n < 2:
        return []
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    valid = np.isfinite(norms[:, 0]) & (norms[:, 0] > 0)
    exact = np.where(valid[:, None], vecs / np.where(valid[:, None], norms, 1.0), 0.0)
    fast = exact.astype(np.float32)
    links_rows: list[np.ndarray] = []
    links_cols: list[np.ndarray] = []
    held = 0
    for r0 in range(0, n, block):
        r1 = min(r0 + block, n)
        for c0 in range(r0, n, block):
            c1 = min(c0 + block, n)
            sims = fast[r0:r1] @ fast[c0:c1].T
            rows, cols = np.nonzero(sims >= threshold - _TOLERANCE)
            if c0 == r0:  # the diagonal tile: each pair once, no self-links
                upper = cols > rows
                rows, cols = rows[upper], cols[upper]
            rows = rows + r0
            cols = cols + c0
            linkable = valid[rows] & valid[cols]
            rows, cols = rows[linkable], cols[linkable]
            near = sims[rows - r0, cols - c0] < threshold + _TOLERANCE
            if near.any():
                recheck = np.einsum("ij,ij->i", exact[rows[near]], exact[cols[near]]) >= threshold
                ok = np.ones(len(rows), dtype=bool)
                ok[near] = recheck
                rows, cols = rows[ok], cols[ok]
            links_rows.append(rows)
            links_cols.append(cols)
            held += len(rows)
            if held > 4 * n:
                forest = _forest(n, np.concatenate(links_rows), np.concatenate(links_cols))
                links_rows, links_cols, held = [forest[0]], [forest[1]], len(forest[0])
    labels = _components(n, np.concatenate(links_rows), np.concatenate(links_cols))
    groups: dict[int, list[str]] = {}
    for i, label in enumerate(labels.tolist()):
        groups.setdefault(label, []).append(ids[i])
    found = [sorted(g) for g in groups.values() if len(g) > 1]
    found.sort(key=lambda g: (-len(g), g[0]))
    return found
