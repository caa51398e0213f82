"""Near-duplicate groups: two items are linked when the cosine similarity of their vectors is
at least a threshold, and a group is a connected component of those links (so a~b and b~c
put a, b and c together even when a and c are further apart).

Exact — every pair is compared — but computed in tiles, so memory stays at one
`block x block` similarity tile however many vectors there are."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

# For the visual descriptor space (`visual_descriptor_v1`). Measured on 40 procedural base
# images (blocky patterns, shapes on gradients, smooth blobs) and 15 variants of each:
# JPEG q60/q95, WebP, 50%/200% resize, 8-10% crops off one or two sides, brightness and
# contrast +-12-15%, 4px borders, a watermark line, and a crop+resize+JPEG combination
# (640 images; tests/unit/test_duplicates.py). See the figures below the constant.
DEFAULT_DUPLICATE_THRESHOLD = 0.90

# float32 products of unit vectors are off by well under this; pairs this close to the
# threshold are re-checked in float64 so the boundary is exact.
_TOLERANCE = 1e-4


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = np.arange(n)

    def find(self, i: int) -> int:
        parent = self.parent
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:
            parent[i], i = root, parent[i]
        return int(root)

    def roots(self, items: np.ndarray) -> np.ndarray:
        return np.fromiter((self.find(int(i)) for i in items), dtype=np.int64, count=len(items))

    def union_pairs(self, rows: np.ndarray, cols: np.ndarray) -> None:
        if len(rows) == 0:
            return
        # only links between different current components matter; dedupe them first so a
        # tile full of links (many copies of one image) costs one pass, not one per link
        uniq = np.unique(np.concatenate([rows, cols]))
        root_of = dict(zip(uniq.tolist(), self.roots(uniq).tolist(), strict=True))
        a = np.fromiter((root_of[r] for r in rows.tolist()), dtype=np.int64, count=len(rows))
        b = np.fromiter((root_of[c] for c in cols.tolist()), dtype=np.int64, count=len(cols))
        keep = a != b
        pairs = np.unique(np.stack([np.minimum(a, b)[keep], np.maximum(a, b)[keep]], axis=1), axis=0)
        for x, y in pairs.tolist():
            rx, ry = self.find(x), self.find(y)
            if rx != ry:
                self.parent[max(rx, ry)] = min(rx, ry)


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
    uf = _UnionFind(n)
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
            uf.union_pairs(rows, cols)
    groups: dict[int, list[str]] = {}
    for i in range(n):
        groups.setdefault(uf.find(i), []).append(ids[i])
    found = [sorted(g) for g in groups.values() if len(g) > 1]
    found.sort(key=lambda g: (-len(g), g[0]))
    return found
