"""Naming an asset by id prefix: a prefix that fits several assets, or is too short to accept,
says so and lists the candidates instead of "no asset"."""

from __future__ import annotations

import hashlib
import io
import struct
import zlib
from pathlib import Path

import pytest

from latentdam.errors import MIN_ID_PREFIX, AmbiguousRef, AssetNotFound, shared_prefix
from latentdam.library import Library
from latentdam.testing.formats import make_image


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _twins(base: bytes, shared: int) -> tuple[bytes, bytes]:
    """Two valid PNGs (the base plus a different tEXt chunk) whose sha256 — the asset id —
    starts with the same `shared` hex characters: a birthday search, a few thousand hashes."""
    head, iend = base[:-12], base[-12:]
    seen: dict[str, bytes] = {}
    for n in range(1_000_000):
        data = head + _chunk(b"tEXt", b"n\x00" + str(n).encode()) + iend
        key = hashlib.sha256(data).hexdigest()[:shared]
        if key in seen:
            return seen[key], data
        seen[key] = data
    raise AssertionError("no collision")


@pytest.fixture
def twins(library: Library, tmp_path: Path) -> tuple[str, str, Path, Path]:
    buffer = io.BytesIO()
    make_image(7).save(buffer, format="PNG")
    first, second = _twins(buffer.getvalue(), MIN_ID_PREFIX)
    a, b = tmp_path / "twin-a.png", tmp_path / "twin-b.png"
    a.write_bytes(first)
    b.write_bytes(second)
    library.ingest([a, b])
    return hashlib.sha256(first).hexdigest(), hashlib.sha256(second).hexdigest(), a, b


def test_a_shared_prefix_lists_the_candidates_and_the_length_that_tells_them_apart(
    library: Library, twins: tuple[str, str, Path, Path]
) -> None:
    id_a, id_b, a, b = twins
    common = shared_prefix(id_a, id_b)
    with pytest.raises(AmbiguousRef) as caught:
        library.get(id_a[:MIN_ID_PREFIX])
    message = str(caught.value)
    assert "fits 2 assets" in message
    assert str(a) in message and str(b) in message
    assert f"at least {common + 1} characters" in message
    # and that many characters do pick one
    assert library.get(id_a[: common + 1]).id == id_a
    assert library.get(id_b[: common + 1].upper()).id == id_b


def test_a_too_short_prefix_says_how_many_characters_are_needed(
    library: Library, twins: tuple[str, str, Path, Path]
) -> None:
    id_a, _, a, _ = twins
    with pytest.raises(AmbiguousRef) as caught:
        library.similar(id_a[:4])
    assert f"too short: give at least {MIN_ID_PREFIX} characters" in str(caught.value)
    assert str(a) in str(caught.value)


def test_a_prefix_that_fits_nothing_is_not_found(
    library: Library, twins: tuple[str, str, Path, Path]
) -> None:
    id_a, id_b, _, _ = twins
    absent = next(c * MIN_ID_PREFIX for c in "0123456789abcdef" if not (id_a[0] == c or id_b[0] == c))
    with pytest.raises(AssetNotFound, match="no asset"):
        library.get(absent)
