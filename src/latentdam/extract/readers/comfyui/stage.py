"""What one sampler node was given, and the record the sampler stages make together."""

from __future__ import annotations

from dataclasses import dataclass, field

from latentdam.extract.readers.comfyui.graph import NodeId
from latentdam.extract.record import GenerationRecord, LoRA, Tool


@dataclass(slots=True)
class Stage:
    """What one sampler node was given."""

    node_id: NodeId
    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    model: str | None = None
    loras: list[LoRA] = field(default_factory=list)
    controlnets: list[str] = field(default_factory=list)
    sampler: str | None = None
    scheduler: str | None = None
    steps: int | None = None
    cfg: float | None = None
    guidance: float | None = None  # FluxGuidance / CLIPTextEncodeFlux on the positive path
    seed: int | None = None
    width: int | None = None
    height: int | None = None


def record_from_stages(stages: list[Stage]) -> GenerationRecord:
    """The first stage speaks for the image (its prompt, seed, size, settings); models, LoRAs
    and ControlNets are collected from every stage."""
    record = GenerationRecord(tool=Tool.COMFYUI)
    if not stages:
        return record
    first = stages[0]
    record.prompt = "\n".join(first.positive)
    record.negative_prompt = "\n".join(first.negative)
    record.model = first.model or next((s.model for s in stages if s.model), None)
    loras: dict[str, LoRA] = {}
    for stage in stages:  # a LoRA shared by several stages (same model chain) counts once
        for lora in stage.loras:
            loras.setdefault(lora.name, lora)
    record.loras = list(loras.values())
    record.controlnets = list(dict.fromkeys(c for s in stages for c in s.controlnets))
    record.sampler, record.scheduler = first.sampler, first.scheduler
    record.steps, record.seed = first.steps, first.seed
    record.width, record.height = first.width, first.height
    # Flux-style guidance-distilled models run at cfg 1 (or with no CFG at all, BasicGuider); the
    # FluxGuidance value is the knob users set, so it is what cfg reports. A real cfg > 1 stays.
    record.cfg = first.cfg
    if first.guidance is not None and (first.cfg is None or first.cfg == 1.0):
        record.cfg = float(first.guidance)
    return record
