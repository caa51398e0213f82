"""The embedder contract. Creating one is free; weights load on first use (`load()`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from latentdam.embed.space import Space


class TextEmbedder(Protocol):
    space: Space

    def load(self) -> None:
        """Load the model; safe to call twice and from several threads."""

    def unload(self) -> None:
        """Free the model's memory; the next embed call loads it again."""

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised: texts describing stored assets."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32, L2-normalised: a user's search text."""
        ...
