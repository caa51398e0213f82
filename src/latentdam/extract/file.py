"""Read one image file: content hash, decode under a pixel limit, metadata, thumbnail."""

from __future__ import annotations

import hashlib
import io
import os
import re
import warnings
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG

from PIL import Image, PngImagePlugin, UnidentifiedImageError

from latentdam.errors import ExtractError, ImageTooLarge, UnsupportedFormat
from latentdam.extract.metadata import read_generation
from latentdam.extract.pixels import upright_rgb
from latentdam.extract.provenance import read_provenance
from latentdam.extract.raw_reader import read_raw
from latentdam.extract.record import GenerationRecord

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".webp"})
MAX_FILE_BYTES = 512 * 2**20  # a 100-megapixel 16-bit PNG is about 600 MB raw, far less encoded
# Pixels kept for image embedders: larger than CLIP's 224 and SigLIP's 384 inputs, so no
# embedder upsamples, yet small enough that a batch of 64 stays under ~30 MB.
EMBED_SIDE = 384


@dataclass(slots=True)
class ExtractedFile:
    id: str  # sha256 of the bytes: identity survives renames and moves
    path: Path
    size: int
    mtime_ns: int
    format: str
    width: int
    height: int
    record: GenerationRecord
    thumbnail: bytes
    warnings: list[str] = field(default_factory=list)
    pixels: Image.Image | None = field(default=None, repr=False)  # RGB, <= EMBED_SIDE; for embedders
    # vectors an ingest engine computed already (by vector column): the commit embeds the rest
    vectors: dict[str, list[float] | None] = field(default_factory=dict, repr=False)


def scan(paths: Iterable[Path]) -> Iterator[Path]:
    """Image files under the given files/folders, recursive, in a stable order, absolute,
    each once (`ingest samples samples/a1111` overlaps). Paths are made absolute without
    resolving links, so reports name what the user sees."""
    seen: set[Path] = set()
    for path in _scan(paths):
        if path not in seen:
            seen.add(path)
            yield path


def _scan(paths: Iterable[Path]) -> Iterator[Path]:
    for root in paths:
        root = root.expanduser()
        if root.is_dir():
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if Path(name).suffix.lower() in IMAGE_SUFFIXES:
                        yield Path(os.path.abspath(Path(dirpath, name)))
        elif root.exists() or root.is_symlink():
            yield Path(os.path.abspath(root))  # an explicit file is attempted whatever its suffix
        else:
            raise FileNotFoundError(f"no such file or folder: {root}")


def is_within(path: str | Path, roots: Sequence[Path]) -> bool:
    """Whether a path, links resolved, lies inside one of the folders (a server's roots)."""
    real = Path(os.path.realpath(path))
    return any(real.is_relative_to(os.path.realpath(root)) for root in roots)


def hash_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _thumbnail(upright: Image.Image, size: int) -> bytes:
    thumb = upright.copy()
    thumb.thumbnail((size, size))
    out = io.BytesIO()
    thumb.save(out, format="WEBP", quality=80)
    return out.getvalue()


def _pixels(upright: Image.Image) -> Image.Image:
    rgb = upright.copy()
    rgb.thumbnail((EMBED_SIDE, EMBED_SIDE), Image.Resampling.LANCZOS)
    return rgb


def read_pixels(path: Path, *, max_pixels: int) -> Image.Image:
    """The embedder-ready pixels of a file already in the library (re-embedding, calibration),
    decoded under the same limits and by the same code as at ingest, so vectors agree."""
    pixels = extract_file(path, max_pixels=max_pixels, thumbnail_size=16).pixels
    assert pixels is not None  # extract_file always decodes them
    return pixels


def read_image(image: Image.Image, *, max_pixels: int) -> tuple[GenerationRecord, Image.Image]:
    """The generation record and embedder-ready pixels of an image already decoded (a query
    image handed over by Python code), under the same pixel limit as files."""
    if image.width * image.height > max_pixels:
        raise ImageTooLarge(image.width * image.height, max_pixels)
    return read_generation(read_raw(image)).record, _pixels(upright_rgb(image))


def extract_file(
    path: Path, *, max_pixels: int, thumbnail_size: int, trust_anchors: str | None = None
) -> ExtractedFile:
    """Everything latentdam stores about one file, or an ExtractError saying why not."""
    try:
        stat = path.stat()  # links followed: a link to /dev/zero is a device
        if not S_ISREG(stat.st_mode):
            raise ExtractError("not a regular file (a pipe, a device or a socket); not read", path)
        if stat.st_size > MAX_FILE_BYTES:
            raise ExtractError(
                f"file is {stat.st_size / 2**20:,.0f} MiB, over the {MAX_FILE_BYTES // 2**20} MiB"
                " latentdam reads (no generator writes images that large)",
                path,
            )
        with path.open("rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)  # bounded even if the file grows while read
    except OSError as exc:
        raise ExtractError(f"cannot read file: {exc.strerror or exc}", path) from exc
    return extract_bytes(
        data,
        path,
        max_pixels=max_pixels,
        thumbnail_size=thumbnail_size,
        mtime_ns=stat.st_mtime_ns,
        trust_anchors=trust_anchors,
    )


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_TEXT_CHUNKS = (b"tEXt", b"zTXt", b"iTXt")


def _without_oversized_text(data: bytes) -> bytes | None:
    """The PNG less the text chunks Pillow refuses (over 1 MB of text, or compressed text that
    inflates past it): it rejects the whole image for one of them. None: nothing to drop."""
    if not data.startswith(_PNG_SIGNATURE):
        return None
    out, pos, dropped = [data[:8]], 8, False
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind, end = data[pos + 4 : pos + 8], pos + 12 + length
        if kind in _TEXT_CHUNKS and _too_much_text(kind, data[pos + 8 : pos + 8 + length]):
            dropped = True
        else:
            out.append(data[pos:end])
        pos = end
    return b"".join(out) if dropped else None


def _too_much_text(kind: bytes, body: bytes) -> bool:
    limit = PngImagePlugin.MAX_TEXT_CHUNK
    if len(body) > limit:
        return True
    if kind == b"tEXt":
        return False
    _, _, rest = body.partition(b"\x00")
    if kind == b"iTXt":  # flag, method, language\0, translated keyword\0, text
        if not rest or rest[0] != 1:
            return False
        rest = rest[2:].split(b"\x00", 2)[-1]
    else:
        rest = rest[1:]  # the compression method
    inflater = zlib.decompressobj()
    try:
        inflater.decompress(rest, limit + 1)
    except zlib.error:
        return False  # broken, but Pillow copes with that
    return bool(inflater.unconsumed_tail)


def extract_bytes(
    data: bytes,
    path: Path,
    *,
    max_pixels: int,
    thumbnail_size: int,
    mtime_ns: int = 0,
    trust_anchors: str | None = None,
) -> ExtractedFile:
    """`extract_file` for bytes already in memory (an upload, a query image); `path` names
    them in errors and records (it is never opened). `trust_anchors` (PEM) are the signers
    whose Content Credentials count as valid (extract/provenance.py)."""
    if not data:
        raise UnsupportedFormat("file is empty", path)
    try:
        return _extract(data, path, max_pixels, thumbnail_size, mtime_ns, trust_anchors)
    except ExtractError as exc:
        if "MAX_TEXT" not in str(exc) or (smaller := _without_oversized_text(data)) is None:
            raise
    item = _extract(smaller, path, max_pixels, thumbnail_size, mtime_ns, trust_anchors)
    item.id, item.size = hash_bytes(data), len(data)  # still this file: its own bytes
    item.warnings.append("a PNG text chunk holds more than 1 MB of text; read without it")
    return item


def _extract(
    data: bytes, path: Path, max_pixels: int, thumbnail_size: int, mtime_ns: int, trust_anchors: str | None
) -> ExtractedFile:
    try:
        with warnings.catch_warnings():
            # our own limit (max_pixels) decides, checked below before any pixel is decoded
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > max_pixels:
                    raise ImageTooLarge(image.width * image.height, max_pixels, path)
                image.load()  # decode now: a truncated file fails here, not later
                meta = read_raw(image)  # first: hidden metadata lives in the stored pixels
                upright = upright_rgb(image)  # then every consumer sees the same pixels
                pixels = _pixels(upright)
                # the thumbnail from the embedder's pixels when it is no larger: one resize of
                # the full image per file instead of two (a fifth of reading a 1024² render)
                thumbnail = _thumbnail(pixels if thumbnail_size <= EMBED_SIDE else upright, thumbnail_size)
    except ExtractError:
        raise
    except Image.DecompressionBombError as exc:
        # Pillow's own hard stop (2x Image.MAX_IMAGE_PIXELS) fires inside open(), before our check
        size = re.search(r"\((\d+) pixels\)", str(exc))
        if size:
            raise ImageTooLarge(int(size.group(1)), max_pixels, path) from exc
        raise ExtractError(str(exc), path) from exc
    except UnidentifiedImageError as exc:
        raise UnsupportedFormat("not an image latentdam can read (PNG, JPEG, WebP)", path) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ExtractError(f"image data is damaged or truncated ({exc})", path) from exc

    if meta.format not in ("PNG", "JPEG", "WEBP"):
        raise UnsupportedFormat(f"{meta.format} images are not supported (PNG, JPEG, WebP are)", path)
    extraction = read_generation(meta, read_provenance(data, meta.format, trust_anchors))
    return ExtractedFile(
        id=hash_bytes(data),
        path=path,
        size=len(data),
        mtime_ns=mtime_ns,
        format=meta.format,
        width=upright.width,  # as shown: a sideways-stored phone photo is as tall as it looks
        height=upright.height,
        record=extraction.record,
        thumbnail=thumbnail,
        warnings=extraction.warnings,
        pixels=pixels,
    )
