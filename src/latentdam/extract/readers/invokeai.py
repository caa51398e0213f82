"""InvokeAI, all three historical formats, newest first:

1. `invokeai_metadata` (3.x-5.x): JSON with positive_prompt, negative_prompt, model
   (`model_name` in 3.x, `name` + `hash` in 4.x+), seed, steps, cfg_scale, scheduler, width,
   height, loras (`lora` in 3.x, `model` in 4.x+, each with `weight`), controlnets
   (`control_model`), t2iAdapters (`t2i_adapter_model`), app_version.
2. `sd-metadata` (2.x): {"model_weights", "model_hash", "app_version", "image": {"prompt":
   [{"prompt", "weight"}] or a string, "sampler", "steps", "cfg_scale", "seed", "width",
   "height"}}. The negative prompt is inside the prompt as `[bracketed words]`.
3. `Dream` (1.x): the dream command line `"prompt" -s 50 -S 12345 -W 512 -H 512 -C 7.5 -A k_lms`.

sd-parsers' `InvokeAIParser` reads only model_name (so no model for 4.x+), no loras or
controlnets, needs `scheduler`, and fails on 2.0's string prompts and quotes inside Dream
prompts, hence this reader.
"""

from __future__ import annotations

import re
from typing import Any

from latentdam.errors import CorruptMetadata
from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers.values import as_float, as_int, as_str, load_json_object
from latentdam.extract.record import GenerationRecord, LoRA, Tool

_BRACKETS = re.compile(r"\[([^\[\]]*)\]")
_SWITCH = re.compile(r"\s+-(\w+)(?:\s+(?!-[A-Za-z])(\S+))?")


def _model_name(ident: Any) -> str | None:
    if isinstance(ident, dict):
        return as_str(ident.get("name")) or as_str(ident.get("model_name"))
    return as_str(ident)


def _software(version: Any) -> str:
    return f"InvokeAI {version}" if as_str(version) else "InvokeAI"


def split_negative(text: str) -> tuple[str, str]:
    """Old InvokeAI's `positive [negative words]` syntax -> (positive, negative)."""
    negative = [part.strip(" ,") for part in _BRACKETS.findall(text)]
    positive = _BRACKETS.sub(" ", text)
    positive = re.sub(r"\s+", " ", positive).strip(" ,")
    return positive, ", ".join(n for n in negative if n)


# --------------------------------------------------------------------------- 3.x+


def _read_metadata(text: str) -> GenerationRecord:
    data = load_json_object(text, "InvokeAI invokeai_metadata")
    model = data.get("model")
    loras = []
    for item in data.get("loras") or []:
        if isinstance(item, dict):
            name = _model_name(item.get("model") or item.get("lora"))
            if name:
                loras.append(LoRA(name, as_float(item.get("weight"))))
    controlnets: list[str] = []
    for key, field in (("controlnets", "control_model"), ("t2iAdapters", "t2i_adapter_model")):
        for item in data.get(key) or []:
            name = _model_name(item.get(field)) if isinstance(item, dict) else None
            if name and name not in controlnets:
                controlnets.append(name)
    scheduler = as_str(data.get("scheduler"))
    return GenerationRecord(
        tool=Tool.INVOKEAI,
        prompt=as_str(data.get("positive_prompt")) or "",
        negative_prompt=as_str(data.get("negative_prompt")) or "",
        model=_model_name(model),
        model_hash=as_str(model.get("hash")) if isinstance(model, dict) else None,
        loras=loras,
        controlnets=controlnets,
        # InvokeAI's "scheduler" (euler, dpmpp_2m_k...) is what other tools call the sampler
        sampler=scheduler,
        scheduler=scheduler,
        steps=as_int(data.get("steps")),
        cfg=as_float(data.get("cfg_scale")),
        seed=as_int(data.get("seed")),
        width=as_int(data.get("width")),
        height=as_int(data.get("height")),
        software=_software(data.get("app_version")),
    )


# --------------------------------------------------------------------------- 2.x


def _prompt_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        parts = [p.get("prompt") for p in value if isinstance(p, dict)]
        return " ".join(p for p in parts if isinstance(p, str))
    raise CorruptMetadata("InvokeAI sd-metadata prompt is neither text nor a list of prompts")


def _read_sd_metadata(text: str) -> GenerationRecord:
    data = load_json_object(text, "InvokeAI sd-metadata")
    image = data.get("image")
    if not isinstance(image, dict):
        images = data.get("images")
        image = images[0] if isinstance(images, list) and images else None
    if not isinstance(image, dict):
        raise CorruptMetadata("InvokeAI sd-metadata has no image entry")
    prompt, negative = split_negative(_prompt_text(image.get("prompt", "")))
    return GenerationRecord(
        tool=Tool.INVOKEAI,
        prompt=prompt,
        negative_prompt=negative,
        model=as_str(data.get("model_weights")) or as_str(data.get("model_id")),
        model_hash=as_str(data.get("model_hash")),
        sampler=as_str(image.get("sampler")),
        steps=as_int(image.get("steps")),
        cfg=as_float(image.get("cfg_scale")),
        seed=as_int(image.get("seed")),
        width=as_int(image.get("width")),
        height=as_int(image.get("height")),
        software=_software(data.get("app_version")),
    )


# --------------------------------------------------------------------------- 1.x


def parse_dream(command: str) -> tuple[str, dict[str, str]]:
    """Split a dream command line into the prompt and its `-x value` switches.

    dream.py wrapped the prompt in quotes without escaping inner ones, so the closing quote
    is the last one (switch values such as `-I` paths are never quoted).
    """
    text = command.strip()
    if text.startswith('"'):
        end = text.rfind('"')
        if end == 0:
            raise CorruptMetadata("InvokeAI Dream command has an unterminated prompt")
        return text[1:end], _switches(text[end + 1 :])
    match = re.search(r"\s-\w", text)  # unquoted prompt: up to the first switch
    split = match.start() if match else len(text)
    return text[:split].strip(), _switches(text[split:])


def _switches(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2) or "" for m in _SWITCH.finditer(text)}


def _read_dream(text: str) -> GenerationRecord:
    prompt_text, switches = parse_dream(text)
    if not prompt_text and not switches:
        raise CorruptMetadata("InvokeAI Dream command is empty")
    prompt, negative = split_negative(prompt_text)
    return GenerationRecord(
        tool=Tool.INVOKEAI,
        prompt=prompt,
        negative_prompt=negative,
        sampler=switches.get("A") or switches.get("m") or None,
        steps=as_int(switches.get("s")),
        cfg=as_float(switches.get("C")),
        seed=as_int(switches.get("S")),
        width=as_int(switches.get("W")),
        height=as_int(switches.get("H")),
        software="InvokeAI",
    )


class InvokeAIReader:
    """InvokeAI 1.x (`Dream`), 2.x (`sd-metadata`) and 3.x-5.x (`invokeai_metadata`)."""

    tool = Tool.INVOKEAI

    def can_read(self, meta: RawMetadata) -> bool:
        return any(key in meta.text for key in ("invokeai_metadata", "sd-metadata", "Dream"))

    def read(self, meta: RawMetadata) -> GenerationRecord:
        if "invokeai_metadata" in meta.text:
            return _read_metadata(meta.text["invokeai_metadata"])
        if "sd-metadata" in meta.text:
            return _read_sd_metadata(meta.text["sd-metadata"])
        return _read_dream(meta.text["Dream"])
