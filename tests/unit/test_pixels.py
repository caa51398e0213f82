"""Pixels, once and right (extract/pixels.py): what a file shows is what the thumbnail, the
stored size and every embedder get: upright, transparency on white, any mode as 8-bit RGB."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from latentdam import Library
from latentdam.extract.file import extract_file
from latentdam.extract.pixels import upright_rgb

RED, BLUE, WHITE = (220, 20, 20), (20, 20, 220), (255, 255, 255)


def _sideways_jpeg(path: Path) -> Path:
    """A 60x40 picture, red on its left half, stored as a phone does: rotated, with EXIF
    Orientation 6 ("rotate 90° clockwise to show")."""
    shown = Image.new("RGB", (60, 40), BLUE)
    shown.paste(RED, (0, 0, 30, 40))
    stored = shown.rotate(90, expand=True)  # what the sensor wrote: 40x60
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(path, "JPEG", exif=exif, quality=95)
    return path


def _cut_out_png(path: Path) -> Path:
    """A red disc on a fully transparent background whose hidden RGB is black."""
    image = Image.new("RGBA", (64, 64), (0, 0, 0, 0))
    image.paste((*RED, 255), (16, 16, 48, 48))
    image.save(path)
    return path


def _near(pixel: tuple[int, ...], colour: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 24 for a, b in zip(pixel, colour, strict=True))


def test_exif_orientation_is_applied_everywhere(tmp_path: Path) -> None:
    item = extract_file(_sideways_jpeg(tmp_path / "phone.jpg"), max_pixels=10**7, thumbnail_size=32)
    assert (item.width, item.height) == (60, 40)  # as shown
    assert item.pixels is not None and item.pixels.size == (60, 40)
    assert _near(item.pixels.getpixel((5, 20)), RED) and _near(item.pixels.getpixel((55, 20)), BLUE)
    with Image.open(io.BytesIO(item.thumbnail)) as thumb:
        assert thumb.width > thumb.height
        assert _near(thumb.convert("RGB").getpixel((2, thumb.height // 2)), RED)


def test_transparency_is_flattened_onto_white(tmp_path: Path) -> None:
    item = extract_file(_cut_out_png(tmp_path / "cut.png"), max_pixels=10**7, thumbnail_size=32)
    assert item.pixels is not None
    assert item.pixels.getpixel((2, 2)) == WHITE  # not the black hidden under alpha 0
    assert _near(item.pixels.getpixel((32, 32)), RED)
    with Image.open(io.BytesIO(item.thumbnail)) as thumb:
        assert thumb.mode == "RGB" and thumb.getpixel((1, 1)) == WHITE


@pytest.mark.parametrize("mode", ["I;16", "CMYK", "P", "LA", "1"])
def test_every_mode_becomes_rgb(tmp_path: Path, mode: str) -> None:
    if mode == "I;16":
        image = Image.fromarray(np.full((8, 8), 128 * 257, dtype=np.uint16))  # mid grey, 16-bit
        expected = (128, 128, 128)  # scaled; a plain convert clips it to white
    elif mode == "CMYK":
        image = Image.new("CMYK", (8, 8), (0, 255, 255, 0))  # pure red in CMYK
        expected = (255, 0, 0)
    elif mode == "P":
        image = Image.new("P", (8, 8), 1)
        image.putpalette([0, 0, 0, *RED] + [0] * 762)
        image.info["transparency"] = 0
        expected = RED
    elif mode == "LA":
        image = Image.new("LA", (8, 8), (0, 0))  # transparent black
        expected = WHITE
    else:
        image = Image.new("1", (8, 8), 1)
        expected = WHITE
    rgb = upright_rgb(image)
    assert rgb.mode == "RGB" and _near(rgb.getpixel((4, 4)), expected)
    suffix = ".jpg" if mode == "CMYK" else ".png"
    path = tmp_path / f"m{suffix}"
    image.save(path)
    item = extract_file(path, max_pixels=10**7, thumbnail_size=8)
    assert item.pixels is not None and item.pixels.mode == "RGB"
    assert _near(item.pixels.getpixel((4, 4)), expected)


def test_through_ingest_the_library_stores_what_the_file_shows(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _sideways_jpeg(folder / "phone.jpg")
    _cut_out_png(folder / "cut.png")
    library.ingest([folder])
    assets = {
        Path(h.asset.path).name: library.get(h.id) for h in library.search(filters={"path": "*"}).results
    }
    assert (assets["phone.jpg"].width, assets["phone.jpg"].height) == (60, 40)
    for asset in assets.values():
        assert asset.thumbnail is not None
        with Image.open(io.BytesIO(asset.thumbnail)) as thumb:
            assert thumb.mode == "RGB"
            assert thumb.width > thumb.height or asset.format == "PNG"
            if asset.format == "PNG":
                assert thumb.getpixel((0, 0)) == WHITE
