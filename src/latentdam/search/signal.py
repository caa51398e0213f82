"""The retrieval signals a search can fuse, and which kind of space serves each."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from latentdam.embed.space import Modality, Space


class Signal(StrEnum):
    SEMANTIC = "semantic"  # a text space over the assets' prompts/descriptions
    IMAGE = "image"  # a joint image-text space (CLIP, SigLIP) over the pixels
    VISUAL = "visual"  # the visual descriptor: colour, layout, texture (near-duplicates)
    KEYWORD = "keyword"  # BM25 over the keyword text, with the query's own words
    EXPANSION = "expansion"  # BM25 with the library's words nearest the query (search/expansion.py)
    LITERAL = "literal"  # carries what the query names: a quoted phrase, file, credit, seed (literal.py)
    FILTER = "filter"  # matched the structured filters (filter-only queries)


def signal_of(space: Space) -> Signal:
    """Text-only spaces embed asset text; spaces that embed images hold image vectors."""
    if not space.embeds(Modality.IMAGE):
        return Signal.SEMANTIC
    return Signal.IMAGE if space.embeds(Modality.TEXT) else Signal.VISUAL


def switched_to(active: Sequence[Space], space: Space) -> list[Space]:
    """The active spaces once `space` answers: it replaces the active space of its own kind
    (text, joint or visual) and the others stay. A reembed activates this way; a search
    pinned to a migration's new space previews it."""
    kind = signal_of(space)
    return [*(s for s in active if signal_of(s) is not kind), space]
