"""The embedder contracts. Creating an embedder is free; weights load on first use."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from PIL import Image

from latentdam.embed.space import Space


@runtime_checkable
class Embedder(Protocol):
    space: Space

    def load(self) -> None:
        """Load the model; safe to call twice and from several threads."""

    def unload(self) -> None:
        """Free the model's memory; the next embed call loads it again."""


@runtime_checkable
class TextEmbedder(Embedder, Protocol):
    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim) float32, L2-normalised: texts describing stored assets."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """(dim,) float32, L2-normalised: a user's search text."""
        ...


@runtime_checkable
class ImageEmbedder(Embedder, Protocol):
    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """(n, dim) float32, L2-normalised. Images arrive decoded (any mode, any size);
        the embedder does its own conversion and preprocessing."""
        ...
