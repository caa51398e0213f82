"""The value helpers the readers share, including the edge cases where formats keep their own rule."""

from __future__ import annotations

import pytest

from latentdam.errors import CorruptMetadata
from latentdam.extract.readers.values import (
    as_float,
    as_int,
    as_str,
    load_json_object,
    text_float,
    text_int,
    text_number,
)


def test_as_str() -> None:
    assert as_str("euler") == "euler"
    assert as_str("") is None  # InvokeAI: an empty string is no value
    assert as_str("", keep_empty=True) == ""  # NovelAI: an empty prompt is what was typed
    assert as_str(7) is None
    assert as_str(None, keep_empty=True) is None


def test_as_int_and_as_float() -> None:
    assert (as_int(7), as_int(7.9), as_int("7.0"), as_int("1e3"), as_int("x")) == (7, 7, 7, 1000, None)
    assert (as_float(7), as_float("6.5"), as_float("x")) == (7.0, 6.5, None)
    assert isinstance(as_float(7), float)
    for value in (True, False, None, [1], {"a": 1}):
        assert as_int(value) is None
        assert as_float(value) is None
    # NovelAI's Comment holds real numbers: a string there is not one
    assert as_int("7", parse_text=False) is None
    assert as_float("6.5", parse_text=False) is None
    assert (as_int(7, parse_text=False), as_float(6.5, parse_text=False)) == (7, 6.5)


def test_text_int_keeps_every_digit_of_large_seeds() -> None:
    seed = "18446744073709551615"  # ComfyUI's largest seed: not exact as a float
    assert text_int(seed) == 18446744073709551615
    assert (text_int("7.0"), text_int(" 28 "), text_int("1e3"), text_int(""), text_int(None)) == (
        7,
        28,
        None,
        None,
        None,
    )
    assert (text_float("0.8"), text_float("x"), text_float(None)) == (0.8, None, None)


def test_text_number_keeps_ints_ints() -> None:
    assert text_number(" 20 ") == 20
    assert isinstance(text_number("20"), int)
    assert text_number("7.5") == 7.5
    assert text_number("seven") is None


def test_load_json_object_messages() -> None:
    assert load_json_object('{"a": 1}', "X chunk") == {"a": 1}
    with pytest.raises(CorruptMetadata, match=r"^X chunk is not valid JSON: "):
        load_json_object('{"a": ', "X chunk")
    with pytest.raises(CorruptMetadata, match=r"^X chunk JSON is not an object$"):
        load_json_object("[1]", "X chunk")
    with pytest.raises(CorruptMetadata, match=r"^X parameters are not valid JSON: "):
        load_json_object("{", "X parameters", verb="are")
    with pytest.raises(CorruptMetadata, match=r"^X prompt is not a JSON object$"):
        load_json_object('"text"', "X prompt", not_object="is not a JSON object")


def test_load_json_object_too_deep() -> None:
    deep = "[" * 100_000
    with pytest.raises(CorruptMetadata, match=r"^X chunk is not valid JSON: "):
        load_json_object(deep, "X chunk", too_deep_is_corrupt=True)
