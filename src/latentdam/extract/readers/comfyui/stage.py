"""What one sampler node was given, and the record the sampler stages make together."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from latentdam.extract.readers.comfyui.graph import NodeId
from latentdam.extract.record import ControlNet, GenerationRecord, LoRA, Stage, Tool

T = TypeVar("T")


@dataclass(slots=True)
class TracedStage:
    """What one sampler node was given, as traced through the graph."""

    node_id: NodeId
    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    model: str | None = None
    models: list[str] = field(default_factory=list)  # every loader behind the MODEL link (merges)
    loras: list[LoRA] = field(default_factory=list)
    controlnets: list[ControlNet] = field(default_factory=list)
    sampler: str | None = None
    scheduler: str | None = None
    steps: int | None = None
    cfg: float | None = None
    guidance: float | None = None  # FluxGuidance / CLIPTextEncodeFlux on the positive path
    seed: int | None = None
    denoise: float | None = None
    width: int | None = None
    height: int | None = None

    @property
    def effective_cfg(self) -> float | None:
        # Flux-style guidance-distilled models run at cfg 1 (or with no CFG at all, BasicGuider);
        # the FluxGuidance value is the knob users set, so it is what cfg reports. A real cfg > 1
        # stays.
        if self.guidance is not None and (self.cfg is None or self.cfg == 1.0):
            return float(self.guidance)
        return self.cfg

    def to_stage(self) -> Stage:
        return Stage(
            positive="\n".join(self.positive),
            negative="\n".join(self.negative),
            model=self.model,
            loras=list(self.loras),
            controlnets=list(self.controlnets),
            sampler=self.sampler,
            scheduler=self.scheduler,
            steps=self.steps,
            cfg=self.effective_cfg,
            seed=self.seed,
            denoise=self.denoise,
            width=self.width,
            height=self.height,
            node=self.node_id,
        )


def record_from_stages(stages: list[TracedStage]) -> GenerationRecord:
    """The last stage (the sampler that made the saved image) speaks for the image: its prompt,
    checkpoint, seed, size and settings, each taken from the nearest earlier stage when the
    last one does not say (a hires pass keeps the first pass's size; a detailer with no text of
    its own the prompt it refines). Models, LoRAs and ControlNets come from every stage."""
    record = GenerationRecord(tool=Tool.COMFYUI)
    if not stages:
        return record
    latest_first = stages[::-1]

    def nearest(get: Callable[[TracedStage], T | None]) -> T | None:
        return next((value for s in latest_first if (value := get(s)) is not None), None)

    worded = next((s for s in latest_first if s.positive), stages[-1])
    record.prompt = "\n".join(worded.positive)
    record.negative_prompt = "\n".join(worded.negative)
    record.model = nearest(lambda s: s.model)
    record.models = list(dict.fromkeys(m for s in stages for m in s.models))
    loras: dict[str, LoRA] = {}
    for stage in stages:  # a LoRA shared by several stages (same model chain) counts once
        for lora in stage.loras:
            loras.setdefault(lora.name, lora)
    record.loras = list(loras.values())
    record.controlnets = list(dict.fromkeys(c.name for s in stages for c in s.controlnets))
    record.sampler = nearest(lambda s: s.sampler)
    record.scheduler = nearest(lambda s: s.scheduler)
    record.steps = nearest(lambda s: s.steps)
    record.seed = nearest(lambda s: s.seed)
    record.cfg = nearest(lambda s: s.effective_cfg)
    sized = next((s for s in latest_first if s.width is not None and s.height is not None), None)
    if sized is not None:
        record.width, record.height = sized.width, sized.height
    record.stages = [s.to_stage() for s in stages]
    return record
