"""AUTOMATIC1111 / Forge / SD.Next: the `parameters` text block.

    <prompt, may span lines>
    Negative prompt: <negative, may span lines>
    Steps: 20, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 7, Seed: 1, Size: 512x768, ...

PNG carries it in a `parameters` text chunk; JPEG/WebP in EXIF UserComment. Setting values
holding `,`, `:` or newlines are JSON-quoted by A1111 (`infotext_utils.quote`), and some tools
append bare JSON values (`Hashes: {...}`), so settings are tokenized here rather than split on
commas: sd-parsers' `AUTOMATIC1111Parser` splits on every comma and drops any item with a second
colon, which loses quoted values (ControlNet units, Lora hashes, models with commas in the name).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers.values import text_float, text_int
from latentdam.extract.record import GenerationRecord, LoRA, Tool

_NEGATIVE = "Negative prompt:"
# A1111's own `re_param` key shape: starts with a word char, then words, spaces, `-`, `/`
_KEY = re.compile(r"\s*(\w[\w \-/]*):\s*")
_SIZE = re.compile(r"^(\d+)\s*x\s*(\d+)$")
# <lora:name:0.8>, <lyco:name:0.8:0.5>, <lora:name:te=0.8:unet=0.6>, <lora:name>
# (never across another "<": an unclosed tag fails at the next one, so many stay linear)
_NETWORK_TAG = re.compile(r"<(lora|lyco):([^:<>]+)((?::[^:<>]*)*)>", re.IGNORECASE)
_TRAILING_HASH = re.compile(r"\s*\[[0-9a-fA-F]{6,}\]$")
_JSON = json.JSONDecoder()


@dataclass(slots=True)
class A1111Parameters:
    """A parsed parameters block: the prompts as written, the settings line as key -> value
    (quoted values unquoted, bare JSON values kept as their JSON text)."""

    prompt: str = ""
    negative_prompt: str = ""
    settings: dict[str, str] = field(default_factory=dict)


def parse_settings(line: str) -> dict[str, str]:
    """Tokenize a settings line `Key: value, Key: "quoted, value", Key: {"json": 1}, ...`."""
    out: dict[str, str] = {}
    pos, end = 0, len(line)
    while pos < end:
        match = _KEY.match(line, pos)
        if match is None:
            # not `key: value` (a bare flag or stray text): skip to the next comma
            nxt = line.find(",", pos)
            pos = end if nxt < 0 else nxt + 1
            continue
        key, pos = match.group(1).strip(), match.end()
        value, pos = _read_value(line, pos)
        out[key] = value
        # past the separator
        while pos < end and line[pos] in " \t":
            pos += 1
        if pos < end and line[pos] == ",":
            pos += 1
    return out


def _read_value(line: str, pos: int) -> tuple[str, int]:
    if pos < len(line) and line[pos] in '"{[':
        try:
            value, stop = _JSON.raw_decode(line, pos)
        except (ValueError, RecursionError):  # nested past the decoder's depth: plain text
            pass
        else:
            if isinstance(value, str):
                return value, stop
            return line[pos:stop], stop
    nxt = line.find(",", pos)
    stop = len(line) if nxt < 0 else nxt
    return line[pos:stop].strip(), stop


def _is_settings_line(line: str) -> bool:
    # A1111's rule is "three or more `key: value` pairs"; requiring Steps keeps a prompt line
    # that happens to look like `a: b, c: d, e: f` out
    if "Steps" not in line:
        return False
    settings = parse_settings(line)
    return len(settings) >= 3 and "Steps" in settings


def parse_parameters(text: str) -> A1111Parameters:
    """Split a parameters block into prompt, negative prompt and settings, as A1111's
    `parse_generation_parameters` does; the settings line is the last line that is one
    (A1111 uses the very last line; a few extensions append lines after it)."""
    lines = text.strip().replace("\r\n", "\n").split("\n")
    settings_at = next((i for i in range(len(lines) - 1, -1, -1) if _is_settings_line(lines[i])), None)
    settings = parse_settings(lines[settings_at]) if settings_at is not None else {}
    prompt_lines = lines[:settings_at] if settings_at is not None else lines
    prompt: list[str] = []
    negative: list[str] = []
    in_negative = False
    for raw_line in prompt_lines:
        line = raw_line.strip()
        if line.startswith(_NEGATIVE):
            in_negative = True
            line = line[len(_NEGATIVE) :].strip()
        (negative if in_negative else prompt).append(line)
    return A1111Parameters("\n".join(prompt), "\n".join(negative), settings)


def looks_like_parameters(text: str) -> bool:
    """A parameters block, not JSON or a plain description: it has a settings line."""
    stripped = text.lstrip()
    if not stripped or stripped[0] in "{[":
        return False
    return any(_is_settings_line(line) for line in stripped.split("\n") if "Steps" in line)


# --------------------------------------------------------------------------- field helpers


def parse_size(value: str | None) -> tuple[int | None, int | None]:
    match = _SIZE.match(value.strip()) if value else None
    if match is None:
        return None, None
    return int(match.group(1)), int(match.group(2))


def prompt_loras(prompt: str) -> list[LoRA]:
    """`<lora:name:weight>` / `<lyco:name:te:unet>` / `<lora:name:te=0.8:unet=0.6>` tags.

    The weight is the UNet (model) multiplier, resolved as A1111's `ExtraNetworkLora` does:
    `unet=`, else the second positional, else the text-encoder one (`te=` or the first
    positional); None when the tag gives no number (A1111 then applies a user setting).
    """
    out: list[LoRA] = []
    for match in _NETWORK_TAG.finditer(prompt):
        args = [a.strip() for a in match.group(3).split(":")[1:]]
        named = dict(a.split("=", 1) for a in args if "=" in a)
        positional = [a for a in args if "=" not in a]
        te = text_float(named.get("te")) if "te" in named else text_float(next(iter(positional), None))
        unet = text_float(named.get("unet")) if "unet" in named else None
        if unet is None and len(positional) > 1:
            unet = text_float(positional[1])
        out.append(LoRA(match.group(2).strip(), unet if unet is not None else te))
    return out


def hash_list_names(value: str | None) -> list[str]:
    """Names from `name: hash, name: hash` (A1111's Lora hashes / TI hashes values)."""
    if not value:
        return []
    names = []
    for item in value.split(","):
        name, sep, _hash = item.rpartition(":")
        if sep and name.strip():
            names.append(name.strip())
    return names


def merge_loras(first: list[LoRA], names: list[str]) -> list[LoRA]:
    """`first` plus a LoRA(name) for each name not already there, without duplicates."""
    out: list[LoRA] = []
    seen: set[str] = set()
    for lora in [*first, *(LoRA(n) for n in names)]:
        if lora.name not in seen:
            seen.add(lora.name)
            out.append(lora)
    return out


def _json_value(value: str | None) -> Any:
    """A settings value that holds JSON, parsed; None when it is absent or not JSON."""
    if not value:
        return None
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return None


def _civitai_hash_loras(value: str | None) -> list[str]:
    # `Hashes: {"model": "...", "lora:name": "..."}` (Civitai / civitai-helper)
    data = _json_value(value)
    if not isinstance(data, dict):
        return []
    return [
        k.split(":", 1)[1] for k in data if isinstance(k, str) and k.lower().startswith(("lora:", "lyco:"))
    ]


def civitai_resources(value: str | None) -> list[dict[str, Any]]:
    """`Civitai resources: [{"type": "checkpoint", "modelName": ..., "modelVersionName": ...},
    {"type": "lora", "weight": 0.8, "modelName": ...}]`, as Civitai's generator writes it."""
    data = _json_value(value)
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


def _resource_name(item: dict[str, Any]) -> str | None:
    name, version = item.get("modelName"), item.get("modelVersionName")
    if not isinstance(name, str) or not name.strip():
        return None
    return (
        f"{name.strip()} {version.strip()}" if isinstance(version, str) and version.strip() else name.strip()
    )


def _civitai_loras(resources: list[dict[str, Any]]) -> list[LoRA]:
    out = []
    for item in resources:
        name = _resource_name(item)
        if name and str(item.get("type", "")).lower() in ("lora", "locon", "lycoris", "dora"):
            weight = item.get("weight")
            out.append(LoRA(name, float(weight) if isinstance(weight, int | float) else None))
    return out


def is_civitai(settings: dict[str, str]) -> bool:
    """Made by Civitai's on-site generator (it adds its resources and metadata to the block)."""
    return "Civitai resources" in settings or "Civitai metadata" in settings


def controlnet_models(settings: dict[str, str]) -> list[str]:
    """ControlNet model names from `ControlNet N: "Module: ..., Model: name [hash], ..."`
    (sd-webui-controlnet 1.1, Forge) or the old `ControlNet-N Model: name [hash]` keys."""
    models: list[str] = []
    for key, value in settings.items():
        model: str | None = None
        if re.fullmatch(r"ControlNet(?: \d+)?", key):
            unit = dict(_unit_fields(value))
            model = unit.get("Model")
        elif re.fullmatch(r"ControlNet(?:[- ]\d+)? Model", key):
            model = value
        if model and model.strip().lower() not in ("none", ""):
            name = _TRAILING_HASH.sub("", model.strip())
            if name not in models:
                models.append(name)
    return models


def _unit_fields(value: str) -> list[tuple[str, str]]:
    fields = []
    for item in value.split(", "):
        key, sep, val = item.partition(": ")
        if sep:
            fields.append((key.strip(), val.strip()))
    return fields


def software_name(settings: dict[str, str]) -> str | None:
    """Which web UI wrote the block, from `Version:` (and SD.Next's `App:`)."""
    version = settings.get("Version")
    app = settings.get("App")
    if app:
        return f"{app} {version}" if version else app
    if not version:
        return None
    if re.match(r"f\d", version):  # Forge: f2.0.1v1.10.1-previous-...
        return f"Forge {version}"
    if re.match(r"v\d", version):
        return f"AUTOMATIC1111 {version}"
    return version


def record_from_parameters(params: A1111Parameters, tool: Tool) -> GenerationRecord:
    """The generation fields every A1111-format block shares."""
    s = params.settings
    width, height = parse_size(s.get("Size"))
    resources = civitai_resources(s.get("Civitai resources"))
    loras = merge_loras(
        [*prompt_loras(params.prompt), *_civitai_loras(resources)],
        [*hash_list_names(s.get("Lora hashes")), *_civitai_hash_loras(s.get("Hashes"))],
    )
    checkpoint = next(
        (_resource_name(r) for r in resources if r.get("type") == "checkpoint" and _resource_name(r)), None
    )
    model = s.get("Model") or checkpoint
    # the refiner and a hires pass's own checkpoint shaped the image too
    others = [_TRAILING_HASH.sub("", s.get(k, "")).strip() for k in ("Refiner", "Hires checkpoint")]
    models = list(dict.fromkeys(m for m in (model, *others) if m and m != "Use same checkpoint"))
    return GenerationRecord(
        tool=tool,
        prompt=params.prompt,
        negative_prompt=params.negative_prompt,
        model=model or None,
        models=models if len(models) > 1 else [],
        model_hash=s.get("Model hash") or None,
        loras=loras,
        controlnets=controlnet_models(s),
        sampler=s.get("Sampler") or None,
        scheduler=s.get("Schedule type") or None,
        steps=text_int(s.get("Steps")),
        cfg=text_float(s.get("CFG scale")),
        seed=text_int(s.get("Seed")),
        width=width,
        height=height,
        created_at=_created(s.get("Created Date")),
        software=software_name(s),
    )


def _created(value: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(value.strip()) if value else None
    except ValueError:
        return None


def parameters_text(meta: RawMetadata) -> str | None:
    """The A1111-format block of a file: the PNG chunk, else an EXIF UserComment that is one."""
    text = meta.text.get("parameters")
    if text is not None:
        return text
    comment = meta.exif.get("UserComment")
    if isinstance(comment, str) and looks_like_parameters(comment):
        return comment
    return None


class A1111Reader:
    """AUTOMATIC1111 and the web UIs writing its format (Forge, SD.Next, reForge...)."""

    tool = Tool.A1111

    def can_read(self, meta: RawMetadata) -> bool:
        text = parameters_text(meta)
        # JSON in `parameters` is Fooocus or SwarmUI, never A1111
        return text is not None and not text.lstrip().startswith(("{", "["))

    def read(self, meta: RawMetadata) -> GenerationRecord:
        text = parameters_text(meta) or ""
        # a block without a settings line is still A1111's (settings saving turned off): all prompt
        params = parse_parameters(text)
        return record_from_parameters(params, Tool.CIVITAI if is_civitai(params.settings) else self.tool)
