"""The records that extraction produces: what the generator wrote, in one shape for every tool."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from latentdam.extract.provenance import Provenance


class Tool(StrEnum):
    """Which generator made an asset. Stored as a plain string column, filterable."""

    A1111 = "a1111"  # AUTOMATIC1111 / Forge / SD.Next: the `parameters` text block
    COMFYUI = "comfyui"
    INVOKEAI = "invokeai"
    NOVELAI = "novelai"
    FOOOCUS = "fooocus"
    SWARMUI = "swarmui"
    EASYDIFFUSION = "easydiffusion"
    CIVITAI = "civitai"  # Civitai's on-site generator (A1111-format text with its resources)
    DRAWTHINGS = "drawthings"  # Draw Things (iOS/macOS): XMP with the settings as JSON
    MIDJOURNEY = "midjourney"
    DALLE = "dalle"
    FIREFLY = "firefly"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class LoRA:
    """A LoRA/LyCORIS applied during generation; weight is the model strength when known."""

    name: str
    weight: float | None = None


@dataclass(frozen=True, slots=True)
class ControlNet:
    """A ControlNet applied in one sampling pass; strength as set on its apply node."""

    name: str
    strength: float | None = None


@dataclass(slots=True)
class Stage:
    """One sampling pass of a multi-pass workflow (hires fix, base + refiner, detailers...):
    what that sampler was given. Only graph-based tools (ComfyUI) write them."""

    positive: str = ""
    negative: str = ""
    model: str | None = None  # checkpoint / UNet the pass sampled with
    loras: list[LoRA] = field(default_factory=list)
    controlnets: list[ControlNet] = field(default_factory=list)
    sampler: str | None = None
    scheduler: str | None = None
    steps: int | None = None
    cfg: float | None = None
    seed: int | None = None  # a pass that adds no noise reports the seed that made its noise
    denoise: float | None = None
    width: int | None = None
    height: int | None = None
    node: str | None = None  # the sampler's node id in the saved graph


@dataclass(slots=True)
class GenerationRecord:
    """Everything an image's own metadata says about how and why it was made.

    Generator readers fill the generation fields; the descriptive fields (title,
    description, tags, created_at) also come from plain EXIF/XMP/IPTC. `raw` holds every
    metadata block exactly as found (chunk/tag name -> text), so nothing the file said is lost.

    A multi-pass workflow is described by the pass that made the saved image (its prompt,
    checkpoint, seed, settings); `stages` keeps every pass, earliest first, and `models`,
    `loras` and `controlnets` gather what all of them used.
    """

    tool: Tool = Tool.UNKNOWN
    prompt: str = ""
    negative_prompt: str = ""
    model: str | None = None
    model_hash: str | None = None
    # every diffusion model that shaped the image (base + refiner, merged checkpoints), in the
    # order they were used, when the tool names more than one; see `diffusion_models`. Never a
    # VAE, text encoder or upscaler.
    models: list[str] = field(default_factory=list)
    loras: list[LoRA] = field(default_factory=list)
    controlnets: list[str] = field(default_factory=list)
    sampler: str | None = None
    scheduler: str | None = None
    steps: int | None = None
    cfg: float | None = None
    seed: int | None = None
    width: int | None = None  # generation size as the tool reports it (may differ from the file)
    height: int | None = None
    created_at: datetime | None = None
    title: str | None = None
    description: str | None = None
    tags: list[str] = field(default_factory=list)
    job_id: str | None = None  # Midjourney job id, NovelAI/other request ids
    software: str | None = None
    provenance: Provenance | None = None  # Content Credentials (C2PA), when the file has them
    stages: list[Stage] = field(default_factory=list)
    raw: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (datetimes as ISO-8601 strings)."""
        data = asdict(self)
        data["tool"] = str(self.tool)
        data["created_at"] = self.created_at.isoformat() if self.created_at else None
        return data

    def diffusion_models(self) -> list[str]:
        """Every diffusion model that shaped the image; `model` alone when the tool names one."""
        if self.model and self.model not in self.models:
            return [*self.models, self.model]
        return list(self.models)

    def prompts(self) -> list[str]:
        """Every distinct positive prompt: the image's own first, then other passes'."""
        texts = [self.prompt, *(stage.positive for stage in self.stages)]
        return [t for t in dict.fromkeys(t.strip() for t in texts) if t]
