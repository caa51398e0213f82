"""Embed a batch of assets into one space: its text or its pixels, as the space dictates."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PIL import Image

from latentdam.embed.base import Embedder, ImageEmbedder, TextEmbedder
from latentdam.embed.space import Modality
from latentdam.errors import EmbedError

Vector = list[float] | None


def embed_assets(
    embedder: Embedder, texts: Sequence[str], images: Sequence[Image.Image | None]
) -> list[Vector]:
    """One vector (or None) per asset, in order.

    Spaces that embed images hold image vectors (a joint CLIP space searches pixels by text
    too); text-only spaces hold the asset text's vector. An asset with nothing to embed gets
    None: it stays out of that space's search rather than receiving a meaningless vector.
    """
    space = embedder.space
    out: list[Vector] = [None] * len(texts)
    if space.embeds(Modality.IMAGE):
        if not isinstance(embedder, ImageEmbedder):
            raise EmbedError(f"space {space.name!r} embeds images but its embedder cannot")
        present = [i for i, image in enumerate(images) if image is not None]
        pictures = [image for image in images if image is not None]
        vectors = embedder.embed_images(pictures) if pictures else np.zeros((0, space.dim), np.float32)
    else:
        if not isinstance(embedder, TextEmbedder):
            raise EmbedError(f"space {space.name!r} embeds text but its embedder cannot")
        present = [i for i, text in enumerate(texts) if text]
        vectors = (
            embedder.embed_documents([texts[i] for i in present])
            if present
            else np.zeros((0, space.dim), np.float32)
        )
    for i, vector in zip(present, vectors, strict=True):
        out[i] = vector.tolist()
    return out
