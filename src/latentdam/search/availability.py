"""Which signals can run for a query in this library, and why the others cannot.

A user who asks for a signal (`--signal image`, `similar --by keyword`) that has nothing to
work with is told so, with the signals that can run, instead of getting "no match".
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

from latentdam.embed.space import Space
from latentdam.errors import InvalidQuery
from latentdam.search.plan import QueryInput
from latentdam.search.signal import Signal, signal_of

ADD_JOINT_SPACE = "add one: latentdam reembed --model openai/clip-vit-base-patch32"
# Signals `similar` can compare by: the stored vectors of the asset it starts from.
VECTOR_SIGNALS = (Signal.SEMANTIC, Signal.IMAGE, Signal.VISUAL)


def why_not_search(signal: Signal, given: QueryInput, active: Iterable[Space]) -> str | None:
    """Why `signal` cannot run for this search, or None when it can."""
    kinds = {signal_of(space) for space in active}
    text = bool(given.text)
    if signal in (Signal.KEYWORD, Signal.EXPANSION, Signal.LITERAL, Signal.SEMANTIC) and not text:
        return "it matches text, and this query has none (nor does its image carry a prompt)"
    if signal is Signal.SEMANTIC and Signal.SEMANTIC not in kinds:
        return "no active space embeds the assets' prompts"
    if signal is Signal.IMAGE and Signal.IMAGE not in kinds:
        return f"no active space embeds both images and text ({ADD_JOINT_SPACE})"
    if signal is Signal.VISUAL:
        if given.image is None:
            return "it compares pictures by their look, and this query has no image (give --image)"
        if Signal.VISUAL not in kinds:
            return "no active visual space"
    if signal is Signal.FILTER and (text or given.image is not None):
        return "it is the order of filter-only queries; leave out the text and image"
    return None


def why_not_similar(signal: Signal, stored: Collection[Signal]) -> str | None:
    """Why `similar` cannot compare by `signal`, given the signals the asset has vectors in."""
    if signal not in VECTOR_SIGNALS:
        return "similar compares stored vectors, and this signal has none"
    if signal not in stored:
        where = "no active space of that kind" + (f" ({ADD_JOINT_SPACE})" if signal is Signal.IMAGE else "")
        return f"{where}, or the asset has no vector in it"
    return None


def check(asked: Collection[Signal], reasons: dict[Signal, str], possible: Iterable[Signal]) -> list[str]:
    """Notes for the asked signals that cannot run; InvalidQuery when none of them can."""
    notes = [
        f"signal {signal.value!r} cannot run here: {reasons[signal]}" for signal in asked if signal in reasons
    ]
    if asked and all(signal in reasons for signal in asked):
        can = [s.value for s in possible if s not in reasons]
        offer = f"; signals that can: {', '.join(can)}" if can else ""
        raise InvalidQuery("; ".join(notes) + offer)
    return notes
