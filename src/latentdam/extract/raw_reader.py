"""Pull every metadata block out of an opened Pillow image into a `RawMetadata`."""

from __future__ import annotations

import contextlib
from typing import Any

from PIL import ExifTags, Image, IptcImagePlugin

from latentdam.extract.raw import RawMetadata
from latentdam.extract.stealth import hidden_blocks, read_stealth

_EXIF_IFD = 0x8769
_IPTC_NAMES = {
    (2, 5): "ObjectName",
    (2, 25): "Keywords",
    (2, 55): "DateCreated",
    (2, 60): "TimeCreated",
    (2, 80): "By-line",
    (2, 105): "Headline",
    (2, 110): "Credit",
    (2, 120): "Caption-Abstract",
}
_XMP_PNG_KEY = "XML:com.adobe.xmp"


def decode_user_comment(value: bytes | str) -> str:
    """Decode an EXIF UserComment: 8-byte charset prefix, then the text.

    A1111 writes `UNICODE\\0` + UTF-16 big-endian (piexif's default); some tools write
    little-endian, so a BOM or NUL pattern decides.
    """
    if isinstance(value, str):
        return value
    prefix, body = value[:8], value[8:]
    if prefix.startswith(b"UNICODE"):
        if body[:2] in (b"\xff\xfe", b"\xfe\xff"):
            return body.decode("utf-16", errors="replace")  # a lone surrogate is not worth the file
        # more NULs at odd positions means little-endian ASCII-range text
        le = body[1::2].count(0) > body[0::2].count(0)
        return body.decode("utf-16-le" if le else "utf-16-be", errors="replace")
    if prefix.startswith(b"ASCII"):
        return body.decode("ascii", errors="replace")
    return value.decode("utf-8", errors="replace").lstrip("\x00")


def _text(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").rstrip("\x00")
    return value


def _exif_text(name: str, value: bytes | str) -> str:
    if name.startswith("XP") and isinstance(value, bytes):
        # Windows XPTitle/XPKeywords/...: NUL-terminated UTF-16-LE in a BYTE tag
        return value.decode("utf-16-le", errors="replace").rstrip("\x00")
    if isinstance(value, str) and any("\x80" <= ch <= "\xff" for ch in value):
        # Pillow decodes ASCII tags as latin-1, but most writers put UTF-8 there
        try:
            return value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return value
    return str(_text(value))


def _exif(image: Image.Image) -> dict[str, Any]:
    try:
        exif = image.getexif()
    except Exception:  # a garbage eXIf chunk or APP1 segment: the picture is still good
        return {}
    out: dict[str, Any] = {}
    tags: list[tuple[int, Any]] = list(exif.items())
    with contextlib.suppress(Exception):  # a broken sub-IFD must not hide the main one
        tags += list(exif.get_ifd(_EXIF_IFD).items())
    for tag, value in tags:
        name = ExifTags.TAGS.get(tag, f"Tag{tag:#06x}")
        if name == "UserComment":
            if isinstance(value, bytes | str):  # stored as SHORT or LONG numbers by some tools
                out[name] = decode_user_comment(value)
        elif isinstance(value, (bytes, str)):
            out[name] = _exif_text(name, value)
        elif isinstance(value, (int, float)):
            out[name] = value
    return out


def _xmp(image: Image.Image) -> str | None:
    raw = image.info.get("xmp") or image.info.get(_XMP_PNG_KEY)
    if raw is None:
        return None
    return _text(raw) if isinstance(raw, bytes) else str(raw)


def _iptc(image: Image.Image) -> dict[str, Any]:
    if image.format != "JPEG":
        return {}
    try:
        info = IptcImagePlugin.getiptcinfo(image) or {}  # type: ignore[arg-type]
    except Exception:
        return {}
    out: dict[str, Any] = {}
    for key, value in info.items():
        name = _IPTC_NAMES.get(key)
        if name is None:
            continue
        values = value if isinstance(value, list) else [value]
        decoded = [_text(v) for v in values]
        out[name] = decoded if name == "Keywords" else decoded[0]
    return out


def read_raw(image: Image.Image) -> RawMetadata:
    """Collect text chunks, EXIF, XMP and IPTC of an opened image, and the text a PNG hides in
    its pixels (which reads them: decoded images only)."""
    text: dict[str, Any] = {}
    if image.format == "PNG":
        # `.text` also reads chunks stored after the image data (ComfyUI, some A1111 forks)
        chunks = getattr(image, "text", None) or image.info
        text = {
            str(k): _text(v)
            for k, v in chunks.items()
            if isinstance(v, (str, bytes)) and k not in ("xmp", "icc_profile", "exif", _XMP_PNG_KEY)
        }
    text = {k: v for k, v in text.items() if isinstance(v, str)}
    hidden: dict[str, str] = {}
    if image.format == "PNG":
        hidden = {k: v for k, v in hidden_blocks(read_stealth(image)).items() if k not in text}
    return RawMetadata(
        format=image.format or "UNKNOWN",
        width=image.width,
        height=image.height,
        text=text | hidden,
        hidden=frozenset(hidden),
        exif=_exif(image),
        xmp=_xmp(image),
        iptc=_iptc(image),
    )
