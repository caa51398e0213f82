"""The values behind links: the string a text node produces, the number a primitive holds."""

from __future__ import annotations

import re
from typing import Any

from latentdam.extract.readers.comfyui.graph import Graph, NodeId
from latentdam.extract.readers.comfyui.nodes import (
    COMPUTED_TEXT_MARKERS,
    CONCAT_PART,
    NUMBER_KEYS,
    STRING_KEYS,
)
from latentdam.extract.readers.values import text_number

MAX_DEPTH = 100  # far beyond any real chain; keeps nested walks well inside Python's limit


class ValueResolver:
    """The string or number an input holds: a widget value, or what the node behind its link
    produces (primitives, text nodes, concatenations, seed nodes)."""

    def __init__(self, graph: Graph) -> None:
        self.g = graph
        # Values behind links are memoised per (node, preferred key) and nodes being resolved are
        # tracked, so a cycle ends at once and shared sub-graphs (or a hostile file's diamonds)
        # are resolved once: linear time whatever the graph.
        self._strings: dict[tuple[NodeId, str], str | None] = {}
        self._numbers: dict[tuple[NodeId, str], float | None] = {}
        self._active: set[tuple[NodeId, str]] = set()

    # ---- values behind links

    def string(self, value: Any, prefer: str = "") -> str | None:
        """A widget string, or the string a linked text node produces."""
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get("content"), str):
            return str(value["content"])  # pysssss loaders: {"content": name, "image": ...}
        src = self.g.source(value)
        if src is None:
            return None
        key = (src[0], "s:" + prefer)
        if key not in self._strings:
            if key in self._active or len(self._active) > MAX_DEPTH:
                return None
            self._active.add(key)
            self._strings[key] = self._string_of(src[1].inputs, prefer)
            self._active.discard(key)
        return self._strings[key]

    def _string_of(self, inputs: dict[str, Any], prefer: str) -> str | None:
        if "populated_text" in inputs:  # Impact wildcard nodes store the text they produced
            return self.string(inputs["populated_text"], "populated_text")
        if not COMPUTED_TEXT_MARKERS.isdisjoint(inputs):
            return None
        joined = self._concatenation(inputs)
        if joined is not None:
            return joined
        for key in (prefer, *STRING_KEYS) if prefer else STRING_KEYS:
            if key in inputs:
                text = self.string(inputs[key], key)
                if text is not None:
                    return text
        return None

    def _concatenation(self, inputs: dict[str, Any]) -> str | None:
        """Text-join nodes (core StringConcatenate, WAS Text Concatenate, KJ JoinStrings,
        CR Text Concatenate): parts in key order, joined by their delimiter."""
        delimiter = inputs.get("delimiter", inputs.get("separator"))
        parts = sorted((k for k in inputs if CONCAT_PART.match(k)), key=part_order)
        if not isinstance(delimiter, str) or len(parts) < 2:
            return None
        texts = [self.string(inputs[k], k) for k in parts]
        if inputs.get("clean_whitespace") in ("true", True):
            texts = [t.strip() if t else t for t in texts]
        return delimiter.join(t for t in texts if t)

    def number(self, value: Any, prefer: str = "") -> float | None:
        """A widget number (or numeric string), or the number a linked primitive/seed node holds."""
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, str):
            return text_number(value)
        src = self.g.source(value)
        if src is None:
            return None
        key = (src[0], "n:" + prefer)
        if key not in self._numbers:
            if key in self._active or len(self._active) > MAX_DEPTH:
                return None
            self._active.add(key)
            self._numbers[key] = self._number_of(src[1].inputs, prefer)
            self._active.discard(key)
        return self._numbers[key]

    def _number_of(self, inputs: dict[str, Any], prefer: str) -> float | None:
        for key in (prefer, *NUMBER_KEYS) if prefer else NUMBER_KEYS:
            if key in inputs:
                num = self.number(inputs[key], key)
                if num is not None:
                    return num
        return None

    def integer(self, value: Any, prefer: str = "") -> int | None:
        num = self.number(value, prefer)
        return int(num) if num is not None and float(num).is_integer() else None


def part_order(key: str) -> tuple[int, str]:
    """`text_a` < `text_b`, `lora_2` < `lora_10`."""
    digits = re.search(r"\d+$", key)
    return (int(digits[0]), "") if digits else (0, key)
