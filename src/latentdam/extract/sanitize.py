"""The reader boundary: every record leaves extraction with fields a store and a tokenizer
accept, whatever the file said. Out-of-range numbers are dropped (with a warning), text is
cleaned of what no column or tokenizer takes (lone surrogates, NULs) and capped.

Caps (characters): prompts and descriptions MAX_TEXT (the longest real prompt in the bench
corpus is 1,760; a 20 MB "prompt" would take gigabytes through a tokenizer), names
MAX_NAME, lists MAX_ITEMS. A value over its cap is cut, never rejected: the image lands.
"""

from __future__ import annotations

import copy
import math
import re
from datetime import UTC, datetime

from latentdam.extract.record import GenerationRecord, LoRA

MAX_TEXT = 32_000
MAX_NAME = 1_000
MAX_ITEMS = 200
MAX_RAW = 1_000_000  # a raw metadata block kept whole up to this; the rest is cut
_BAD_CHARS = re.compile(r"[\ud800-\udfff\x00]")  # lone surrogates (from "\ud800" escapes), NULs

# field -> the valid range; outside it the value is dropped (None)
_RANGES: dict[str, tuple[float, float]] = {
    "steps": (0, 100_000),
    "cfg": (-1_000, 1_000),
    "width": (1, 1_000_000),
    "height": (1, 1_000_000),
    "seed": (0, 2**64 - 1),
}
_NAMES = ("model", "model_hash", "sampler", "scheduler", "title", "job_id", "software")
_TEXTS = ("prompt", "negative_prompt", "description")


def clean_text(value: str, cap: int) -> str:
    text = _BAD_CHARS.sub("", value) if _BAD_CHARS.search(value) else value
    return text[:cap]


def sanitized(record: GenerationRecord) -> tuple[GenerationRecord, list[str]]:
    """The record with every field in range and every text clean and capped, and a warning
    per value that was dropped or cut."""
    warnings: list[str] = []
    changes: dict[str, object] = {}
    for name, (low, high) in _RANGES.items():
        value = getattr(record, name)
        if value is None:
            continue
        try:
            number = (
                float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan
            )
        except OverflowError:  # an int past float's range: far past any range here
            number = math.inf
        if not math.isfinite(number) or not low <= number <= high:
            changes[name] = None
            warnings.append(f"{name} {str(value)[:40]} is out of range ({low:g} to {high:g}); dropped")
    for name in _TEXTS:
        value = getattr(record, name)
        if isinstance(value, str):
            changes[name] = _cut(name, value, MAX_TEXT, warnings)
    for name in _NAMES:
        value = getattr(record, name)
        if isinstance(value, str):
            changes[name] = _cut(name, value, MAX_NAME, warnings)
    loras = [LoRA(clean_text(lora.name, MAX_NAME), _finite(lora.weight)) for lora in record.loras[:MAX_ITEMS]]
    changes["loras"] = [lora for lora in loras if lora.name]
    changes["controlnets"] = [
        c for c in (clean_text(c, MAX_NAME) for c in record.controlnets[:MAX_ITEMS]) if c
    ]
    changes["tags"] = [t for t in (clean_text(t, MAX_NAME) for t in record.tags[:MAX_ITEMS]) if t]
    if len(record.loras) > MAX_ITEMS or len(record.tags) > MAX_ITEMS or len(record.controlnets) > MAX_ITEMS:
        warnings.append(f"more than {MAX_ITEMS} LoRAs, ControlNets or tags; the first {MAX_ITEMS} kept")
    changes["raw"] = {
        clean_text(key, MAX_NAME): clean_text(value, MAX_RAW) for key, value in record.raw.items()
    }
    created = record.created_at
    if created is not None and not _representable(created):
        changes["created_at"] = None
        warnings.append(f"creation time {created!r} cannot be stored; dropped")
    clean = copy.copy(record)
    for name, value in changes.items():
        setattr(clean, name, value)
    return clean, warnings


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
