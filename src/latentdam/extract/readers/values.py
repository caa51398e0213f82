"""Turning metadata values into the types a `GenerationRecord` holds.

Two kinds of input reach the readers: JSON values (InvokeAI, NovelAI, Fooocus, ComfyUI), which
may be of any type, and text (A1111 settings), which is always a string. The `as_*` helpers
take any value and answer None for the wrong type; the `text_*` helpers parse strings. Formats disagree on a few edge cases, so those are keywords and each reader keeps its
own rule:

- `as_str(keep_empty=...)`: NovelAI keeps an empty `prompt`/`uc` (it is what the user typed);
  InvokeAI treats "" as missing.
- `as_int(parse_text=...)` / `as_float(parse_text=...)`: InvokeAI's older formats hold numbers
  as strings and parse them; NovelAI's Comment holds real numbers, so strings there are no value.
- `as_int` parses text through float (InvokeAI: "7.0" and "1e3" count), `text_int` as A1111 does
  (exact `int()` unless there is a decimal point, so large seeds keep every digit), and
  `text_number` as ComfyUI widgets need (an int if the text is one, else a float).
- `load_json_object`: the wording of the CorruptMetadata messages is each reader's own.

`bool` is never a number here, although Python counts it as an int.
"""

from __future__ import annotations

import json
from typing import Any

from latentdam.errors import CorruptMetadata


def as_str(value: Any, *, keep_empty: bool = False) -> str | None:
    """A string value, else None; "" is None too unless `keep_empty`."""
    if not isinstance(value, str):
        return None
    return value if keep_empty or value != "" else None


def as_name(value: Any) -> str | None:
    """A name (model, sampler, file): a string stripped of surrounding space, else None; a
    blank one is None too."""
    return value.strip() or None if isinstance(value, str) else None


def as_int(value: Any, *, parse_text: bool = True) -> int | None:
    """An int from a JSON number (floats truncated), or from a numeric string read through float
    (`"7.0"`, `"1e3"`) when `parse_text`; None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str) and parse_text:
        try:
            return int(float(value))
        except ValueError:
            return None
    return None


def as_float(value: Any, *, parse_text: bool = True) -> float | None:
    """A float from a JSON number, or from a numeric string when `parse_text`; None otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and parse_text:
        return text_float(value)
    return None


def text_int(text: str | None) -> int | None:
    """An A1111 settings value as an int: `int()` exactly, through float only when the text has a
    decimal point (`"7.0"`); None when it is not a number."""
    if text is None:
        return None
    try:
        return int(float(text)) if "." in text else int(text)
    except ValueError:
        return None


def text_float(text: str | None) -> float | None:
    """`float(text)`, or None when there is no text or it is not a number."""
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def text_number(text: str) -> int | float | None:
    """An int when the text is one, else a float, else None (ComfyUI widget strings)."""
    for parse in (int, float):
        try:
            return parse(text.strip())
        except ValueError:
            continue
    return None


def load_json_object(
    text: str,
    what: str,
    *,
    verb: str = "is",
    not_object: str = "JSON is not an object",
    too_deep_is_corrupt: bool = False,
) -> dict[str, Any]:
    """Parse a metadata block that must hold a JSON object, or raise CorruptMetadata.

    Messages read `<what> <verb> not valid JSON: <reason>` and `<what> <not_object>` (`verb` is
    "are" for a plural `what`). With `too_deep_is_corrupt`, JSON nested past Python's recursion
    limit is CorruptMetadata as well; without it the RecursionError propagates.
    """
    errors: tuple[type[Exception], ...] = (
        (ValueError, RecursionError) if too_deep_is_corrupt else (ValueError,)
    )
    try:
        data = json.loads(text)
    except errors as exc:
        raise CorruptMetadata(f"{what} {verb} not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CorruptMetadata(f"{what} {not_object}")
    return data
