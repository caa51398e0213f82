"""Embedders and the registry of embedding spaces.

Backends are imported only when a space that needs them is used, so opening a library or
listing spaces costs no model import."""

from __future__ import annotations

from latentdam.embed.base import Embedder, ImageEmbedder, TextEmbedder
from latentdam.embed.sentence_transformer import (
    SentenceTransformerEmbedder,
    is_sentence_transformers_dir,
    minilm_path,
)
from latentdam.embed.space import BUILTIN_SPACES, TEXT_MINILM_L6, Backend, Modality, Space, get_space
from latentdam.errors import ModelUnavailable, NotJointModel

# Short names people type for the built-in spaces.
ALIASES = {
    "minilm": "text_minilm_l6",
    "all-minilm-l6-v2": "text_minilm_l6",
    "sentence-transformers/all-minilm-l6-v2": "text_minilm_l6",
    "visual": "visual_descriptor_v1",
    "hash": "test_hash_text",
}


def builtin_spaces() -> dict[str, Space]:
    """Spaces that exist without a model argument (the visual descriptor needs no weights)."""
    return dict(BUILTIN_SPACES)


def resolve_embedder(model: str, device: str | None = None) -> Embedder:
    """The embedder for a `--model` argument: a built-in space name or alias; a local
    directory holding a sentence-transformers text model or a CLIP/SigLIP model; or a hub id
    of either (from the local cache when offline). A text model is loaded here, since only
    the loaded model knows its output size; a CLIP/SigLIP space is read from its config."""
    builtins = builtin_spaces()
    name = ALIASES.get(model.lower(), model)
    if name in builtins:
        return load_embedder(builtins[name], device)
    if is_sentence_transformers_dir(model):
        return SentenceTransformerEmbedder.from_model(model, device=device)
    from latentdam.embed.clip import ClipEmbedder, space_for_model

    try:
        return ClipEmbedder(space_for_model(model), device=device)
    except NotJointModel:  # a text model's config (bert, mpnet, ...): sentence-transformers reads it
        return SentenceTransformerEmbedder.from_model(model, device=device)


def resolve_space(model: str) -> Space:
    """The space for a `--model` argument (see resolve_embedder)."""
    return resolve_embedder(model).space


def load_embedder(space: Space, device: str | None = None) -> Embedder:
    """The embedder for a space (lazy: weights load on first use)."""
    if space.backend is Backend.SENTENCE_TRANSFORMERS:
        source = minilm_path() if space == TEXT_MINILM_L6 else space.model_id
        return SentenceTransformerEmbedder(space, source, device=device)
    if space.backend is Backend.VISUAL_DESCRIPTOR:
        from latentdam.embed.visual import VisualDescriptorEmbedder

        return VisualDescriptorEmbedder(space)
    if space.backend is Backend.HASH:
        from latentdam.embed.testing import HashEmbedder

        return HashEmbedder(space)
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
    "resolve_embedder",
    "resolve_space",
]
