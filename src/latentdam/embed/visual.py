"""A visual descriptor space that needs no model weights: colour layout, a perceptual hash,
a colour histogram and texture statistics, concatenated into one L2-normalised vector.

It does not understand content: two different photos of cats are no closer than a cat and a
car, and two unrelated pictures that share a palette and a composition can look alike to it.
What it finds is the same picture in another guise: re-encoded (JPEG, WebP), resized,
slightly cropped, brightened or darkened, framed with a thin border or stamped with a small
watermark — the variations, crops, re-encodes and near-duplicates that pile up in an image
library. Use a CLIP-style space for search by meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
from PIL import Image

from latentdam.embed.space import VISUAL_DESCRIPTOR, Space
from latentdam.extract.pixels import upright_rgb

# Each image becomes one small square RGB working image; aspect ratio is dropped (a crop
# changes it a little, and the descriptor should not care).
WORK = 64
DETECT = 128  # flat borders are found and cut at up to 128x128, before the working size
BORDER_MAX = 0.1  # at most this much of each side is cut as frame
BORDER_TOLERANCE = 12  # a frame line: BORDER_SHARE of its pixels within this of the frame colour
BORDER_SHARE = 0.99

LAYOUT_GRID = 8  # colour layout: an 8x8 grid of mean YCbCr colours (MPEG-7 colour layout) ...
LAYOUT_Y, LAYOUT_C = 15, 10  # ... of which the lowest DCT frequencies are kept (zigzag order)
LAYOUT_Y_DC = 0.5  # the mean brightness counts half: brightness edits move it
HASH_SIDE, HASH_BITS = 32, 8  # pHash: 8x8 lowest DCT frequencies of a 32x32 grayscale
HIST_SIDE = 32  # colour histogram over a 32x32 version ...
HIST_BINS = (8, 3, 3)  # ... hue x saturation x value, soft-binned ...
HIST_GRAYS = 4  # ... plus value bins for unsaturated pixels, where hue means nothing
TEXTURE_SCALES = (32, 16)  # gradient orientation histograms on two scales ...
TEXTURE_CELLS = 4  # ... in a 4x4 grid ...
TEXTURE_ORIENTATIONS = 4  # ... of 4 unsigned orientations

# Squared weights sum to 1, so the cosine of two descriptors is the weighted mean of the
# blocks' cosines: each value is that block's share of the similarity.
WEIGHTS_SQ = {"layout": 0.3, "phash": 0.15, "histogram": 0.2, "texture": 0.35}

DIMS = {
    "layout": LAYOUT_Y + 2 * LAYOUT_C,
    "phash": HASH_BITS * HASH_BITS,
    "histogram": HIST_BINS[0] * HIST_BINS[1] * HIST_BINS[2] + HIST_GRAYS,
    "texture": len(TEXTURE_SCALES) * TEXTURE_CELLS * TEXTURE_CELLS * TEXTURE_ORIENTATIONS,
}
DIM = sum(DIMS.values())
if VISUAL_DESCRIPTOR.dim != DIM:  # the space is declared with the other built-ins (space.py)
    raise RuntimeError(f"visual descriptor blocks add up to {DIM}, its space says {VISUAL_DESCRIPTOR.dim}")


_LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float32)


@cache
def _dct_matrix(n: int) -> np.ndarray:
    """The orthonormal DCT-II matrix: `D @ x` is the DCT of a length-n signal."""
    k = np.arange(n)[:, None]
    i = np.arange(n)[None, :]
    d = np.cos(np.pi * (2 * i + 1) * k / (2 * n)) * np.sqrt(2.0 / n)
    d[0] /= np.sqrt(2.0)
    return d.astype(np.float32)


@cache
def _zigzag(side: int, keep: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices of the first `keep` coefficients in JPEG zigzag order."""
    order = sorted(
        ((u, v) for u in range(side) for v in range(side)),
        key=lambda uv: (uv[0] + uv[1], uv[1] if (uv[0] + uv[1]) % 2 else uv[0]),
    )[:keep]
    return np.array([u for u, _ in order]), np.array([v for _, v in order])


@cache
def _cell_weights(side: int, cells: int) -> np.ndarray:
    """(side, cells): how much each pixel row (or column) votes for each cell, shared
    linearly between the two nearest cell centres."""
    pos = (np.arange(side) + 0.5) / side
    return _soft(pos, cells, circular=False).astype(np.float32)


# --------------------------------------------------------------------------- decoding


def _pixels(img: Image.Image) -> np.ndarray:
    # faster than np.asarray(img), which goes through the array interface
    return np.frombuffer(img.tobytes(), dtype=np.uint8).reshape(img.height, img.width, 3)


def _flat_run(lines: np.ndarray) -> int:
    """How many leading lines of an (L, W, 3) array belong to a frame: the first line flat,
    and each line after it the same colour, BORDER_SHARE of its pixels within
    BORDER_TOLERANCE of the first line's mean. A gradient or a shape ends the run."""
    if len(lines) == 0:
        return 0
    first = lines[0].astype(np.float32)
    colour = first.mean(axis=0)
    for stop in (1, len(lines)):  # the first line alone first: in most images it is no frame
        dev = np.abs(lines[:stop].astype(np.float32) - colour).max(axis=2)  # (L, W)
        close = (dev <= BORDER_TOLERANCE).mean(axis=1) >= BORDER_SHARE
        edge = np.flatnonzero(~close)
        if len(edge):
            return int(edge[0])
    return len(lines)


def _border_box(a: np.ndarray) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) left after cutting flat rows and columns (a frame,
    letterboxing, a flat margin) off each side of an (H, W, 3) image, at most BORDER_MAX of
    the size per side. Rows are judged within the columns kept so far and the other way
    round, so the sides of a frame do not stop its top from being cut: an image and a framed
    copy of it cut down to nearly the same box."""
    h, w = a.shape[:2]
    lh, lw = int(h * BORDER_MAX), int(w * BORDER_MAX)
    cut = [0, 0, 0, 0]  # left, top, right, bottom
    for _ in range(3):
        rows = a[:, cut[0] : w - cut[2]]
        cols = a[cut[1] : h - cut[3]].transpose(1, 0, 2)
        sides = ((cols, lw), (rows, lh), (cols[::-1], lw), (rows[::-1], lh))
        new = [c + _flat_run(lines[c:limit]) for c, (lines, limit) in zip(cut, sides, strict=True)]
        if new == cut:
            break
        cut = new
    return cut[0], cut[1], w - cut[2], h - cut[3]


def working_image(img: Image.Image) -> np.ndarray:
    """The (64, 64, 3) uint8 image every block is computed from: RGB, borders cut, squashed."""
    rgb = upright_rgb(img)
    w, h = rgb.size
    if w > DETECT or h > DETECT:
        # integer box-averaging first (fast), then the remainder: both average areas
        fx, fy = max(1, w // DETECT), max(1, h // DETECT)
        if fx > 1 or fy > 1:
            rgb = rgb.reduce((fx, fy))
        target = (min(w, DETECT), min(h, DETECT))
        if rgb.size != target:
            rgb = rgb.resize(target, Image.Resampling.BOX)
    box = _border_box(_pixels(rgb))
    if box == (0, 0, WORK, WORK) and rgb.size == (WORK, WORK):
        return _pixels(rgb)
    return _pixels(rgb.resize((WORK, WORK), Image.Resampling.BOX, box=box))


# --------------------------------------------------------------------------- blocks


@cache
def _pool_matrix(side: int) -> np.ndarray:
    """(side, WORK): averages WORK pixels down to `side`; `P @ x @ P.T` pools a plane."""
    f = WORK // side
    return np.kron(np.eye(side, dtype=np.float32), np.full((1, f), 1.0 / f, dtype=np.float32))


def _pool(planes: np.ndarray, side: int) -> np.ndarray:
    """Mean-pool (..., WORK, WORK) planes down to (..., side, side)."""
    if side == WORK:
        return planes
    p = _pool_matrix(side)
    return p @ planes @ p.T


def _soft(values: np.ndarray, bins: int, circular: bool) -> np.ndarray:
    """Weights sharing each value in [0, 1] linearly between its two nearest bin centres, as
    a new axis after the first: (n, ...) -> (n, bins, ...), or (m,) -> (m, bins). On a circle
    (hue, orientation) the last bin neighbours the first."""
    pos = values * bins - 0.5
    if not circular:
        pos = np.clip(pos, 0, bins - 1)
    out = []
    for centre in range(bins):
        d = np.abs(pos - centre)
        if circular:
            d = np.minimum(d, bins - d)
        out.append(np.maximum(1.0 - d, 0.0))
    return np.stack(out, axis=1)


def _layout(rgb: np.ndarray) -> np.ndarray:
    """MPEG-7-style colour layout: the low-frequency DCT of an 8x8 grid of YCbCr means,
    centred on mid-grey. Low frequencies move little under small crops and shifts."""
    r, g, b = _pool(rgb, LAYOUT_GRID).transpose(1, 0, 2, 3)
    ycc = np.stack(
        [
            0.299 * r + 0.587 * g + 0.114 * b - 128.0,
            -0.168736 * r - 0.331264 * g + 0.5 * b,
            0.5 * r - 0.418688 * g - 0.081312 * b,
        ],
        axis=1,
    )  # (n, 3, 8, 8)
    d = _dct_matrix(LAYOUT_GRID)
    coefs = d @ ycc @ d.T
    yu, yv = _zigzag(LAYOUT_GRID, LAYOUT_Y)
    cu, cv = _zigzag(LAYOUT_GRID, LAYOUT_C)
    y = coefs[:, 0, yu, yv]
    y[:, 0] *= LAYOUT_Y_DC
    return np.concatenate([y, coefs[:, 1, cu, cv], coefs[:, 2, cu, cv]], axis=1)


def _phash(gray: np.ndarray) -> np.ndarray:
    """pHash as +-1 bits: each of the 8x8 lowest DCT coefficients of a 32x32 grayscale
    against their median. Two images' cosine is 1 - 2 * hamming distance / 64."""
    d = _dct_matrix(HASH_SIDE)[:HASH_BITS]
    low = (d @ _pool(gray, HASH_SIDE) @ d.T).reshape(len(gray), -1)
    med = np.median(low, axis=1, keepdims=True)
    return np.where(low > med, 1.0, -1.0).astype(np.float32)


def _histogram(rgb: np.ndarray) -> np.ndarray:
    """A soft-binned HSV histogram, square-rooted (Hellinger) and mean-centred, which lowers
    (but does not remove) the positive similarity any two raw histograms have."""
    n = len(rgb)
    r, g, b = _pool(rgb, HIST_SIDE).reshape(n, 3, -1).transpose(1, 0, 2) / 255.0  # (n, P) each
    mx = np.maximum(np.maximum(r, g), b)
    delta = mx - np.minimum(np.minimum(r, g), b)
    safe = np.where(delta > 0, delta, 1.0)
    hue = np.where(mx == r, (g - b) / safe, np.where(mx == g, 2.0 + (b - r) / safe, 4.0 + (r - g) / safe))
    hue = (hue / 6.0) % 1.0
    sat = delta / np.where(mx > 0, mx, 1.0)
    # pixels fade from the colour bins into the grey bins as chroma (sat * value) drops
    chroma = np.clip((delta - 0.08) / 0.12, 0.0, 1.0)
    nh, ns, nv = HIST_BINS
    wh = _soft(hue, nh, circular=True) * chroma[:, None]  # (n, nh, P)
    hs = (wh[:, :, None] * _soft(sat, ns, circular=False)[:, None]).reshape(n, nh * ns, -1)
    colour = (hs @ _soft(mx, nv, circular=False).transpose(0, 2, 1)).reshape(n, -1)
    grey = _soft(mx, HIST_GRAYS, circular=False) @ (1.0 - chroma)[:, :, None]
    hist = np.sqrt(np.concatenate([colour, grey[:, :, 0]], axis=1) / r.shape[1])
    return hist - hist.mean(axis=1, keepdims=True)


def _texture(gray: np.ndarray) -> np.ndarray:
    """Gradient orientation histograms (HOG-like) in a 4x4 grid on two scales: where the
    edges are and which way they run. Votes are shared between neighbouring cells and
    orientations, so a small shift moves weight smoothly. Square-rooted and mean-centred."""
    n = len(gray)
    parts = []
    for side in TEXTURE_SCALES:
        g = _pool(gray, side)
        gx = np.zeros_like(g)
        gy = np.zeros_like(g)
        gx[:, :, 1:-1] = g[:, :, 2:] - g[:, :, :-2]
        gy[:, 1:-1, :] = g[:, 2:, :] - g[:, :-2, :]
        theta = (np.arctan2(gy, gx) / np.pi) % 1.0  # unsigned orientation in [0, 1)
        votes = _soft(theta, TEXTURE_ORIENTATIONS, circular=True) * np.hypot(gx, gy)[:, None]
        cells = _cell_weights(side, TEXTURE_CELLS)  # (side, cells)
        hog = cells.T @ votes @ cells  # (n, orientations, cells, cells)
        parts.append(np.sqrt(hog.reshape(n, -1) / (side / TEXTURE_CELLS) ** 2))
    tex = np.concatenate(parts, axis=1)
    return tex - tex.mean(axis=1, keepdims=True)


def _normalise(x: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norm, 1e-12)


def describe(work: np.ndarray) -> np.ndarray:
    """Descriptors, (n, DIM) float32 L2-normalised, for (n, 64, 64, 3) uint8 working images.
    Each block is L2-normalised and weighted by the square root of its WEIGHTS_SQ share."""
    x = work.transpose(0, 3, 1, 2).astype(np.float32, order="C")  # planar: fast reductions
    gray = _LUMA[0] * x[:, 0] + _LUMA[1] * x[:, 1] + _LUMA[2] * x[:, 2]
    blocks = {
        "layout": _layout(x),
        "phash": _phash(gray),
        "histogram": _histogram(x),
        "texture": _texture(gray),
    }
    out = np.concatenate(
        [_normalise(block.astype(np.float64)) * np.sqrt(WEIGHTS_SQ[name]) for name, block in blocks.items()],
        axis=1,
    )
    return _normalise(out).astype(np.float32)


class VisualDescriptorEmbedder:
    """Embeds images into VISUAL_DESCRIPTOR. There are no weights: `load` and `unload` do
    nothing, and a vector depends on the image alone (not on the batch it came in).

    Speed, one core, images already decoded: about 2,900/s at 64x64, 2,100/s at 128x128,
    1,750/s at 256x256, 850/s at 1024x1024 (the downscale is what grows)."""

    def __init__(self, space: Space = VISUAL_DESCRIPTOR) -> None:
        if space.dim != DIM:
            raise ValueError(f"space {space.name!r} has dim {space.dim}; the visual descriptor has {DIM}")
        self.space = space

    def load(self) -> None:
        """Nothing to load."""

    def unload(self) -> None:
        """Nothing to free."""

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        if len(images) == 0:
            return np.zeros((0, self.space.dim), dtype=np.float32)
        return describe(np.stack([working_image(img) for img in images]))
