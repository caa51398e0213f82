"""SwarmUI: JSON in `parameters` (PNG) or EXIF UserComment (JPEG/WebP).

SwarmUI (`T2IParamInput.GenRawMetadata`, `Image.cs`) saves every user-facing parameter under
`sui_image_params` by its parameter id: `prompt`, `negativeprompt`, `model` (the model's path in
its library, without extension), `seed`, `steps`, `cfgscale`, `width`, `height`, `sampler`,
`scheduler`, `loras` + `loraweights` (parallel lists, weights as strings), `refinermodel`,
`swarm_version`, and, in older releases, `date`; newer releases move the timing and date to
`sui_extra_data` and list the model files with their hashes in `sui_models`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers.values import as_float, as_int, as_name, load_json_object
from latentdam.extract.record import GenerationRecord, LoRA, Tool

_MARKER = '"sui_image_params"'


def _source(meta: RawMetadata) -> str | None:
    for text in (meta.text.get("parameters"), meta.exif.get("UserComment")):
        if isinstance(text, str) and text.lstrip().startswith("{") and _MARKER in text:
            return text
    return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _loras(params: dict[str, Any]) -> list[LoRA]:
    names = params.get("loras")
    weights = params.get("loraweights")
    if not isinstance(names, list):
        return []
    weights = weights if isinstance(weights, list) else []
    out = []
    for i, name in enumerate(names):
        if isinstance(name, str) and name.strip():
            weight = as_float(weights[i]) if i < len(weights) else None
            out.append(LoRA(name.strip(), weight))
    return out


def _date(*values: Any) -> datetime | None:
    for value in values:
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value.strip())
            except ValueError:
                continue
    return None


class SwarmUIReader:
    """SwarmUI (and StableSwarmUI before the rename)."""

    tool = Tool.SWARMUI

    def can_read(self, meta: RawMetadata) -> bool:
        return _source(meta) is not None

    def read(self, meta: RawMetadata) -> GenerationRecord:
        data = load_json_object(
            _source(meta) or "", "SwarmUI parameters", verb="are", too_deep_is_corrupt=True
        )
        params = data.get("sui_image_params")
        params = params if isinstance(params, dict) else {}
        extra = data.get("sui_extra_data")
        extra = extra if isinstance(extra, dict) else {}
        model, refiner = as_name(params.get("model")), as_name(params.get("refinermodel"))
        version = as_name(params.get("swarm_version"))
        return GenerationRecord(
            tool=Tool.SWARMUI,
            prompt=_text(params.get("prompt")),
            negative_prompt=_text(params.get("negativeprompt")),
            model=model,
            models=[m for m in (model, refiner) if m],
            loras=_loras(params),
            sampler=as_name(params.get("sampler")),
            scheduler=as_name(params.get("scheduler")),
            steps=as_int(params.get("steps")),
            cfg=as_float(params.get("cfgscale")),
            seed=as_int(params.get("seed"), parse_text=False),
            width=as_int(params.get("width")),
            height=as_int(params.get("height")),
            created_at=_date(extra.get("date"), params.get("date")),
            software=f"SwarmUI {version}" if version else "SwarmUI",
        )
