"""Which words of a record are embedded and which are keyword-indexed: one deliberate choice.

Embedded (semantic) text = what the image *shows*: the positive prompt with generator syntax
stripped (weights, LoRA tags, BREAK), then title, description and tags. Left out on purpose:
the negative prompt (it lists what the image is *not*; embedding it pulls "blurry, ugly"
queries towards every asset) and model/LoRA/sampler names (file names like
`sdxl_base_1.0.safetensors` carry no visual meaning for a sentence model and dilute the
prompt; they are served by the keyword index and by filters instead).

Keyword text = everything a person may type literally: the cleaned prompt, title,
description, tags, checkpoint, LoRAs, ControlNets, sampler, tool and the file name.
"""

from __future__ import annotations

import re
from pathlib import PurePath

from latentdam.extract.record import GenerationRecord

_EXTRA_NETWORK = re.compile(r"<\s*(?:lora|lyco|hypernet|embedding)\s*:[^>]*>", re.IGNORECASE)
# (word:1.3) -> word ; [word] and (word) emphasis brackets -> word
_WEIGHTED = re.compile(r"\(([^():]+):\s*-?[\d.]+\s*\)")
# [from:to:when] prompt editing -> "from to"; [a|b] alternation -> "a b"
_EDITING = re.compile(r"\[([^\[\]:]*):([^\[\]:]*):\s*[\d.]+\s*\]")
_BRACKETS = re.compile(r"[()\[\]{}]")
_BREAK = re.compile(r"\bBREAK\b")
_SPACES = re.compile(r"\s+")
_COMMAS = re.compile(r"\s*,[\s,]*")  # runs of commas and the spaces around them


def clean_prompt(prompt: str) -> str:
    """Strip generator syntax that means nothing to a language model, keep the words."""
    text = _EXTRA_NETWORK.sub(" ", prompt)
    text = _WEIGHTED.sub(r"\1", text)
    text = _EDITING.sub(r"\1 \2", text)
    text = text.replace("|", " ")
    text = _BRACKETS.sub(" ", text)
    text = _BREAK.sub(",", text)
    text = _SPACES.sub(" ", text)
    text = _COMMAS.sub(", ", text)
    return text.strip(" ,")


def embedding_text(record: GenerationRecord) -> str:
    parts = [
        clean_prompt(record.prompt),
        record.title or "",
        record.description or "",
        ", ".join(record.tags),
    ]
    return ". ".join(p.strip() for p in parts if p and p.strip())


def keyword_text(record: GenerationRecord, path: str) -> str:
    parts = [
        clean_prompt(record.prompt),
        record.title or "",
        record.description or "",
        " ".join(record.tags),
        record.model or "",
        " ".join(lora.name for lora in record.loras),
        " ".join(record.controlnets),
        record.sampler or "",
        str(record.tool),
        PurePath(path).stem,
    ]
    return "\n".join(p for p in parts if p)
