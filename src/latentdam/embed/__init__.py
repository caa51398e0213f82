"""Embedders and the registry of embedding spaces."""

from __future__ import annotations

from latentdam.embed.base import TextEmbedder
from latentdam.embed.sentence_transformer import SentenceTransformerEmbedder, minilm_path
from latentdam.embed.space import SPACES, Modality, Space, get_space
from latentdam.errors import ModelUnavailable


def load_text_embedder(space_name: str, device: str | None = None) -> TextEmbedder:
    """The embedder for a registered text space (lazy: weights load on first use)."""
    space = get_space(space_name)
    if space.backend == "sentence-transformers":
        return SentenceTransformerEmbedder(space, minilm_path(), device=device)
    raise ModelUnavailable(
        f"space {space.name!r} uses backend {space.backend!r}, which cannot embed text", model=space.model_id
    )


__all__ = ["SPACES", "Modality", "Space", "TextEmbedder", "get_space", "load_text_embedder"]
