"""A text embedder with no weights, for tests that are not about a model (`--model hash`,
space `test_hash_text`).

Feature hashing: each lower-cased word, and each pair of neighbouring words, adds ±1 to one
of the space's buckets chosen by its BLAKE2 digest; the sum is L2-normalised. Texts that share
words are near, texts that share none are orthogonal-ish, and the same text gets the same
vector bit for bit in any process, batch or order: what a test of ingest, search or a
distributed engine needs, at no model load. It says nothing about search quality.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from itertools import pairwise

import numpy as np

from latentdam.embed.space import HASH_TEXT, Space

_WORD = re.compile(r"\w+")


class HashEmbedder:
    def __init__(self, space: Space = HASH_TEXT) -> None:
        self.space = space

    def load(self) -> None:
        pass  # no weights

    def unload(self) -> None:
        pass

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        return np.stack([self._vector(text) for text in texts]) if texts else self._empty()

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_documents(texts)

    def knows_word(self, word: str) -> bool:
        return True  # every word has a bucket

    def _empty(self) -> np.ndarray:
        return np.zeros((0, self.space.dim), np.float32)

    def _vector(self, text: str) -> np.ndarray:
        words = _WORD.findall(text.lower())
        features = words + [f"{a} {b}" for a, b in pairwise(words)] or [""]
        vector = np.zeros(self.space.dim, np.float64)
        for feature in features:
            digest = hashlib.blake2b(feature.encode(), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.space.dim
            vector[bucket] += 1.0 if digest[4] & 1 else -1.0
        norm = float(np.linalg.norm(vector))
        if norm == 0.0:  # features that cancelled out: still a unit vector, still deterministic
            vector[0], norm = 1.0, 1.0
        return (vector / norm).astype(np.float32)
