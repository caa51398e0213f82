"""One settings object, built once by the CLI/API from LATENTDAM_* variables and passed down.
Code below the interfaces takes explicit arguments and never reads os.environ."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_LIBRARY = Path("latentdam-library")


class FusionWeights(BaseSettings):
    """Relative weight of each signal in reciprocal-rank fusion."""

    semantic: float = 1.0
    keyword: float = 1.0  # scaled down for descriptive (non-literal) queries: search/engine.py
    expansion: float = 1.0
    image: float = 1.0
    visual: float = 1.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LATENTDAM_", env_nested_delimiter="__")

    library: Path = DEFAULT_LIBRARY
    # Spaces a new library starts with: the offline text model over prompts, and the
    # weight-free visual descriptor for search by example and near-duplicates. Add a CLIP or
    # SigLIP space later with `latentdam reembed --model ...`.
    spaces: list[str] = Field(default_factory=lambda: ["text_minilm_l6", "visual_descriptor_v1"])
    device: str | None = None  # None: CUDA when present, else CPU
    # Files per write batch: big enough to amortise LanceDB commits and model calls,
    # small enough that a crash loses little work and progress stays live.
    batch_size: int = Field(default=64, ge=1)
    # Pillow's own bomb guard is ~179 MP; 100 MP is more than any generator writes today.
    max_megapixels: float = Field(default=100.0, gt=0)
    thumbnail_size: int = Field(default=256, ge=16)
    fusion: FusionWeights = Field(default_factory=FusionWeights)
    # Reciprocal rank fusion constant: 60 is the value of Cormack et al. (2009), a robust default.
    rrf_k: int = Field(default=60, ge=1)
