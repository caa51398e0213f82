"""Paging cursors: opaque to clients, they pin the library versions page 1 ranked.

A cursor holds the assets table's version and the manifest's version the first page read,
the offset of the page it asks for, and a fingerprint of the query (with its image), so page 2
is cut from the same ranking even while an ingest goes on writing, and a cursor sent with
another query is refused rather than answering something else.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass

from latentdam.errors import InvalidQuery
from latentdam.search.query import SearchQuery


@dataclass(frozen=True, slots=True)
class CursorState:
    assets_version: int
    manifest_version: int
    offset: int
    query: str  # fingerprint of the query it pages through


def fingerprint(query: SearchQuery, image_key: str | None) -> str:
    """What identifies a query across pages: every field that decides which assets come and
    in what order, and its image. Not the cursor, the page size, or what a page carries
    besides its hits (facets, explanations): a gallery asks for facets with page 1 only."""
    shape = query.model_dump(mode="json", exclude={"cursor", "limit", "facets", "explain", "explain_ids"})
    digest = hashlib.sha256(json.dumps([shape, image_key], sort_keys=True).encode())
    return digest.hexdigest()[:16]


def encode(state: CursorState) -> str:
    data = json.dumps([state.assets_version, state.manifest_version, state.offset, state.query])
    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


def decode(cursor: str) -> CursorState:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        assets, manifest, offset, query = json.loads(base64.urlsafe_b64decode(padded.encode()))
        state = CursorState(int(assets), int(manifest), int(offset), str(query))
    except (ValueError, TypeError, binascii.Error):
        raise InvalidQuery("cursor: not one latentdam made; start again from the first page") from None
    if state.offset < 0 or state.assets_version < 0:
        raise InvalidQuery("cursor: not one latentdam made; start again from the first page")
    return state
