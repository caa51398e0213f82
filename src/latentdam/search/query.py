"""Every search is one plain, validated object: the CLI builds it from flags, the Python API
from keyword arguments, so every interface runs the same query and any query can be logged
or replayed."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from latentdam.embed.space import SPACE_NAME
from latentdam.errors import InvalidQuery
from latentdam.extract.provenance import ProvenanceState
from latentdam.extract.record import Tool
from latentdam.search.signal import Signal

MAX_BRANCHES = 64  # or-branches and exclusions in one query, nested ones included
MAX_DEPTH = 4


class Filters(BaseModel):
    """Structured filters. All given filters must hold (AND); within `tags` and `lora`,
    an asset passes when it has every listed value. Text matches are case-insensitive.
    `any_of`: at least one branch holds as well (OR; a branch is Filters, so it nests);
    `exclude`: no branch may hold (NOT)."""

    model_config = ConfigDict(extra="forbid")

    tool: Tool | None = Field(default=None, description="the generator (any case): a1111, comfyui, ...")
    model: str | None = Field(default=None, description="substring of the checkpoint/model name")
    lora: list[str] = Field(
        default_factory=list, description="substring of a LoRA name, each must match (one name or a list)"
    )
    sampler: str | None = Field(default=None, description="sampler name, exact (case-insensitive)")
    seed: int | None = None
    created_after: datetime | None = Field(
        default=None, validation_alias=AliasChoices("created_after", "after"), description="also: after"
    )
    created_before: datetime | None = Field(
        default=None, validation_alias=AliasChoices("created_before", "before"), description="also: before"
    )
    # The file's pixels (after any upscale), and the size the generator was asked for
    min_width: int | None = Field(default=None, ge=0, description="the file is at least this wide")
    max_width: int | None = Field(default=None, ge=0)
    min_height: int | None = Field(default=None, ge=0)
    max_height: int | None = Field(default=None, ge=0)
    min_gen_width: int | None = Field(default=None, ge=0, description="generated at least this wide")
    max_gen_width: int | None = Field(default=None, ge=0)
    min_gen_height: int | None = Field(default=None, ge=0)
    max_gen_height: int | None = Field(default=None, ge=0)
    tags: list[str] = Field(
        default_factory=list,
        validation_alias=AliasChoices("tags", "tag"),
        description="tags (any case), each must be present; also: tag",
    )
    path: str | None = Field(default=None, description="glob on the file path, e.g. '*/portraits/*.png'")
    ai_made: bool | None = Field(
        default=None,
        description="Content Credentials say a model made it (true), or say it was not (false)",
    )
    provenance: ProvenanceState | Literal["none"] | None = Field(
        default=None,
        description="the state of the file's Content Credentials (C2PA); none: it has none",
    )
    any_of: list[Filters] = Field(
        default_factory=list, description="or-branches: an asset passes when at least one holds"
    )
    exclude: list[Filters] = Field(
        default_factory=list, description="not-branches: an asset passes when none holds"
    )

    @field_validator("tool", mode="before")
    @classmethod
    def _any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("lora", "tags", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _possible(self) -> Filters:
        """A range no asset can satisfy is a mistake to point out, not an empty answer."""
        for low, high, word in _RANGES:
            a, b = getattr(self, low), getattr(self, high)
            if a is not None and b is not None and _comparable(a) > _comparable(b):
                raise ValueError(f"{low} {a} is {word} {high} {b}: no asset can match")
        return self

    @model_validator(mode="after")
    def _bounded(self) -> Filters:
        if self._depth() > MAX_DEPTH:
            raise ValueError(f"filters nest more than {MAX_DEPTH} levels deep")
        if self._branches() > MAX_BRANCHES:
            raise ValueError(f"more than {MAX_BRANCHES} filter branches in one query")
        return self

    def _depth(self) -> int:
        return 1 + max((b._depth() for b in (*self.any_of, *self.exclude)), default=0)

    def _branches(self) -> int:
        return sum(1 + b._branches() for b in (*self.any_of, *self.exclude))

    def is_empty(self) -> bool:
        return self == Filters()


_RANGES = (
    ("created_after", "created_before", "later than"),
    ("min_width", "max_width", "over"),
    ("min_height", "max_height", "over"),
    ("min_gen_width", "max_gen_width", "over"),
    ("min_gen_height", "max_gen_height", "over"),
)


def _comparable(value: Any) -> Any:
    """Datetimes with and without a zone compare (a naive one is UTC, as filters read it)."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


MAX_LIMIT = 1_000  # results per page; more come through the cursor


class Sort(StrEnum):
    RELEVANCE = "relevance"  # most likely relevant first
    DATE = "date"  # newest first, within the relevant results
    NAME = "name"  # by file name, within the relevant results


class SearchQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    # What the query image was (a file name, an asset id, "upload"): a label only. The image
    # itself is handed to `Library.run`; no path in a query ever reaches the file system.
    image: str | None = None
    # With both text and image: the image's share of the joint-space query vector.
    image_weight: float = Field(default=0.5, ge=0.0, le=1.0)
    negative: str | None = Field(default=None, description="steer away from this text ('but not ...')")
    similar_to: str | None = Field(default=None, description="an asset id: find its nearest neighbours")
    filters: Filters = Field(default_factory=Filters)
    limit: int = Field(default=10, ge=1, le=MAX_LIMIT)
    # Which retrieval signals run for a text query; None runs all of them (hybrid).
    signals: frozenset[Signal] | None = None
    # The cut: a query whose best candidate is under it answers "no match", and results under
    # it are hidden (None: the default cut, with weaker results shown once something matches).
    min_confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    include_all: bool = False  # keep results under the cut (marked band "below")
    explain: bool = False  # attach an Explanation to every hit
    # with explain: only these hits get one (explaining costs ~20 ms a hit on a CPU, mostly
    # embedding each prompt's phrases; a gallery asks for the one result it opened)
    explain_ids: list[str] = Field(default_factory=list, max_length=100)
    # How the results are ordered; None: by relevance, or newest first for filters alone.
    # Date and name sort *within* the relevant set: the cut is made first.
    sort: Sort | None = None
    # Count the matching set by tool, model, LoRA, sampler and month (`result.facets`).
    facets: bool = False
    # Answer from this space instead of the active one of its kind (a migration's new space
    # answers with the assets it has embedded so far: compare it with the current one).
    space: str | None = Field(default=None, pattern=SPACE_NAME)
    # The `next_cursor` of the previous page of this same query (None: the first page).
    cursor: str | None = Field(default=None, max_length=512)

    @field_validator("text", "negative")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        value = value.strip() if value else None
        return value or None

    def asks_nothing(self) -> bool:
        """No text, image, example asset or filter: nothing to search for. (Checked when the
        query runs, since the image travels beside the query, not in it.)"""
        return (
            self.text is None and self.image is None and self.similar_to is None and self.filters.is_empty()
        )


def invalid_query(exc: ValidationError) -> InvalidQuery:
    """A pydantic ValidationError as latentdam's own error: each problem with its field
    ("limit: input should be greater than or equal to 1")."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{where}: {message}" if where else message)
    return InvalidQuery("; ".join(problems))
