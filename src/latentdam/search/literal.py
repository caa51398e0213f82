"""What a query names literally, and which assets carry it.

A user who types `dreamshaper_8`, `"fennec ears"`, `by greg rutkowski` or a seed means that
exact thing: an asset that carries it is a genuine match whatever its cosine (relevance.py
gives it a confidence floor). Needles, by how they are recognised:

- `phrase`: a "quoted phrase";
- `credit`: an artist credit ("by X", "in the style of X"), matched as the name;
- `name`: a file-like token (`dreamshaper_8`, `sd_xl_base_1.0`, `flux1-dev`, `juggernautXL`,
  `00042-2871649301.png`), or a short query (≤ SHORT_QUERY_WORDS words) that is part of a
  checkpoint, LoRA, ControlNet or file name in the library (`openpose`, `depth`);
- `seed`: a number of SEED_MIN_DIGITS digits or more;
- `word`: a word the library's text contains that the text model cannot read (most names:
  `rutkowski` is word pieces to MiniLM).

Phrases, credits and words are matched by the full-text index (its tokenizer, words
consecutive); names against the name columns (checkpoint, LoRAs, ControlNets, file name),
as whole name parts; seeds against the seed column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from latentdam.extract.text import credited_names
from latentdam.store.store import LibraryStore, quote

SHORT_QUERY_WORDS = 3
SEED_MIN_DIGITS = 4
LITERAL_DEPTH = 500  # assets one needle may match: a phrase in more than this is not a name
_QUOTED = re.compile(r'"([^"]+)"')
_TOKEN = re.compile(r"[^\s,;()\[\]{}<>]+")
_IDENTIFIER = re.compile(r"\w[\w.\-/]*[_.\-/]\w|(?=\w*\d)(?=\w*[a-z])\w+|[a-z]+[A-Z]\w*", re.IGNORECASE)
_CAMEL = re.compile(r"[a-z][A-Z]")
_WORD = re.compile(r"[^\W\d_]{3,}")


class NeedleKind(StrEnum):
    PHRASE = "phrase"
    CREDIT = "credit"
    NAME = "name"
    SEED = "seed"
    WORD = "word"


@dataclass(frozen=True, slots=True)
class Needle:
    text: str
    kind: NeedleKind


def _identifier(token: str) -> bool:
    """dreamshaper_8, sd_xl_base_1.0, flux1-dev, sd15, juggernautXL (not plain words)."""
    if any(c in token for c in "_./") or _CAMEL.search(token):
        return True
    has_digit, has_alpha = any(c.isdigit() for c in token), any(c.isalpha() for c in token)
    return (has_digit and has_alpha) or ("-" in token and has_digit)


def find_needles(text: str | None, unreadable: Callable[[str], bool]) -> list[Needle]:
    """The needles of a query, in the order typed. `unreadable(word)` says whether the text
    model cannot read a word (only such words that the library has become needles)."""
    if not text:
        return []
    needles = [Needle(p.strip(), NeedleKind.PHRASE) for p in _QUOTED.findall(text) if p.strip()]
    rest = _QUOTED.sub(" ", text)
    needles += [Needle(name, NeedleKind.CREDIT) for name in credited_names(rest)]
    credited = " ".join(n.text.lower() for n in needles if n.kind is NeedleKind.CREDIT)
    words = []
    for raw in _TOKEN.findall(rest):
        token = raw.strip("'`.,:;!?")
        if token.isdigit() and len(token) >= SEED_MIN_DIGITS:
            needles.append(Needle(token, NeedleKind.SEED))
        elif len(token) > 1 and _identifier(token):
            needles.append(Needle(token, NeedleKind.NAME))
        else:
            words.append(token)  # a name's own pieces ("dreamshaper" of dreamshaper_8) are not words
    for word in dict.fromkeys(_WORD.findall(" ".join(words).lower())):
        if word not in credited and unreadable(word):
            needles.append(Needle(word, NeedleKind.WORD))
    return list(dict.fromkeys(needles))


def _name_pattern(needle: str) -> str:
    """A regular expression that finds the needle as a whole name part, whatever separators
    the name uses: `sd_xl_base_1.0` in `sd_xl_base_1.0.safetensors`, `depth` in
    `control_v11f1p_sd15_depth`, never `dog` in `hotdog`."""
    parts = [re.escape(p) for p in re.split(r"[\s_.\-/]+", needle.lower()) if p]
    return "(^|[^a-z0-9])" + "[^a-z0-9]*".join(parts) + "($|[^a-z0-9])"


_NAME_COLUMNS = (
    "array_to_string(models, ' ')",
    "array_to_string(lora_names, ' ')",
    "array_to_string(controlnets, ' ')",
    "file_name",
)


def _names_clause(needle: str) -> str:
    pattern = quote(_name_pattern(needle))
    return "(" + " OR ".join(f"regexp_like(lower({column}), {pattern})" for column in _NAME_COLUMNS) + ")"


def literal_matches(
    store: LibraryStore, needles: list[Needle], text: str, where: str | None
) -> dict[str, list[Needle]]:
    """Asset id -> the needles it carries (in needle order), under the query's filters. A short
    query without needles of its own is tried as a name (`openpose`, `depth`)."""
    found: dict[str, list[Needle]] = {}

    def add(ids: list[str], needle: Needle) -> None:
        for asset_id in ids:
            found.setdefault(asset_id, []).append(needle)

    def scoped(clause: str) -> str:
        return f"{clause} AND ({where})" if where else clause

    for needle in needles:
        if needle.kind is NeedleKind.SEED:
            add(store.filter_ids(scoped(f"seed = {int(needle.text)}"), LITERAL_DEPTH), needle)
        elif needle.kind is NeedleKind.NAME:
            # the name columns only: the keyword text also holds glossary aliases ("sd_xl_base_1.0"
            # is one of SDXL's), which would make every SDXL render "carry" the base checkpoint
            add(store.filter_ids(scoped(_names_clause(needle.text)), LITERAL_DEPTH), needle)
        else:
            hits = store.phrase_search(needle.text, where, LITERAL_DEPTH + 1)
            if len(hits) <= LITERAL_DEPTH:  # a phrase everything carries names nothing
                add([asset_id for asset_id, _ in hits], needle)
    words = text.split()
    if not needles and 0 < len(words) <= SHORT_QUERY_WORDS:
        whole = Needle(text.strip(), NeedleKind.NAME)
        add(store.filter_ids(scoped(_names_clause(whole.text)), LITERAL_DEPTH), whole)
    return found
