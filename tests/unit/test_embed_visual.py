"""The weight-free visual descriptor: the embedder contract, image modes, and near-duplicate
robustness measured on procedural images and edited copies of them.

`base_images()` and `variants()` are shared with test_duplicates.py."""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from functools import cache

import numpy as np
import pytest
from PIL import Image, ImageCms, ImageDraw, ImageEnhance, ImageFilter, ImageFont

from latentdam.embed.base import ImageEmbedder
from latentdam.embed.space import Backend, Modality
from latentdam.embed.visual import DIM, VISUAL_DESCRIPTOR, VisualDescriptorEmbedder
from latentdam.testing.formats import make_image

# --------------------------------------------------------------------------- test images

N_BASES = 40
BASE_SIZES = ((192, 160), (160, 192), (224, 144))


def _drawn(seed: int, size: tuple[int, int]) -> Image.Image:
    """Shapes on a smooth background, the way generated images are mostly smooth: kind 1 a
    two-colour gradient, blurred afterwards; kind 2 a gradient mixed with large soft colour
    blobs; kind 3 a product shot, one large subject on a flat light or dark background."""
    rng = random.Random(seed)
    w, h = size
    kind = seed % 4
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    c0 = np.array([rng.randrange(256) for _ in range(3)], np.float32)
    c1 = np.array([rng.randrange(256) for _ in range(3)], np.float32)
    angle = rng.uniform(0, 2 * np.pi)
    t = np.clip((x / w - 0.5) * np.cos(angle) + (y / h - 0.5) * np.sin(angle) + 0.5, 0, 1)[..., None]
    arr = c0 * (1 - t) + c1 * t
    if kind == 2:
        blobs = np.random.default_rng(seed).integers(0, 256, (5, 6, 3), dtype=np.uint8)
        arr = 0.4 * arr + 0.6 * np.asarray(Image.fromarray(blobs).resize((w, h), Image.Resampling.BICUBIC))
    if kind == 3:
        arr = np.full((h, w, 3), rng.choice([255.0, 245.0, 230.0, 20.0]), np.float32)
    img = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(img)
    if kind == 3:
        cx, cy = rng.uniform(0.35, 0.65) * w, rng.uniform(0.35, 0.65) * h
        rx, ry = rng.uniform(0.15, 0.35) * w, rng.uniform(0.2, 0.4) * h
        colour = tuple(rng.randrange(256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), fill=colour)
        else:
            corners = rng.randrange(3, 8)
            turn = rng.uniform(0, 6)
            draw.polygon(
                [
                    (cx + rx * np.cos(a + turn), cy + ry * np.sin(a + turn))
                    for a in np.linspace(0, 2 * np.pi, corners, endpoint=False)
                ],
                fill=colour,
            )
    for _ in range(rng.randrange(2, 7)):
        colour = tuple(rng.randrange(256) for _ in range(3))
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = x0 + rng.randrange(15, w // 2), y0 + rng.randrange(15, h // 2)
        shape = rng.randrange(4)
        if shape == 0:
            draw.ellipse((x0, y0, x1, y1), fill=colour)
        elif shape == 1:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        elif shape == 2:
            draw.line((x0, y0, x1, y1), fill=colour, width=rng.randrange(2, 10))
        else:
            draw.polygon([(rng.randrange(w), rng.randrange(h)) for _ in range(3)], fill=colour)
    if kind == 1:
        img = img.filter(ImageFilter.GaussianBlur(3))
    return img


@cache
def base_images() -> tuple[Image.Image, ...]:
    """40 distinct images: every fourth a `make_image` blocky pattern, the rest drawn."""
    out = []
    for i in range(N_BASES):
        size = BASE_SIZES[i % len(BASE_SIZES)]
        out.append(make_image(1000 + i, size) if i % 4 == 0 else _drawn(i, size))
    return tuple(out)


def _reencode(img: Image.Image, fmt: str, **options: object) -> Image.Image:
    buf = io.BytesIO()
    img.save(buf, fmt, **options)
    buf.seek(0)
    out = Image.open(buf)
    out.load()
    return out


def _crop(img: Image.Image, left: float, top: float, right: float, bottom: float) -> Image.Image:
    w, h = img.size
    return img.crop((int(w * left), int(h * top), w - int(w * right), h - int(h * bottom)))


def _frame(img: Image.Image, px: int, colour: tuple[int, int, int]) -> Image.Image:
    out = Image.new("RGB", (img.width + 2 * px, img.height + 2 * px), colour)
    out.paste(img, (px, px))
    return out


def _watermark(img: Image.Image) -> Image.Image:
    out = img.copy()
    font = ImageFont.load_default(size=max(10, img.height // 12))
    ImageDraw.Draw(out).text(
        (img.width * 0.05, img.height * 0.82), "© latentdam 2025", fill="white", font=font
    )
    return out


def _scale(img: Image.Image, factor: float, method: Image.Resampling) -> Image.Image:
    return img.resize((round(img.width * factor), round(img.height * factor)), method)


VARIANTS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "jpeg60": lambda im: _reencode(im, "JPEG", quality=60),
    "jpeg95": lambda im: _reencode(im, "JPEG", quality=95),
    "webp": lambda im: _reencode(im, "WEBP", quality=75),
    "half": lambda im: _scale(im, 0.5, Image.Resampling.LANCZOS),
    "double": lambda im: _scale(im, 2.0, Image.Resampling.BICUBIC),
    "crop_right10": lambda im: _crop(im, 0, 0, 0.10, 0),
    "crop_bottom10": lambda im: _crop(im, 0, 0, 0, 0.10),
    "crop_top_left8": lambda im: _crop(im, 0.08, 0.08, 0, 0),
    "brighter": lambda im: ImageEnhance.Brightness(im).enhance(1.12),
    "darker": lambda im: ImageEnhance.Brightness(im).enhance(0.88),
    "contrast": lambda im: ImageEnhance.Contrast(im).enhance(0.85),
    "border_black": lambda im: _frame(im, 4, (0, 0, 0)),
    "border_white": lambda im: _frame(im, 4, (255, 255, 255)),
    "watermark": _watermark,
    "crop_resize_jpeg": lambda im: _reencode(
        _scale(_crop(im, 0.05, 0, 0, 0.05), 0.75, Image.Resampling.BILINEAR), "JPEG", quality=70
    ),
}


@cache
def variants() -> tuple[tuple[Image.Image, ...], ...]:
    """variants()[i][k]: the k-th edit (in VARIANTS order) of base_images()[i]."""
    return tuple(tuple(edit(base) for edit in VARIANTS.values()) for base in base_images())


@cache
def embedded() -> tuple[np.ndarray, np.ndarray]:
    """(bases (N, dim), variants (N, len(VARIANTS), dim))."""
    embedder = VisualDescriptorEmbedder()
    bases = embedder.embed_images(base_images())
    edits = embedder.embed_images([v for row in variants() for v in row])
    return bases, edits.reshape(N_BASES, len(VARIANTS), -1)


# --------------------------------------------------------------------------- contract


def test_space_definition() -> None:
    assert VISUAL_DESCRIPTOR.name == "visual_descriptor_v1"
    assert VISUAL_DESCRIPTOR.backend is Backend.VISUAL_DESCRIPTOR
    assert VISUAL_DESCRIPTOR.model_id == "latentdam/visual-descriptor"
    assert VISUAL_DESCRIPTOR.revision == "1"
    assert VISUAL_DESCRIPTOR.modalities == frozenset({Modality.IMAGE})
    assert VISUAL_DESCRIPTOR.dim == DIM


def test_implements_image_embedder_and_load_is_a_no_op() -> None:
    embedder = VisualDescriptorEmbedder()
    assert isinstance(embedder, ImageEmbedder)
    assert embedder.space is VISUAL_DESCRIPTOR
    before = embedder.embed_images([make_image(1)])
    embedder.load()
    embedder.load()
    embedder.unload()
    embedder.unload()
    assert np.array_equal(embedder.embed_images([make_image(1)]), before)


def test_rejects_a_space_of_another_dimension() -> None:
    from dataclasses import replace

    with pytest.raises(ValueError, match="dim"):
        VisualDescriptorEmbedder(replace(VISUAL_DESCRIPTOR, dim=DIM + 1))


def test_shape_dtype_and_unit_norm() -> None:
    images = [make_image(seed, size) for seed, size in ((1, (64, 64)), (2, (300, 120)), (3, (17, 900)))]
    vectors = VisualDescriptorEmbedder().embed_images(images)
    assert vectors.shape == (3, DIM)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_batch() -> None:
    vectors = VisualDescriptorEmbedder().embed_images([])
    assert vectors.shape == (0, DIM)
    assert vectors.dtype == np.float32


def test_deterministic_and_independent_of_batch() -> None:
    images = list(base_images()[:6])
    a = VisualDescriptorEmbedder().embed_images(images)
    b = VisualDescriptorEmbedder().embed_images(images)
    assert np.array_equal(a, b)
    alone = np.stack([VisualDescriptorEmbedder().embed_images([img])[0] for img in images])
    np.testing.assert_allclose(alone, a, atol=1e-6)


@pytest.mark.parametrize(
    "size", [(1, 1), (2, 3), (3, 300), (2000, 10), (64, 64), (128, 128), (129, 127), (1500, 1000)]
)
def test_any_size(size: tuple[int, int]) -> None:
    vector = VisualDescriptorEmbedder().embed_images([make_image(7, size)])
    assert np.isfinite(vector).all()
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (128, 128, 128), (200, 30, 30)])
def test_flat_images(colour: tuple[int, int, int]) -> None:
    vector = VisualDescriptorEmbedder().embed_images([Image.new("RGB", (50, 40), colour)])
    assert np.isfinite(vector).all()
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def _lab(img: Image.Image) -> Image.Image:
    transform = ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), ImageCms.createProfile("LAB"), "RGB", "LAB"
    )
    out = ImageCms.applyTransform(img, transform)
    assert out is not None
    return out


def _sixteen_bit(img: Image.Image) -> Image.Image:
    return Image.fromarray(np.asarray(img.convert("L")).astype(np.uint16) * 257)  # mode I;16


# mode -> (conversion from an RGB image, whether the result keeps colour)
MODES: dict[str, tuple[Callable[[Image.Image], Image.Image], bool]] = {
    "RGBA": (lambda im: im.convert("RGBA"), True),
    "RGBX": (lambda im: im.convert("RGBX"), True),
    "P": (lambda im: im.convert("P", palette=Image.Palette.ADAPTIVE, colors=256), True),
    "PA": (lambda im: im.convert("RGBA").convert("PA"), True),
    "CMYK": (lambda im: im.convert("CMYK"), True),
    "YCbCr": (lambda im: im.convert("YCbCr"), True),
    "HSV": (lambda im: im.convert("HSV"), True),
    "LAB": (_lab, True),
    "L": (lambda im: im.convert("L"), False),
    "LA": (lambda im: im.convert("LA"), False),
    "La": (lambda im: im.convert("LA").convert("La"), False),
    "1": (lambda im: im.convert("1"), False),
    "I;16": (_sixteen_bit, False),
    "I": (lambda im: Image.fromarray(np.asarray(_sixteen_bit(im)).astype(np.int32)), False),
    "F": (lambda im: Image.fromarray(np.asarray(im.convert("L")).astype(np.float32) / 255.0), False),
}


@pytest.mark.parametrize("mode", list(MODES))
def test_image_modes(mode: str) -> None:
    """Every mode embeds, and lands next to the RGB (or 8-bit grey) picture it shows:
    16-bit and float greys are scaled, not clipped; LAB is converted, not reinterpreted."""
    convert, colour = MODES[mode]
    base = base_images()[1]
    img = convert(base)
    assert img.mode == mode
    embedder = VisualDescriptorEmbedder()
    vector, rgb, grey = embedder.embed_images([img, base, base.convert("L")])
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)
    reference = rgb if colour else grey
    # bilevel dithering is the one lossy conversion here
    assert float(vector @ reference) >= (0.85 if mode == "1" else 0.98)


def test_transparency_is_flattened_onto_white() -> None:
    embedder = VisualDescriptorEmbedder()
    clear, white = embedder.embed_images(
        [Image.new("RGBA", (40, 40), (0, 0, 0, 0)), Image.new("RGB", (40, 40), "white")]
    )
    assert float(clear @ white) == pytest.approx(1.0, abs=1e-5)


def test_exif_orientation_is_applied() -> None:
    base = base_images()[2]
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: viewers rotate it 90 degrees clockwise
    buf = io.BytesIO()
    base.save(buf, "PNG", exif=exif)
    buf.seek(0)
    tagged = Image.open(buf)
    tagged.load()
    embedder = VisualDescriptorEmbedder()
    shown, upright, raw = embedder.embed_images([tagged, base.transpose(Image.Transpose.ROTATE_270), base])
    assert float(shown @ upright) == pytest.approx(1.0, abs=1e-5)
    assert float(shown @ raw) < 0.9


# --------------------------------------------------------------------------- near-duplicates
#
# Measured on the 40 bases x 15 edits above (all seeded: every run sees the same numbers):
#   edit -> its own base:    min 0.778, 1st percentile 0.840, 5th 0.872, median 0.987
#   lowest per edit:         jpeg60 0.91, jpeg95 0.97, webp 0.96, half 0.97, double 0.98,
#                            crop_right10 0.78 (the crop cuts a shape off the edge),
#                            crop_bottom10 0.82, crop_top_left8 0.83, brighter 0.96,
#                            darker 0.93, contrast 0.93, border_black 0.94, border_white 0.94,
#                            watermark 0.85, crop_resize_jpeg 0.85
#   base -> another base:    max 0.580, 99th percentile 0.48, median 0.13
#   edit -> another base:    max 0.604
# The assertions below keep a margin of a few hundredths to those numbers.


def test_every_variant_is_nearest_to_its_own_base() -> None:
    bases, edits = embedded()
    sims = edits @ bases.T  # (N, variants, N)
    nearest = sims.argmax(axis=2)
    wrong = [
        (i, name, int(nearest[i, k]))
        for i in range(N_BASES)
        for k, name in enumerate(VARIANTS)
        if nearest[i, k] != i
    ]
    assert not wrong, f"variants nearest to another base (base, edit, nearest): {wrong}"


def test_variants_stay_close_and_unrelated_images_stay_far() -> None:
    bases, edits = embedded()
    own = np.einsum("nkd,nd->nk", edits, bases)
    base_sims = bases @ bases.T
    np.fill_diagonal(base_sims, -1.0)
    others = np.einsum("nkd,md->nkm", edits, bases)
    others[np.arange(N_BASES), :, np.arange(N_BASES)] = -1.0
    assert own.min() >= 0.75
    assert np.percentile(own, 1) >= 0.82
    assert np.median(own) >= 0.97
    assert base_sims.max() <= 0.62
    assert others.max() <= 0.64
    # re-encoding, resizing and tone edits barely move a vector
    for name in ("jpeg60", "jpeg95", "webp", "half", "double", "brighter", "darker", "contrast"):
        assert own[:, list(VARIANTS).index(name)].min() >= 0.88, name
    # a thin frame is cut off before anything is measured
    for name in ("border_black", "border_white"):
        assert own[:, list(VARIANTS).index(name)].min() >= 0.9, name


def test_the_visual_space_is_a_built_in_like_the_text_one() -> None:
    from latentdam.embed import builtin_spaces
    from latentdam.embed.space import get_space

    assert get_space("visual_descriptor_v1") is VISUAL_DESCRIPTOR  # it raised UnknownSpace
    assert builtin_spaces()["visual_descriptor_v1"] is VISUAL_DESCRIPTOR
