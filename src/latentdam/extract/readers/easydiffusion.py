"""Easy Diffusion: one PNG text chunk per setting (or the same dict as JSON in a JPEG/WebP's EXIF
UserComment).

`easydiffusion/utils/save_utils.py` builds the metadata dict in TASK_TEXT_MAPPING's order and
sdkit's `save_dicts(output_format="embed")` stores each entry as `str(value)`: keys are the
request's own names (`prompt`, `negative_prompt`, `seed`, `use_stable_diffusion_model`,
`sampler_name`, `num_inference_steps`, `guidance_scale`, `use_lora_model`, `lora_alpha`...), or
the display names (`Prompt`, `Stable Diffusion model`, `Steps`, `LoRA model`...) when the text
metadata format is chosen as well. Lists (several LoRAs) are Python reprs; absent values "None".
"""

from __future__ import annotations

import ast
import json
from pathlib import PurePath
from typing import Any

from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers.values import text_float, text_int
from latentdam.extract.record import GenerationRecord, LoRA, Tool

# request key -> display name, as TASK_TEXT_MAPPING pairs them
_NAMES = {
    "prompt": "Prompt",
    "negative_prompt": "Negative Prompt",
    "seed": "Seed",
    "use_stable_diffusion_model": "Stable Diffusion model",
    "use_controlnet_model": "ControlNet model",
    "sampler_name": "Sampler",
    "width": "Width",
    "height": "Height",
    "num_inference_steps": "Steps",
    "guidance_scale": "Guidance Scale",
    "use_lora_model": "LoRA model",
    "lora_alpha": "LoRA Strength",
}
_MARKERS = ("use_stable_diffusion_model", "Stable Diffusion model")
_MAX_LIST_TEXT = 10_000  # a repr longer than this is not a list of model names


def _fields(meta: RawMetadata) -> dict[str, str] | None:
    if any(m in meta.text for m in _MARKERS):
        return meta.text
    comment = meta.exif.get("UserComment")
    if isinstance(comment, str) and comment.lstrip().startswith("{") and any(m in comment for m in _MARKERS):
        try:
            data = json.loads(comment)
        except (ValueError, RecursionError):
            return None
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else None
    return None


def _get(fields: dict[str, str], key: str) -> str | None:
    value = fields.get(key, fields.get(_NAMES[key]))
    return None if value is None or value.strip() in ("", "None") else value.strip()


def _items(value: str | None) -> list[Any]:
    """A saved list setting: one item, the repr of a list, or (txt format) items joined by ", "."""
    if value is None:
        return []
    if value.startswith("[") and len(value) <= _MAX_LIST_TEXT:
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError, RecursionError, MemoryError, TypeError):
            return [value]
        return list(parsed) if isinstance(parsed, list | tuple) else [parsed]
    return [item.strip() for item in value.split(", ")]  # the txt format joins a list with ", "


def _model_name(value: Any) -> str | None:
    """Easy Diffusion may save a model as its path in the models folder; the name is its stem."""
    if not isinstance(value, str) or value.strip() in ("", "None"):
        return None
    return PurePath(value.replace("\\", "/")).name


def _loras(fields: dict[str, str]) -> list[LoRA]:
    names = [_model_name(v) for v in _items(_get(fields, "use_lora_model"))]
    weights = [text_float(str(w)) for w in _items(_get(fields, "lora_alpha"))]
    return [LoRA(n, weights[i] if i < len(weights) else None) for i, n in enumerate(names) if n]


class EasyDiffusionReader:
    """Easy Diffusion (cmdr2/stable-diffusion-ui)."""

    tool = Tool.EASYDIFFUSION

    def can_read(self, meta: RawMetadata) -> bool:
        return _fields(meta) is not None

    def read(self, meta: RawMetadata) -> GenerationRecord:
        fields = _fields(meta) or {}
        controlnet = _model_name(_get(fields, "use_controlnet_model"))
        return GenerationRecord(
            tool=Tool.EASYDIFFUSION,
            prompt=_get(fields, "prompt") or "",
            negative_prompt=_get(fields, "negative_prompt") or "",
            model=_model_name(_get(fields, "use_stable_diffusion_model")),
            loras=_loras(fields),
            controlnets=[controlnet] if controlnet else [],
            sampler=_get(fields, "sampler_name"),
            steps=text_int(_get(fields, "num_inference_steps")),
            cfg=text_float(_get(fields, "guidance_scale")),
            seed=text_int(_get(fields, "seed")),
            width=text_int(_get(fields, "width")),
            height=text_int(_get(fields, "height")),
            software="Easy Diffusion",
        )
