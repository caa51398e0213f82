"""The reader boundary: every record leaves extraction with fields a store and a tokenizer
accept, whatever the file said. Out-of-range numbers are dropped (with a warning), text is
cleaned of what no column or tokenizer takes (lone surrogates, NULs) and capped.

Caps (characters): prompts and descriptions MAX_TEXT (the longest real prompt in the bench
corpus is 1,760; a 20 MB "prompt" would take gigabytes through a tokenizer), names
MAX_NAME, lists MAX_ITEMS, sampling stages MAX_STAGES. A value over its cap is cut, never
rejected: the image lands. Each stage of a multi-pass workflow is held to the same rules.
"""

from __future__ import annotations

import copy
import math
import re
from datetime import UTC, datetime
from typing import TypeVar

from latentdam.extract.record import ControlNet, GenerationRecord, LoRA, Stage

MAX_TEXT = 32_000
MAX_NAME = 1_000
MAX_ITEMS = 200
MAX_STAGES = 64  # sampling passes kept per record (those nearest the saved image)
MAX_RAW = 1_000_000  # a raw metadata block kept whole up to this; the rest is cut
_BAD_CHARS = re.compile(r"[\ud800-\udfff\x00]")  # lone surrogates (from "\ud800" escapes), NULs

# field -> the valid range; outside it the value is dropped (None)
_RANGES: dict[str, tuple[float, float]] = {
    "steps": (0, 100_000),
    "cfg": (-1_000, 1_000),
    "width": (1, 1_000_000),
    "height": (1, 1_000_000),
    "seed": (0, 2**64 - 1),
    "denoise": (0, 1_000),
}
_NAMES = ("model", "model_hash", "sampler", "scheduler", "title", "job_id", "software")
_TEXTS = ("prompt", "negative_prompt", "description")
_STAGE_NAMES = ("model", "sampler", "scheduler", "node")
_STAGE_TEXTS = ("positive", "negative")
RecordT = TypeVar("RecordT", GenerationRecord, Stage)


def clean_text(value: str, cap: int) -> str:
    text = _BAD_CHARS.sub("", value) if _BAD_CHARS.search(value) else value
    return text[:cap]


def sanitized(record: GenerationRecord) -> tuple[GenerationRecord, list[str]]:
    """The record with every field in range and every text clean and capped, and a warning
    per value that was dropped or cut."""
    warnings: list[str] = []
    clean = _fields_cleaned(record, _TEXTS, _NAMES, "", warnings)
    clean.models = _names(record.models, warnings, "models")
    clean.controlnets = _names(record.controlnets, warnings, "ControlNets")
    clean.tags = _names(record.tags, warnings, "tags")
    if len(record.stages) > MAX_STAGES:
        warnings.append(f"{len(record.stages):,} sampling stages; the last {MAX_STAGES} kept")
    kept = record.stages[-MAX_STAGES:]
    clean.stages = [_stage_cleaned(stage, i, warnings) for i, stage in enumerate(kept, start=1)]
    clean.raw = {clean_text(key, MAX_NAME): clean_text(value, MAX_RAW) for key, value in record.raw.items()}
    created = record.created_at
    if created is not None and not _representable(created):
        clean.created_at = None
        warnings.append(f"creation time {created!r} cannot be stored; dropped")
    return clean, warnings


def _fields_cleaned(
    item: RecordT, texts: tuple[str, ...], names: tuple[str, ...], where: str, warnings: list[str]
) -> RecordT:
    """A copy of a record or stage with its numbers in range, texts and names clean and capped,
    LoRAs and ControlNets cleaned and at most MAX_ITEMS."""
    clean = copy.copy(item)
    for name, (low, high) in _RANGES.items():
        value = getattr(item, name, None)
        if value is None:
            continue
        try:
            number = (
                float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
            )
        except OverflowError:  # an int past float's range: far past any range here
            number = math.inf
        if not math.isfinite(number) or not low <= number <= high:
            setattr(clean, name, None)
            warnings.append(f"{where}{name} {str(value)[:40]} is out of range ({low:g} to {high:g}); dropped")
    for name, cap in [(n, MAX_TEXT) for n in texts] + [(n, MAX_NAME) for n in names]:
        value = getattr(item, name)
        if isinstance(value, str):
            setattr(clean, name, _cut(where + name, value, cap, warnings))
    loras = [LoRA(clean_text(lora.name, MAX_NAME), _finite(lora.weight)) for lora in item.loras[:MAX_ITEMS]]
    clean.loras = [lora for lora in loras if lora.name]
    if len(item.loras) > MAX_ITEMS:
        warnings.append(f"{where}more than {MAX_ITEMS} LoRAs; the first {MAX_ITEMS} kept")
    return clean


def _stage_cleaned(stage: Stage, number: int, warnings: list[str]) -> Stage:
    clean = _fields_cleaned(stage, _STAGE_TEXTS, _STAGE_NAMES, f"stage {number} ", warnings)
    nets = [ControlNet(clean_text(c.name, MAX_NAME), _finite(c.strength)) for c in stage.controlnets]
    clean.controlnets = [c for c in nets[:MAX_ITEMS] if c.name]
    return clean


def _names(values: list[str], warnings: list[str], what: str) -> list[str]:
    if len(values) > MAX_ITEMS:
        warnings.append(f"more than {MAX_ITEMS} {what}; the first {MAX_ITEMS} kept")
    return [v for v in (clean_text(v, MAX_NAME) for v in values[:MAX_ITEMS]) if v]


def _cut(name: str, value: str, cap: int, warnings: list[str]) -> str:
    text = clean_text(value, cap)
    if len(value) > cap:
        warnings.append(f"{name} is {len(value):,} characters; kept the first {cap:,}")
    return text


def _finite(weight: float | None) -> float | None:
    return weight if weight is not None and math.isfinite(weight) and abs(weight) <= 1_000 else None


def _representable(when: datetime) -> bool:
    """Whether a time survives conversion to UTC and a microsecond timestamp column."""
    try:
        utc = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
        return 1 <= utc.year <= 9998
    except (OverflowError, ValueError):
        return False
