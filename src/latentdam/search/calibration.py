"""Calibrated confidence: what a similarity score *means* in one embedding space.

Raw cosine scales differ per model (MiniLM's "very related" is CLIP's "unrelated"), so a
fixed cut like 0.8 is meaningless. Each text space is calibrated from the library itself:

- genuine matches: a phrase of an asset's own prompt (a short, query-like description of
  what the image shows) against that asset's vector;
- chance matches: the same phrases against random other assets.

Spaces that embed pixels are calibrated for searches by example image the same way, with
an asset's lightly cropped, resized, re-encoded copy as the genuine match. A joint text-image
space (CLIP, SigLIP) has both: by example image as above, and for text queries a phrase of an
asset's own prompt against that asset's *image* vector, which is what a text query scores in it.

A logistic fit (Platt scaling) of "genuine" on the score turns any cosine into
P(genuine | score): the confidence. The cut is where genuine and chance are equally likely
(confidence 0.5). Calibration is stored in the library manifest per space and refreshed
when the library has grown by a quarter since.
"""

from __future__ import annotations

import io
import math
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

import numpy as np
from PIL import Image

from latentdam.embed.base import ImageEmbedder, TextEmbedder
from latentdam.embed.space import Modality, Space
from latentdam.extract.text import clean_prompt
from latentdam.store.store import LibraryStore

# A query answers when its best candidate is at least this likely relevant: a genuine match
# as likely as not. Below it, "nothing in this library matches" (search/engine.py).
DEFAULT_CUT = 0.5
# Bands above the cut, on calibrated confidence.
STRONG = 0.85
RELATED = 0.65
SAMPLE_ASSETS = 400  # phrases drawn for a calibration: enough for a stable two-parameter fit
REFRESH_GROWTH = 1.25  # recalibrate once the library is this much larger than at calibration
_MIN_PHRASE_WORDS = 2
# A query is a few words: a longer phrase is cut to its first words. Without the cap, one
# hostile prompt ("a kite a kite ..." 500 times, no comma) made each phrase search of a
# fit take over a second, and the library's whole refit 50 s instead of 8.
_MAX_PHRASE_WORDS = 16
MIN_SAMPLES = 10  # fewer assets (or usable samples) than this: too few to say anything


class Band(StrEnum):
    STRONG = "strong"
    RELATED = "related"
    WEAK = "weak"
    BELOW = "below"  # under the cut: suppressed unless asked for


@dataclass(frozen=True, slots=True)
class Calibration:
    space: str
    slope: float
    intercept: float
    assets: int  # library size when calibrated
    samples: int

    def confidence(self, score: float) -> float:
        return 1.0 / (1.0 + math.exp(-(self.slope * score + self.intercept)))

    def score_at(self, confidence: float) -> float:
        """The raw score that gives this confidence (for reports)."""
        return (math.log(confidence / (1 - confidence)) - self.intercept) / self.slope

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        return cls(**data)


def is_current(fitted: dict[str, Any] | None, assets: int) -> bool:
    """Whether a stored calibration or relevance model still describes a library of this many
    assets: it exists and the library has grown by less than REFRESH_GROWTH since."""
    return fitted is not None and assets < fitted["assets"] * REFRESH_GROWTH


def calibration_key(space: Space, query: Modality) -> str:
    """Where a space's calibration for queries of one modality is kept in the manifest: under
    the space's name for the one kind of query it is searched with first (images, if it embeds
    them), under "<name>:text" for text queries in a joint text-image space."""
    joint_text = query is Modality.TEXT and space.embeds(Modality.IMAGE) and space.embeds(Modality.TEXT)
    return f"{space.name}:text" if joint_text else space.name


def band(confidence: float, cut: float = DEFAULT_CUT) -> Band:
    if confidence >= STRONG:
        return Band.STRONG
    if confidence >= RELATED:
        return Band.RELATED
    return Band.WEAK if confidence >= cut else Band.BELOW


def fit_logistic(scores: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """Platt scaling: the (slope, intercept) of a logistic fit of `labels` on `scores`, by
    scikit-learn's solver (unregularised: two parameters, convex).

    Targets are Platt's smoothed ones, (n+ + 1)/(n+ + 2) and 1/(n- + 2), not 1 and 0: a small
    library whose samples happen to separate perfectly must not yield certainties. A soft
    target t is the sample seen as a positive with weight t and a negative with weight 1 - t."""
    from sklearn.linear_model import LogisticRegression  # heavy; only a fit needs it

    positives = float(labels.sum())
    negatives = float(len(labels) - positives)
    targets = np.where(labels > 0, (positives + 1) / (positives + 2), 1 / (negatives + 2))
    x = np.asarray(scores, dtype=np.float64).reshape(-1, 1)
    both = np.concatenate([x, x])
    outcome = np.concatenate([np.ones(len(x)), np.zeros(len(x))])
    weight = np.concatenate([targets, 1.0 - targets])
    fitted = LogisticRegression(C=np.inf).fit(both, outcome, sample_weight=weight)
    return float(fitted.coef_[0, 0]), float(fitted.intercept_[0])


def by_id(ids: list[str], matrix: np.ndarray) -> tuple[list[str], np.ndarray]:
    """Vectors in asset-id order: the same library content draws the same calibration sample,
    however its rows happen to be stored (ingest order, updates)."""
    order = np.argsort(np.asarray(ids))
    return [ids[i] for i in order], matrix[order]


def prompt_phrases(embed_text: str) -> list[str]:
    """The query-like phrases of an asset's embedded text (comma or sentence separated, of
    at least _MIN_PHRASE_WORDS words, cut to _MAX_PHRASE_WORDS): what calibration and
    relevance fits use as queries."""
    text = clean_prompt(embed_text)
    words = (p.split() for p in text.replace(".", ",").split(","))
    return [" ".join(w[:_MAX_PHRASE_WORDS]) for w in words if len(w) >= _MIN_PHRASE_WORDS]


def _fit_own_against_other(
    probes: np.ndarray, matrix: np.ndarray, owners: list[int], rng: np.random.Generator
) -> tuple[float, float]:
    """Platt fit of genuine (each probe against the asset it was made from, `matrix[owner]`)
    versus chance (the same probe against a random other asset)."""
    own = np.asarray(owners)
    genuine = np.einsum("ij,ij->i", probes, matrix[own])
    others = (own + rng.integers(1, len(matrix), len(own))) % len(matrix)  # never the owner itself
    chance = np.einsum("ij,ij->i", probes, matrix[others])
    scores = np.concatenate([genuine, chance])
    labels = np.concatenate([np.ones(len(genuine)), np.zeros(len(chance))])
    return fit_logistic(scores, labels)


def calibrate_text_space(
    store: LibraryStore, space: Space, embedder: TextEmbedder, seed: int = 0
) -> Calibration | None:
    """Fit the space's calibration for text queries from the library (in a joint space, the
    stored vectors are images: prompt phrase against own image); None when too small to say."""
    ids, matrix = by_id(*store.all_vectors(space))
    if len(ids) < MIN_SAMPLES:
        return None
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(ids), size=min(SAMPLE_ASSETS, len(ids)), replace=False)
    prompts = store.rows([ids[i] for i in chosen], columns=["id", "embed_text"])
    phrases: list[str] = []
    owners: list[int] = []
    for i in chosen:
        candidates = prompt_phrases(prompts[ids[i]].get("embed_text") or "")
        if candidates:
            phrases.append(candidates[int(rng.integers(len(candidates)))])
            owners.append(int(i))
    if len(phrases) < MIN_SAMPLES:
        return None
    slope, intercept = _fit_own_against_other(embedder.embed_documents(phrases), matrix, owners, rng)
    return Calibration(space.name, slope, intercept, assets=len(ids), samples=len(phrases))


def _variant(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A copy as people make them: cropped a little, resized, JPEG re-encoded."""
    width, height = image.size
    left, top = int(width * rng.uniform(0, 0.08)), int(height * rng.uniform(0, 0.08))
    cropped = image.crop((left, top, width - int(width * rng.uniform(0, 0.08)), height))
    resized = cropped.resize((max(8, int(cropped.width * 0.75)), max(8, int(cropped.height * 0.75))))
    buffer = io.BytesIO()
    resized.convert("RGB").save(buffer, format="JPEG", quality=75)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def _thumbnail(data: bytes | None) -> Image.Image | None:
    if not data:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            return image.convert("RGB")
    except (OSError, ValueError):
        return None


def calibrate_image_space(
    store: LibraryStore, space: Space, embedder: ImageEmbedder, seed: int = 0
) -> Calibration | None:
    """Calibrate a space that embeds pixels, for searches by example image.

    Genuine: an asset against a lightly cropped, resized, re-encoded copy of itself (what
    "this is the same picture" scores); chance: that copy against a random other asset. The
    copies are made from the stored thumbnails: the original files may have moved, and reading
    them again would cost a second full decode of each."""
    ids, matrix = by_id(*store.all_vectors(space))
    if len(ids) < MIN_SAMPLES:
        return None
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(ids), size=min(SAMPLE_ASSETS // 2, len(ids)), replace=False)
    thumbnails = store.rows([ids[i] for i in chosen], columns=["id", "thumbnail"])
    owners: list[int] = []
    variants: list[Image.Image] = []
    for i in chosen:
        pixels = _thumbnail(thumbnails.get(ids[i], {}).get("thumbnail"))
        if pixels is not None:
            variants.append(_variant(pixels, rng))
            owners.append(int(i))
    if len(variants) < MIN_SAMPLES:
        return None
    slope, intercept = _fit_own_against_other(embedder.embed_images(variants), matrix, owners, rng)
    return Calibration(space.name, slope, intercept, assets=len(ids), samples=len(variants))
