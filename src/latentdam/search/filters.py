"""Compile `Filters` into one LanceDB (DataFusion SQL) predicate."""

from __future__ import annotations

from datetime import UTC, datetime

from latentdam.search.query import Filters
from latentdam.store.store import quote


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def glob_to_like(pattern: str) -> str:
    """Shell glob -> SQL LIKE. `*` and `**` both match any run of characters (slashes too)."""
    out: list[str] = []
    for ch in pattern:
        if ch == "*":
            if not out or out[-1] != "%":
                out.append("%")
        elif ch == "?":
            out.append("_")
        else:
            out.append(_like_escape(ch))
    return "".join(out)


def _timestamp(value: datetime) -> str:
    value = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return f"CAST({quote(value.strftime('%Y-%m-%d %H:%M:%S.%f'))} AS TIMESTAMP)"


def to_sql(filters: Filters) -> str | None:
    """AND of every given filter, or None when there are none."""
    clauses: list[str] = []
    if filters.tool is not None:
        clauses.append(f"tool = {quote(str(filters.tool))}")
    if filters.model:
        clauses.append(f"lower(model) LIKE {quote('%' + _like_escape(filters.model.lower()) + '%')}")
    for lora in filters.lora:
        needle = quote("%" + _like_escape(lora.lower()) + "%")
        clauses.append(f"lower(array_to_string(lora_names, '\n')) LIKE {needle}")
    if filters.sampler:
        clauses.append(f"lower(sampler) = {quote(filters.sampler.lower())}")
    if filters.seed is not None:
        clauses.append(f"seed = {int(filters.seed)}")
    if filters.created_after:
        clauses.append(f"created_at >= {_timestamp(filters.created_after)}")
    if filters.created_before:
        clauses.append(f"created_at <= {_timestamp(filters.created_before)}")
    for column, low, high in (
        ("width", filters.min_width, filters.max_width),
        ("height", filters.min_height, filters.max_height),
    ):
        if low is not None:
            clauses.append(f"{column} >= {int(low)}")
        if high is not None:
            clauses.append(f"{column} <= {int(high)}")
    for tag in filters.tags:
        clauses.append(f"array_has(tags, {quote(tag)})")
    if filters.path:
        clauses.append(f"path LIKE {quote(glob_to_like(filters.path))}")
    return " AND ".join(f"({c})" for c in clauses) or None


def describe(filters: Filters) -> str:
    """The filters in words, field by field as `to_sql` compiles them: "made with comfyui,
    model containing 'sdxl', created on or after 2025-06-01"."""
    parts: list[str] = []
    if filters.tool is not None:
        parts.append(f"made with {filters.tool}")
    if filters.model:
        parts.append(f"model containing {filters.model!r}")
    parts += [f"a LoRA containing {lora!r}" for lora in filters.lora]
    if filters.sampler:
        parts.append(f"sampler {filters.sampler!r}")
    if filters.seed is not None:
        parts.append(f"seed {filters.seed}")
    if filters.created_after:
        parts.append(f"created on or after {filters.created_after:%Y-%m-%d %H:%M}".removesuffix(" 00:00"))
    if filters.created_before:
        parts.append(f"created on or before {filters.created_before:%Y-%m-%d %H:%M}".removesuffix(" 00:00"))
    for name, low, high in (
        ("wide", filters.min_width, filters.max_width),
        ("high", filters.min_height, filters.max_height),
    ):
        if low is not None:
            parts.append(f"at least {low} px {name}")
        if high is not None:
            parts.append(f"at most {high} px {name}")
    parts += [f"tagged {tag!r}" for tag in filters.tags]
    if filters.path:
        parts.append(f"path matching {filters.path!r}")
    return ", ".join(parts)
