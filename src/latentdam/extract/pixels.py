"""Pixels, once and right: every decoded image becomes upright 8-bit RGB in one place, before
thumbnails and before any embedder sees it.

EXIF orientation is applied (a phone JPEG stored sideways is shown and embedded upright),
transparency is flattened onto white (the RGB under a fully transparent pixel is arbitrary:
often black, so a cut-out PNG would reach the embedders as a solid block), 16-bit and float
greyscale are scaled rather than clipped, and CMYK, YCbCr, LAB, HSV, palette and bilevel images
are converted. Embedders take RGB only; they call this too, for images handed to them directly.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps

BACKGROUND = (255, 255, 255)  # transparency is flattened onto white, as most exporters do


def _high_depth_to_l(img: Image.Image) -> Image.Image:
    """16-bit, 32-bit integer and float grayscale as 8-bit, scaled by the range the data
    implies (Pillow's own conversion clips 16-bit values instead of scaling them)."""
    arr = np.asarray(img, dtype=np.float64)
    top = float(np.nanmax(arr)) if arr.size else 0.0
    if img.mode == "F" and top <= 1.0:
        arr = arr * 255.0
    elif img.mode.startswith("I;16") or top > 255.0:
        arr = arr / 257.0
    return Image.fromarray(np.clip(np.nan_to_num(np.rint(arr)), 0, 255).astype(np.uint8))


def _lab_to_rgb(img: Image.Image) -> Image.Image:
    try:
        from PIL import ImageCms

        transform = ImageCms.buildTransform(
            ImageCms.createProfile("LAB"), ImageCms.createProfile("sRGB"), "LAB", "RGB"
        )
        out = ImageCms.applyTransform(img, transform)
    except Exception:  # a Pillow without LittleCMS, or a profile error
        out = None
    return out if out is not None else img.convert("RGB")


def upright_rgb(img: Image.Image) -> Image.Image:
    """Any decoded image as 8-bit RGB: EXIF orientation applied, transparency flattened onto
    white, high bit depths scaled, CMYK/YCbCr/LAB/HSV/palette/bilevel converted."""
    try:
        if img.getexif().get(0x0112, 1) not in (None, 1):
            img = ImageOps.exif_transpose(img)
    except Exception:  # unreadable EXIF: show the pixels as stored
        pass
    mode = img.mode
    if mode == "RGB":
        return img
    if mode in ("I", "F") or mode.startswith("I;16"):
        return _high_depth_to_l(img).convert("RGB")
    if mode == "LAB":  # Pillow's plain convert reinterprets LAB bytes as RGB
        return _lab_to_rgb(img)
    if mode not in ("RGBA", "LA", "PA", "RGBa", "La") and not (mode == "P" and "transparency" in img.info):
        return img.convert("RGB")
    if mode == "La":
        img = img.convert("LA")  # premultiplied grayscale has no direct conversion to RGBA
    canvas = Image.new("RGBA", img.size, (*BACKGROUND, 255))
    canvas.alpha_composite(img.convert("RGBA"))
    return canvas.convert("RGB")
