"""Fooocus: its own JSON scheme, or its A1111 scheme, in `parameters` (PNG) or UserComment.

Fooocus (`modules/meta_parser.py`) writes, per the "metadata scheme" setting:
- `fooocus`: JSON with sorted keys (prompt, negative_prompt, base_model, base_model_hash,
  sampler, scheduler, steps, guidance_scale, seed as a string, resolution as "(w, h)", loras as
  [name, weight, hash], version "Fooocus v2.x", ...). Older releases wrote the same keys.
- `a1111`: an A1111 text block whose prompt line is the *styled* prompt; the user's own prompt
  is in `Raw prompt`, LoRA weights in `Lora weights`, and `Version: Fooocus v2.x`.
PNG adds a `fooocus_scheme` chunk; JPEG/WebP put the text in IFD0 UserComment, the scheme in
MakerNote and `Fooocus v...` in Software.
"""

from __future__ import annotations

import re
from typing import Any

from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers.a1111 import (
    hash_list_names,
    merge_loras,
    parse_parameters,
    record_from_parameters,
)
from latentdam.extract.readers.values import load_json_object, text_float, text_int
from latentdam.extract.record import GenerationRecord, LoRA, Tool

_RESOLUTION = re.compile(r"(\d+)\D+(\d+)")
# keys no other tool's `parameters` JSON has together (SwarmUI nests under sui_image_params)
_JSON_MARKERS = ('"version": "Fooocus', '"base_model"', '"guidance_scale"')


def _source(meta: RawMetadata) -> str | None:
    text = meta.text.get("parameters")
    if text is not None:
        return text
    comment = meta.exif.get("UserComment")
    return comment if isinstance(comment, str) else None


def _is_fooocus(meta: RawMetadata, text: str) -> bool:
    if "fooocus_scheme" in meta.text:
        return True
    software = meta.exif.get("Software")
    if isinstance(software, str) and software.startswith("Fooocus"):
        return True
    head = text.lstrip()
    if head.startswith("{"):
        return any(marker in text for marker in _JSON_MARKERS)
    return re.search(r"(?:^|,\s*)Version:\s*\"?Fooocus", text, re.MULTILINE) is not None


def _loras(data: dict[str, Any]) -> list[LoRA]:
    out: list[LoRA] = []
    for item in data.get("loras") or []:
        if isinstance(item, (list, tuple)) and item and isinstance(item[0], str):
            out.append(LoRA(item[0], text_float(str(item[1])) if len(item) > 1 else None))
    # `lora_combined_N`: "name : weight" or "enabled : name : weight"
    for key in sorted(k for k in data if k.startswith("lora_combined_")):
        parts = [p.strip() for p in str(data[key]).split(" : ")]
        if len(parts) >= 2 and parts[-2] not in ("", "None"):
            out.append(LoRA(parts[-2], text_float(parts[-1])))
    return merge_loras(out, [])


def _size(value: Any) -> tuple[int | None, int | None]:
    match = _RESOLUTION.search(str(value)) if value is not None else None
    if match is None:
        return None, None
    return int(match.group(1)), int(match.group(2))


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value) if value is not None else ""


def _opt(value: Any) -> str | None:
    return str(value) if value not in (None, "", "None") else None


def _from_json(text: str) -> GenerationRecord:
    data = load_json_object(text, "Fooocus parameters", verb="are")
    width, height = _size(data.get("resolution"))
    prompt = data.get("prompt")
    negative = data.get("negative_prompt")
    return GenerationRecord(
        tool=Tool.FOOOCUS,
        prompt=_text(prompt if prompt is not None else data.get("full_prompt")),
        negative_prompt=_text(negative if negative is not None else data.get("full_negative_prompt")),
        model=_opt(data.get("base_model")),
        model_hash=_opt(data.get("base_model_hash")),
        loras=_loras(data),
        sampler=_opt(data.get("sampler")),
        scheduler=_opt(data.get("scheduler")),
        steps=text_int(_opt(data.get("steps"))),
        cfg=text_float(_opt(data.get("guidance_scale"))),
        seed=text_int(_opt(data.get("seed"))),
        width=width,
        height=height,
        software=_opt(data.get("version")),
    )


def _weighted(value: str | None) -> list[LoRA]:
    # `Lora weights: "name: 0.5, other: 1"`
    out = []
    for item in (value or "").split(","):
        name, sep, weight = item.rpartition(":")
        if sep and name.strip():
            out.append(LoRA(name.strip(), text_float(weight.strip())))
    return out


def _from_a1111(text: str) -> GenerationRecord:
    params = parse_parameters(text)
    record = record_from_parameters(params, Tool.FOOOCUS)
    s = params.settings
    # the prompt line is the styled/expanded prompt; the user typed `Raw prompt`
    record.prompt = s.get("Raw prompt", record.prompt)
    record.negative_prompt = s.get("Raw negative prompt", record.negative_prompt)
    record.scheduler = s.get("Scheduler") or record.scheduler
    record.loras = merge_loras(_weighted(s.get("Lora weights")), hash_list_names(s.get("Lora hashes")))
    return record


class FooocusReader:
    """Fooocus, and forks that kept its metadata schemes (FooocusPlus, SimpleSDXL...)."""

    tool = Tool.FOOOCUS

    def can_read(self, meta: RawMetadata) -> bool:
        text = _source(meta)
        return text is not None and _is_fooocus(meta, text)

    def read(self, meta: RawMetadata) -> GenerationRecord:
        text = _source(meta) or ""
        scheme = meta.text.get("fooocus_scheme") or meta.exif.get("MakerNote")
        if text.lstrip().startswith("{") or scheme == "fooocus":
            return _from_json(text)
        return _from_a1111(text)
