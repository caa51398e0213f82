"""Draw Things (iOS/macOS): XMP, in PNG's `XML:com.adobe.xmp` iTXt chunk or a JPEG's APP1.

Draw Things' saving code is not public. What follows is what readers written from its real
files agree on (Image MetaHub's drawThingsParser, sd-prompt-reader's and Dataset-Tools'
Draw Things parsers): `xmp:CreatorTool` is "Draw Things"; `exif:UserComment` holds a JSON
object of the settings under short keys — `c` (prompt), `uc` (negative prompt), `model`,
`sampler`, `steps`, `scale` (guidance), `seed`, `strength` (denoise), `size` ("WxH"; some
versions write `width`/`height`), `lora` (a list of `{file, weight}`; `v2.loras` in newer
versions); `dc:description` repeats them as A1111-like text, which is read when the JSON is
missing (`Guidance Scale:` for CFG, `LoRA 1 Model:` / `LoRA 1 Weight:` for LoRAs).
"""

from __future__ import annotations

from typing import Any

from latentdam.errors import CorruptMetadata
from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers.a1111 import parse_parameters, parse_size
from latentdam.extract.readers.descriptive import xmp_properties
from latentdam.extract.readers.values import as_float, as_int, as_name, load_json_object, text_float, text_int
from latentdam.extract.record import GenerationRecord, LoRA, Tool

_CREATOR = "draw things"
MAX_LORAS = 64  # the app stacks a handful; a list longer than this is not its own


def _is_draw_things(xmp: dict[str, list[str]]) -> bool:
    return any(_CREATOR in v.lower() for v in xmp.get("xmp:CreatorTool", []))


def _settings_json(xmp: dict[str, list[str]]) -> dict[str, Any] | None:
    for text in xmp.get("exif:UserComment", []):
        start = text.find("{")
        if start >= 0:
            return load_json_object(
                text[start:], "Draw Things settings", verb="are", too_deep_is_corrupt=True
            )
    return None


def _json_loras(data: dict[str, Any]) -> list[LoRA]:
    v2 = data.get("v2")
    for items in (data.get("lora"), data.get("loras"), v2.get("loras") if isinstance(v2, dict) else None):
        if not isinstance(items, list):
            continue
        out = []
        for item in items[:MAX_LORAS]:
            if isinstance(item, str) and item.strip():
                out.append(LoRA(item.strip()))
            elif isinstance(item, dict):
                name = next((n for k in ("file", "model", "name") if (n := as_name(item.get(k)))), None)
                weight = next(
                    (w for k in ("weight", "strength") if (w := as_float(item.get(k))) is not None), None
                )
                if name:
                    out.append(LoRA(name, weight))
        if out:
            return out
    return []


def _from_json(data: dict[str, Any]) -> GenerationRecord:
    width, height = parse_size(data["size"]) if isinstance(data.get("size"), str) else (None, None)
    return GenerationRecord(
        tool=Tool.DRAWTHINGS,
        prompt=data["c"] if isinstance(data.get("c"), str) else "",
        negative_prompt=data["uc"] if isinstance(data.get("uc"), str) else "",
        model=as_name(data.get("model")),
        loras=_json_loras(data),
        sampler=as_name(data.get("sampler")),
        steps=as_int(data.get("steps")),
        cfg=as_float(data.get("scale")),
        seed=as_int(data.get("seed"), parse_text=False),
        width=width if width is not None else as_int(data.get("width")),
        height=height if height is not None else as_int(data.get("height")),
    )


def _from_description(text: str) -> GenerationRecord:
    params = parse_parameters(text)
    s = params.settings
    width, height = parse_size(s.get("Size"))
    loras = []
    for i in range(1, MAX_LORAS + 1):
        name = as_name(s.get(f"LoRA {i} Model"))
        if name is None:
            break
        loras.append(LoRA(name, text_float(s.get(f"LoRA {i} Weight"))))
    return GenerationRecord(
        tool=Tool.DRAWTHINGS,
        prompt=params.prompt,
        negative_prompt=params.negative_prompt,
        model=as_name(s.get("Model")),
        loras=loras,
        sampler=as_name(s.get("Sampler")),
        steps=text_int(s.get("Steps")),
        cfg=text_float(s.get("Guidance Scale") or s.get("CFG scale")),
        seed=text_int(s.get("Seed")),
        width=width,
        height=height,
    )


class DrawThingsReader:
    """Draw Things, by its XMP CreatorTool."""

    tool = Tool.DRAWTHINGS

    def can_read(self, meta: RawMetadata) -> bool:
        return (
            meta.xmp is not None
            and _CREATOR in meta.xmp.lower()
            and _is_draw_things(xmp_properties(meta.xmp))
        )

    def read(self, meta: RawMetadata) -> GenerationRecord:
        xmp = xmp_properties(meta.xmp)
        description = next(iter(xmp.get("dc:description", [])), "")
        try:
            data = _settings_json(xmp)
        except CorruptMetadata:
            if not description:
                raise
            data = None  # the description says the same, in text
        record = _from_json(data) if data is not None else _from_description(description)
        if data is not None and description:  # the JSON has no negative prompt in some versions
            fallback = _from_description(description)
            record.negative_prompt = record.negative_prompt or fallback.negative_prompt
            record.prompt = record.prompt or fallback.prompt
        record.software = "Draw Things"
        return record
