"""NovelAI: `Software: NovelAI`, `Source: <model> <hash>`, `Description` (prompt) and
`Comment` (the request as JSON: prompt, uc, steps, scale, seed, sampler, noise_schedule...).

NAI Diffusion 4 comments also carry `v4_prompt` / `v4_negative_prompt` structures
(`{"caption": {"base_caption": ..., "char_captions": [...]}}`); the flat `prompt` / `uc` keys
are preferred and the base captions used when they are missing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from latentdam.errors import CorruptMetadata
from latentdam.extract.raw import RawMetadata
from latentdam.extract.record import GenerationRecord, Tool

# "Stable Diffusion XL C1E1DE52", "NovelAI Diffusion V4 4F49EC75"
_SOURCE = re.compile(r"^(.*?)\s+([0-9A-Fa-f]{8})$")


def _base_caption(value: Any) -> str | None:
    if isinstance(value, dict):
        caption = value.get("caption")
        if isinstance(caption, dict) and isinstance(caption.get("base_caption"), str):
            return caption["base_caption"]
    return None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _comment(meta: RawMetadata) -> dict[str, Any]:
    text = meta.text.get("Comment")
    if text is None:
        return {}
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise CorruptMetadata(f"NovelAI Comment is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CorruptMetadata("NovelAI Comment JSON is not an object")
    return data


class NovelAIReader:
    """NovelAI image generation (PNG text chunks)."""

    tool = Tool.NOVELAI

    def can_read(self, meta: RawMetadata) -> bool:
        return meta.text.get("Software", "").startswith("NovelAI")

    def read(self, meta: RawMetadata) -> GenerationRecord:
        data = _comment(meta)
        prompt = _str(data.get("prompt"))
        if prompt is None:
            prompt = _base_caption(data.get("v4_prompt"))
        if prompt is None:
            prompt = meta.text.get("Description", "")
        negative = _str(data.get("uc"))
        if negative is None:
            negative = _base_caption(data.get("v4_negative_prompt")) or ""

        model = model_hash = None
        source = meta.text.get("Source", "").strip()
        match = _SOURCE.match(source)
        if match:
            model, model_hash = match.group(1), match.group(2)
        elif source:
            model = source

        return GenerationRecord(
            tool=self.tool,
            prompt=prompt.strip(),
            negative_prompt=negative.strip(),
            model=model,
            model_hash=model_hash,
            sampler=_str(data.get("sampler")),
            scheduler=_str(data.get("noise_schedule")),
            steps=_int(data.get("steps")),
            cfg=_float(data.get("scale")),
            seed=_int(data.get("seed")),
            width=_int(data.get("width")),
            height=_int(data.get("height")),
            software=meta.text.get("Software") or "NovelAI",
        )
