"""Facets: how the matching set divides by generator, checkpoint, LoRA, sampler, picture
size and month,
so a client can offer "made with / created in" refinements with counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

FACET_COLUMNS = ["tool", "models", "lora_names", "sampler", "width", "height", "created_at"]
TOP_VALUES = 20  # per facet, most frequent first


class Facets(BaseModel):
    matching: int = Field(description="assets in the matching set the counts are over")
    tool: dict[str, int] = Field(default_factory=dict)
    model: dict[str, int] = Field(default_factory=dict)
    lora: dict[str, int] = Field(default_factory=dict)
    sampler: dict[str, int] = Field(default_factory=dict)
    size: dict[str, int] = Field(default_factory=dict, description="the file's pixel size, WIDTHxHEIGHT")
    month: dict[str, int] = Field(default_factory=dict, description="YYYY-MM of creation, newest first")


def most_common(counter: Counter[str], n: int = TOP_VALUES) -> dict[str, int]:
    """The n most frequent values; ties by name, so the same library always gives the same."""
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n])


# What a field term names, by the column holding it (`values` suggests from these).
VALUE_COLUMNS = {"tool": "tool", "model": "models", "lora": "lora_names", "sampler": "sampler", "tag": "tags"}


def field_values(rows: Iterable[Mapping[str, Any]], column: str, contains: str, n: int) -> dict[str, int]:
    """How many assets hold each value of a column that contains `contains` (any case)."""
    needle = contains.lower()
    counter: Counter[str] = Counter()
    for row in rows:
        value = row.get(column)
        for item in set(value or []) if isinstance(value, list) else ([value] if value else []):
            if needle in str(item).lower():
                counter[str(item)] += 1
    return most_common(counter, n)


def count_facets(rows: Iterable[Mapping[str, Any]]) -> Facets:
    """Counts over rows holding FACET_COLUMNS (an asset without a value is not counted)."""
    counters: dict[str, Counter[str]] = {
        name: Counter() for name in ("tool", "model", "lora", "sampler", "size", "month")
    }
    matching = 0
    for row in rows:
        matching += 1
        for name, value in (("tool", row.get("tool")), ("sampler", row.get("sampler"))):
            if value:
                counters[name][str(value)] += 1
        counters["model"].update(set(row.get("models") or []))  # base and refiner both count
        counters["lora"].update(set(row.get("lora_names") or []))
        if row.get("width") and row.get("height"):
            counters["size"][f"{row['width']}x{row['height']}"] += 1
        created = row.get("created_at")
        if isinstance(created, datetime):
            counters["month"][f"{created:%Y-%m}"] += 1
    top = {name: most_common(counter) for name, counter in counters.items()}
    top["month"] = dict(sorted(counters["month"].items(), reverse=True)[:TOP_VALUES])
    return Facets(matching=matching, **top)
