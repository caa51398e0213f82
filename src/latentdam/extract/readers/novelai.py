"""NovelAI: `Software: NovelAI`, `Source: <model> <hash>`, `Description` (prompt) and
`Comment` (the request as JSON: prompt, uc, steps, scale, seed, sampler, noise_schedule...).

NAI Diffusion 4 comments also carry `v4_prompt` / `v4_negative_prompt` structures
(`{"caption": {"base_caption": ..., "char_captions": [...]}}`); the flat `prompt` / `uc` keys
are preferred and the base captions used when they are missing.
"""

from __future__ import annotations

import re
from typing import Any

from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers.values import as_float, as_int, as_str, load_json_object
from latentdam.extract.record import GenerationRecord, Tool

# "Stable Diffusion XL C1E1DE52", "NovelAI Diffusion V4 4F49EC75"
_SOURCE = re.compile(r"^(.*?)\s+([0-9A-Fa-f]{8})$")


def _base_caption(value: Any) -> str | None:
    if isinstance(value, dict):
        caption = value.get("caption")
        if isinstance(caption, dict) and isinstance(caption.get("base_caption"), str):
            return caption["base_caption"]
    return None


def _comment(meta: RawMetadata) -> dict[str, Any]:
    text = meta.text.get("Comment")
    if text is None:
        return {}
    return load_json_object(text, "NovelAI Comment")


class NovelAIReader:
    """NovelAI image generation (PNG text chunks)."""

    tool = Tool.NOVELAI

    def can_read(self, meta: RawMetadata) -> bool:
        return meta.text.get("Software", "").startswith("NovelAI")

    def read(self, meta: RawMetadata) -> GenerationRecord:
        data = _comment(meta)
        prompt = as_str(data.get("prompt"), keep_empty=True)
        if prompt is None:
            prompt = _base_caption(data.get("v4_prompt"))
        if prompt is None:
            prompt = meta.text.get("Description", "")
        negative = as_str(data.get("uc"), keep_empty=True)
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
            sampler=as_str(data.get("sampler"), keep_empty=True),
            scheduler=as_str(data.get("noise_schedule"), keep_empty=True),
            steps=as_int(data.get("steps"), parse_text=False),
            cfg=as_float(data.get("scale"), parse_text=False),
            seed=as_int(data.get("seed"), parse_text=False),
            width=as_int(data.get("width"), parse_text=False),
            height=as_int(data.get("height"), parse_text=False),
            software=meta.text.get("Software") or "NovelAI",
        )
