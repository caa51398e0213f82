"""One settings object, built once by the CLI/API from LATENTDAM_* variables and passed down.
Code below the interfaces takes explicit arguments and never reads os.environ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from latentdam.errors import InvalidSetting

DEFAULT_LIBRARY = "latentdam-library"


class FusionWeights(BaseModel):
    """Relative weight of each signal in reciprocal-rank fusion. A plain model, not settings
    of its own: only LATENTDAM_FUSION__<SIGNAL> sets it (an unprefixed IMAGE=0 once did)."""

    semantic: float = 1.0
    keyword: float = 1.0  # scaled down for descriptive (non-literal) queries: search/engine.py
    expansion: float = 1.0
    image: float = 1.0
    visual: float = 1.0


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LATENTDAM_", env_nested_delimiter="__")

    # Where the library lives: a directory, or an object-store URI (s3://bucket/prefix).
    library: str = DEFAULT_LIBRARY
    # Object-store credentials and endpoint for an s3:// library, passed to LanceDB as they
    # are (e.g. {"aws_endpoint": "http://127.0.0.1:8333", "allow_http": "true"}).
    storage_options: dict[str, str] = Field(default_factory=dict)
    # How stale a read may be, in seconds, before it checks for other processes' writes (a
    # server sees a CLI ingest or a model switch within this); 0 checks on every read.
    read_consistency_seconds: float = Field(default=1.0, ge=0)
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
    # Processes that read files at ingest (decode, hash, metadata, thumbnail); None: one per
    # core, at most 8; 0 reads in the ingesting process itself, with no time budget.
    read_workers: int | None = Field(default=None, ge=0)
    # Seconds one file may take to read before it is given up and reported (a crafted file
    # must not stall an ingest); an ordinary file takes well under a second.
    file_timeout: float = Field(default=60.0, gt=0)
    # a library in a bucket keeps a copy of each original there (originals/, by content hash),
    # so any host serving it can serve the files
    copy_originals: bool = True
    # A PEM bundle of the signers whose Content Credentials (C2PA) count as valid, e.g. the
    # C2PA trust list; without one, signed files read `untrusted` (the signature still checks).
    c2pa_trust_anchors: Path | None = None
    fusion: FusionWeights = Field(default_factory=FusionWeights)
    # Reciprocal rank fusion constant: 60 is the value of Cormack et al. (2009), a robust default.
    rrf_k: int = Field(default=60, ge=1)

    @field_validator("library", mode="before")
    @classmethod
    def _location(cls, value: object) -> object:
        return library_location(value) if isinstance(value, str | Path) else value


def library_location(value: str | Path) -> str:
    """A library location as a string: a path with `~` expanded, a URI exactly as written
    (a Path would turn s3://bucket/lib into s3:/bucket/lib)."""
    if isinstance(value, Path) or "://" not in value:
        return str(Path(value).expanduser())
    return value


def load_settings(**overrides: Any) -> Settings:
    """Settings from LATENTDAM_* variables, with `overrides` (command-line flags; None: not
    given) taking precedence, validated alike: a bad value from either is an InvalidSetting
    that names the field, where it came from and what it must be."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = ".".join(str(part) for part in problem["loc"]) or "settings"
        source = (
            f"--{field.replace('_', '-')}"
            if field in given
            else f"LATENTDAM_{field.upper().replace('.', '__')}"
        )
        raise InvalidSetting(
            f"invalid {field} {problem.get('input')!r} (from {source}): {problem['msg'].lower()}"
        ) from None
