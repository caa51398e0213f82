"""A `QueryPlan`: everything decided about a query before any retrieval, computed once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from PIL import Image

from latentdam.search.literal import Needle
from latentdam.search.query import SearchQuery
from latentdam.search.signal import Signal


@dataclass(frozen=True, slots=True)
class QueryInput:
    """What the signals search for, once the query image has been read."""

    text: str | None  # the query text, or else the prompt the query image carries
    image: Image.Image | None  # the query image's pixels
    negative: str | None = None
    image_weight: float = 0.5
    # True when `text` was read from the query image (metadata inversion): it then queries the
    # text signals only, and the joint image space searches with the pixels alone.
    text_from_image: bool = False
    # With a text of the user's own and an image: the prompt the image carries, which joins
    # the text in the text spaces (at `image_weight`) where no space embeds both.
    image_prompt: str | None = None


# Makes the opaque cursor of the page that starts at an offset, given the manifest version the
# search read (the library pins versions in it).
Cursor = Callable[[int, int], str]


@dataclass(frozen=True, slots=True)
class Page:
    """Which slice of the ranking a run returns: `limit` results from `offset`."""

    offset: int
    limit: int
    cursor: Cursor | None = None
    manifest_version: int = 0  # of the snapshot the search reads

    @property
    def end(self) -> int:
        return self.offset + self.limit

    def next_cursor(self, available: int) -> str | None:
        """The next page's cursor, when more than this page's end are available."""
        if self.cursor is None or available <= self.end:
            return None
        return self.cursor(self.end, self.manifest_version)


@dataclass(frozen=True, slots=True)
class QueryPlan:
    query: SearchQuery
    given: QueryInput
    embedded: QueryInput  # the text as ingest embeds assets' text (credits out, jargon explained)
    where: str | None  # the filters' SQL
    depth: int  # how deep each signal looks before fusion (enough for the page's end)
    wanted: frozenset[Signal]
    page: Page
    needles: tuple[Needle, ...] = ()  # what the query names literally (literal.py)
    keyword: bool = False  # whether the query's own words are matched (BM25)
    terms: tuple[str, ...] = ()  # expansion terms: library words near the query, then jargon
    term_similarity: float = 0.0  # the nearest expansion term's similarity to the query
    # False when the text model knows none of the query's words ("xyzzy"): its cosines then
    # compare word pieces, not meanings, and only literal evidence counts
    readable: bool = True
    notes: tuple[str, ...] = field(default=())  # said to the user with the result
