"""The embedder contracts. Creating an embedder is free; weights load on first use."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, dim): many search texts in batches (what fitting a relevance model asks)."""
        ...

    def knows_word(self, word: str) -> bool:
        """Whether the model's vocabulary has the word (or its stem) as one token. A word it
        does not know, it reads as pieces without meaning ("rutkowski" -> ru ##tk ##ows ##ki),
        as it does most names: only literal matching can find such a word."""
        ...


# Inflections a tokenizer splits off a word it knows ("feathered" -> feather ##ed)
_INFLECTIONS = (
    ("s", ""), ("es", ""), ("ies", "y"), ("ed", ""), ("ed", "e"), ("ing", ""), ("ing", "e"),
    ("er", ""), ("ers", ""),
)  # fmt: skip
_MIN_STEM = 3


def is_whole_token(tokenize: Callable[[str], list[str]], word: str) -> bool:
    """knows_word for a tokenizer: the word or one of its stems is a single token."""
    stems = [word] + [
        word[: -len(suffix)] + stem
        for suffix, stem in _INFLECTIONS
        if word.endswith(suffix) and len(word) - len(suffix) >= _MIN_STEM
    ]
    return any(len(tokenize(stem)) == 1 for stem in stems)


@runtime_checkable
class ImageEmbedder(Embedder, Protocol):
    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        """(n, dim) float32, L2-normalised. Images arrive decoded (any mode, any size);
        the embedder does its own conversion and preprocessing."""
        ...
