"""`Filters`, one clause per given field: its words, its LanceDB (DataFusion SQL) predicate,
and how an asset's own value satisfies it. The SQL, the "no asset is …" message and the
explanations all come from these clauses, so they never disagree."""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from latentdam.search.query import Filters
from latentdam.store.asset import Asset
from latentdam.store.store import quote


@dataclass(frozen=True, slots=True)
class Clause:
    label: str  # e.g. "model contains 'sdxl'"
    sql: str
    holds: Callable[[Asset], bool]  # the SQL's semantics, on a hydrated asset
    value: Callable[[Asset], str | None]  # the asset's value for it, as shown in explanations


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


def _glob_match(pattern: str, path: str) -> bool:
    """The SQL LIKE that `glob_to_like` builds, by fnmatch: `*`/`**` any run (slashes too, as
    fnmatch's `*`), `?` one char; `[` is literal, as LIKE has no character sets."""
    return fnmatch.fnmatchcase(path, pattern.replace("[", "[[]"))


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _timestamp(value: datetime) -> str:
    # isoformat, not strftime: %Y does not pad years before 1000 ("999-01-01" fails to parse)
    text = _utc(value).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return f"CAST({quote(text)} AS TIMESTAMP)"


def _created(asset: Asset) -> datetime | None:
    return _utc(asset.created_at) if asset.created_at is not None else None


def _created_value(asset: Asset) -> str | None:
    created = _created(asset)
    return created.isoformat() if created is not None else None


def _created_clause(word: str, op: str, when: datetime) -> Clause:
    def holds(asset: Asset) -> bool:
        created = _created(asset)
        return created is not None and (created >= when if op == ">=" else created <= when)

    label = f"created at or {word} {when.isoformat()}"
    return Clause(label, f"created_at {op} {_timestamp(when)}", holds, _created_value)


def _first_or_all(names: list[str], wanted: Callable[[str], bool]) -> str | None:
    """The first name that satisfies a list filter, else every name (or None: none at all)."""
    return next((n for n in names if wanted(n)), None) or (", ".join(names) or None)


def _model_clause(needle: str) -> Clause:
    """Any diffusion model that shaped the image: base or refiner, either side of a merge."""

    def wanted(name: str) -> bool:
        return needle.lower() in name.lower()

    return Clause(
        f"model contains '{needle}'",
        f"lower(array_to_string(models, '\n')) LIKE {quote('%' + _like_escape(needle.lower()) + '%')}",
        lambda a: any(wanted(m) for m in a.record.diffusion_models()),
        lambda a: _first_or_all(a.record.diffusion_models(), wanted),
    )


def _lora_clause(needle: str) -> Clause:
    def wanted(name: str) -> bool:
        return needle.lower() in name.lower()

    def names(asset: Asset) -> list[str]:
        return [lora.name for lora in asset.record.loras]

    return Clause(
        f"LoRA contains '{needle}'",
        f"lower(array_to_string(lora_names, '\n')) LIKE {quote('%' + _like_escape(needle.lower()) + '%')}",
        lambda a: any(wanted(n) for n in names(a)),
        lambda a: _first_or_all(names(a), wanted),
    )


def _tag_clause(tag: str) -> Clause:
    """One tag, in any case: the tags joined by newlines hold it as a whole line."""

    def wanted(name: str) -> bool:
        return name.lower() == tag.lower()

    lines = "concat(chr(10), lower(array_to_string(tags, chr(10))), chr(10))"
    return Clause(
        f"tag '{tag}'",
        f"strpos({lines}, {quote(chr(10) + tag.lower() + chr(10))}) > 0",
        lambda a: any(wanted(t) for t in a.record.tags),
        lambda a: _first_or_all(a.record.tags, wanted),
    )


_SIZE_WORDS = {
    "width": "width",
    "height": "height",
    "gen_width": "generated width",
    "gen_height": "generated height",
}


def _size(asset: Asset, column: str) -> int | None:
    """The file's pixel size, or the size the generator was asked for (gen_*)."""
    if column.startswith("gen_"):
        value: int | None = getattr(asset.record, column.removeprefix("gen_"))
        return value
    return int(getattr(asset, column))


def _range_clause(column: str, low: int | None, high: int | None) -> Clause | None:
    if low is None and high is None:
        return None
    word = _SIZE_WORDS[column]
    if low is not None and high is not None:
        label = f"{word} between {low} and {high}"
    elif low is not None:
        label = f"{word} >= {low}"
    else:
        label = f"{word} <= {high}"
    sql = " AND ".join(
        part
        for part in (
            f"{column} >= {int(low)}" if low is not None else "",
            f"{column} <= {int(high)}" if high is not None else "",
        )
        if part
    )

    def holds(asset: Asset) -> bool:
        value = _size(asset, column)
        return value is not None and (low is None or value >= low) and (high is None or value <= high)

    def shown(asset: Asset) -> str | None:
        value = _size(asset, column)
        return None if value is None else str(value)

    return Clause(label, sql, holds, shown)


def _all(parts: list[Clause]) -> Clause:
    """The clauses of one branch taken together."""
    return Clause(
        ", ".join(c.label for c in parts) or "anything",
        " AND ".join(f"({c.sql})" for c in parts) or "TRUE",
        lambda a: all(c.holds(a) for c in parts),
        lambda a: "; ".join(v for c in parts if (v := c.value(a)) is not None) or None,
    )


def _any_clause(branches: list[Filters]) -> Clause:
    each = [_all(clauses(b)) for b in branches]

    def value(asset: Asset) -> str | None:
        held = next((c for c in each if c.holds(asset)), None)
        return held.label if held is not None else None

    return Clause(
        "any of " + " or ".join(f"({c.label})" for c in each),
        " OR ".join(f"({c.sql})" for c in each),
        lambda a: any(c.holds(a) for c in each),
        value,
    )


def _exclude_clause(branch: Filters) -> Clause:
    inner = _all(clauses(branch))
    return Clause(
        f"not ({inner.label})",
        # a NULL (no model, no sampler...) does not hold, so NOT must not turn it into NULL
        f"NOT COALESCE(({inner.sql}), FALSE)",
        lambda a: not inner.holds(a),
        inner.value,
    )


def clauses(filters: Filters) -> list[Clause]:
    """One clause per given filter (per LoRA and per tag for the list fields), in field order;
    then one for the or-branches and one per exclusion."""
    out: list[Clause] = []
    if filters.tool is not None:
        tool = str(filters.tool)
        out.append(
            Clause(
                f"tool is '{tool}'",
                f"tool = {quote(tool)}",
                lambda a: str(a.record.tool) == tool,
                lambda a: str(a.record.tool),
            )
        )
    if filters.model:
        out.append(_model_clause(filters.model))
    out += [_lora_clause(needle) for needle in filters.lora]
    if filters.sampler:
        sampler = filters.sampler
        out.append(
            Clause(
                f"sampler is '{sampler}'",
                f"lower(sampler) = {quote(sampler.lower())}",
                lambda a: a.record.sampler is not None and a.record.sampler.lower() == sampler.lower(),
                lambda a: a.record.sampler,
            )
        )
    if filters.seed is not None:
        seed = int(filters.seed)
        out.append(
            Clause(
                f"seed is {seed}",
                f"seed = {seed}",
                lambda a: a.record.seed == seed,
                lambda a: None if a.record.seed is None else str(a.record.seed),
            )
        )
    for word, op, when in (("after", ">=", filters.created_after), ("before", "<=", filters.created_before)):
        if when is not None:
            out.append(_created_clause(word, op, _utc(when)))
    for column, low, high in (
        ("width", filters.min_width, filters.max_width),
        ("height", filters.min_height, filters.max_height),
        ("gen_width", filters.min_gen_width, filters.max_gen_width),
        ("gen_height", filters.min_gen_height, filters.max_gen_height),
    ):
        clause = _range_clause(column, low, high)
        if clause is not None:
            out.append(clause)
    out += [_tag_clause(tag) for tag in filters.tags]
    if filters.path:
        pattern = filters.path
        out.append(
            Clause(
                f"path matches '{pattern}'",
                f"path LIKE {quote(glob_to_like(pattern))}",
                lambda a: _glob_match(pattern, a.path),
                lambda a: a.path,
            )
        )
    if filters.ai_made is not None:
        made = filters.ai_made
        out.append(
            Clause(
                "made by AI, say its Content Credentials"
                if made
                else "not AI-made, say its Content Credentials",
                f"ai_made = {'TRUE' if made else 'FALSE'}",
                lambda a: a.record.provenance is not None and a.record.provenance.ai_made is made,
                lambda a: a.record.provenance.describe() if a.record.provenance else None,
            )
        )
    if filters.provenance is not None:
        state = filters.provenance
        out.append(
            Clause(
                "no Content Credentials" if state == "none" else f"Content Credentials {state}",
                "provenance_state IS NULL" if state == "none" else f"provenance_state = {quote(state)}",
                lambda a: (a.record.provenance.state if a.record.provenance else "none") == state,
                lambda a: a.record.provenance.state if a.record.provenance else "none",
            )
        )
    if filters.any_of:
        out.append(_any_clause(filters.any_of))
    out += [_exclude_clause(branch) for branch in filters.exclude]
    return out


def to_sql(filters: Filters) -> str | None:
    """AND of every given filter, or None when there are none."""
    return " AND ".join(f"({c.sql})" for c in clauses(filters)) or None


def describe(filters: Filters) -> str:
    """The filters in words, as the explanations name them: "tool is 'comfyui', created at or
    after 2025-06-01T00:00:00+00:00"."""
    return ", ".join(c.label for c in clauses(filters))
