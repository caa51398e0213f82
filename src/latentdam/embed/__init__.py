"""Embedders and the registry of embedding spaces.

Backends are imported only when a space that needs them is used, so opening a library or
listing spaces costs no model import."""

from __future__ import annotations

from pathlib import Path

from latentdam.embed.base import Embedder, ImageEmbedder, TextEmbedder
from latentdam.embed.sentence_transformer import SentenceTransformerEmbedder, minilm_path
from latentdam.embed.space import BUILTIN_SPACES, Backend, Modality, Space, get_space
from latentdam.errors import ModelUnavailable

# Short names people type for the built-in spaces.
ALIASES = {
    "minilm": "text_minilm_l6",
    "all-minilm-l6-v2": "text_minilm_l6",
    "sentence-transformers/all-minilm-l6-v2": "text_minilm_l6",
    "visual": "visual_descriptor_v1",
}


def builtin_spaces() -> dict[str, Space]:
    """Spaces that exist without a model argument (the visual descriptor needs no weights)."""
    from latentdam.embed.visual import VISUAL_DESCRIPTOR

    return {**BUILTIN_SPACES, VISUAL_DESCRIPTOR.name: VISUAL_DESCRIPTOR}


def resolve_space(model: str) -> Space:
    """The space for a `--model` argument: a built-in space name or alias, a local directory
    holding a CLIP/SigLIP model, or a hub model id (from the local cache when offline)."""
    builtins = builtin_spaces()
    name = ALIASES.get(model.lower(), model)
    if name in builtins:
        return builtins[name]
    from latentdam.embed.clip import space_for_model

    return space_for_model(model)


def load_embedder(space: Space, device: str | None = None) -> Embedder:
    """The embedder for a space (lazy: weights load on first use)."""
    if space.backend is Backend.SENTENCE_TRANSFORMERS:
        path = minilm_path() if space.name == "text_minilm_l6" else Path(space.model_id)
        return SentenceTransformerEmbedder(space, path, device=device)
    if space.backend is Backend.VISUAL_DESCRIPTOR:
        from latentdam.embed.visual import VisualDescriptorEmbedder

        return VisualDescriptorEmbedder(space)
    if space.backend is Backend.TRANSFORMERS_CLIP:
        from latentdam.embed.clip import ClipEmbedder

        return ClipEmbedder(space, device=device)
    raise ModelUnavailable(
        f"space {space.name!r} has an unknown backend {space.backend!r}", model=space.model_id
    )


def load_text_embedder(space_name: str = "text_minilm_l6", device: str | None = None) -> TextEmbedder:
    """The embedder of a built-in text space."""
    embedder = load_embedder(get_space(space_name), device)
    assert isinstance(embedder, TextEmbedder)
    return embedder


__all__ = [
    "Backend",
    "Embedder",
    "ImageEmbedder",
    "Modality",
    "Space",
    "TextEmbedder",
    "builtin_spaces",
    "get_space",
    "load_embedder",
    "load_text_embedder",
    "resolve_space",
]
