"""Metadata hidden in the pixels: "stealth PNG info", as the sd-webui-stealth-pnginfo extension
(and NovelAI, which uses the same scheme) writes it, so it survives sites that strip PNG chunks.

The layout, from the extension's `prepare_data`/`add_data`: a 15-byte signature, a 32-bit count
of data *bits*, then the data (UTF-8 text, or gzip of it); one bit per pixel in the alpha
channel's least significant bit (`stealth_pnginfo`, `stealth_pngcomp`) or three bits per pixel in
the red, green and blue LSBs (`stealth_rgbinfo`, `stealth_rgbcomp`); pixels in column-major
order (x outer, y inner). Only the columns the data occupies are read, and the text is capped
at MAX_HIDDEN bytes (a gzip bomb inflates no further).
"""

from __future__ import annotations

import json
import zlib

import numpy as np
from PIL import Image

MAX_HIDDEN = 1_000_000  # bytes of hidden text kept, as for any raw metadata block
_SIGNATURES = {
    b"stealth_pnginfo": ("alpha", False),
    b"stealth_pngcomp": ("alpha", True),
    b"stealth_rgbinfo": ("rgb", False),
    b"stealth_rgbcomp": ("rgb", True),
}
_SIGNATURE_BITS = 15 * 8
_HEADER_BITS = _SIGNATURE_BITS + 32


def read_stealth(image: Image.Image) -> str | None:
    """The text hidden in a decoded PNG's pixels, or None when there is none (or it is broken)."""
    if image.mode not in ("RGB", "RGBA") or image.width * image.height * 3 < _HEADER_BITS:
        return None
    modes = ("alpha", "rgb") if image.mode == "RGBA" else ("rgb",)
    for mode in modes:
        header = _bits(image, mode, 0, _HEADER_BITS)
        if header is None:
            continue
        found = _SIGNATURES.get(header[:15])
        if found is None or found[0] != mode:
            continue
        count = int.from_bytes(header[15:19], "big")
        if count == 0 or count % 8 or (found[1] and count // 8 > MAX_HIDDEN):
            return None
        count = min(count, 8 * MAX_HIDDEN)  # plain text past the cap is cut, as any block is
        data = _bits(image, mode, _HEADER_BITS, count)
        if data is None:
            return None
        if found[1]:
            try:
                inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip
                data = inflater.decompress(data, MAX_HIDDEN)
            except zlib.error:
                return None
        return data[:MAX_HIDDEN].decode("utf-8", errors="replace")
    return None


def _bits(image: Image.Image, mode: str, start: int, count: int) -> bytes | None:
    """`count` hidden bits from bit `start` on, packed into bytes; None when the image is too small."""
    per_pixel = 1 if mode == "alpha" else 3
    height = image.height
    end_pixel = -(-(start + count) // per_pixel)
    if end_pixel > image.width * height:
        return None
    columns = -(-end_pixel // height)
    strip = np.asarray(image.crop((0, 0, columns, height)))  # (height, columns, channels)
    channels = strip[..., 3:4] if mode == "alpha" else strip[..., :3]
    bits = (channels.transpose(1, 0, 2).reshape(-1) & 1)[start : start + count]
    return np.packbits(bits).tobytes()


def hidden_blocks(text: str | None) -> dict[str, str]:
    """The blocks a hidden text stands for: NovelAI hides its whole PNG-chunk dict as JSON
    (`Title`, `Description`, `Software`, `Comment`...); the extension hides A1111's
    `parameters` text."""
    if not text:
        return {}
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict):
            return {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in data.items()}
    return {"parameters": text}
