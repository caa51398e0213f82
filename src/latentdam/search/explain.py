"""Why did a hit appear: which signals ranked it (and how high), which phrases of its prompt
are closest to what was searched for, which query words its keyword text contains, and the
value of the asset that satisfied each filter.

Everything here works on a finished `SearchHit` and the `SearchQuery` that produced it; the
only model call is the optional phrase matching, done in one batch for a whole result list
by `explain_all`.

Rules, stated once:

* Phrases: the cleaned prompt (`clean_prompt`: weights, LoRA tags, brackets stripped) is split
  on commas, semicolons, line breaks and sentence ends (". "). Phrases with fewer than
  `MIN_PHRASE_CHARS` letters/digits are dropped ("8k", "hd"), repeats are dropped
  case-insensitively. A record without prompt phrases falls back to its title and
  description, split the same way. Each phrase is embedded as a document and compared
  with the searched text embedded as a query (cosine = dot product of unit vectors); the
  best `TOP_PHRASES` are kept, best first.
* Keywords: every whitespace-separated word of the searched text, and every extra term
  (the `expansion` signal's library words), trimmed of surrounding punctuation and
  lower-cased, is a term; an extra term is kept whole, so a multi-word one must occur as a
  phrase. The `keyword` reason names the query's own terms found, the `expansion` reason
  the extra terms found; `Explanation.keywords` lists both (an extra term with the stems of
  a query term found already is not repeated).
  Words and text are tokenised into runs of letters/digits (so `_`, `-` and `.` split
  tokens, as the full-text index does); a term matches when its tokens occur consecutively
  in the asset's keyword text (`keyword_text`), comparing stems. The stemmer is light:
  lower-case; plural `-ies`→`i`, `-es` after s/x/z/ch/sh, otherwise a final `-s` (not
  `-ss`/`-us`/`-is`); then `-ing` (words over 5 letters) or `-ed` (over 4 letters); then a
  final `-e` (words over 3 letters) is dropped, a final `-y` becomes `i`, and a doubled
  final consonant is undoubled. So fox/foxes, light/lights/lighting, run/running,
  dance/danced/dancing, puppy/puppies match each other. Single-word terms that are English
  stop words ("a", "in", "the", ...) or a single character are not looked for, nor a term
  whose stems repeat an earlier term's.
* Filters: one line per given filter field (per tag and per LoRA for the list fields, one
  per width/height range), with the asset's own value and whether it holds, evaluated with
  the same semantics as the SQL in `filters.py` (substring / exact, case-insensitive,
  tags exact, path glob case-sensitive with `*` spanning `/`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from latentdam.embed.base import TextEmbedder
from latentdam.extract.record import GenerationRecord
from latentdam.extract.text import clean_prompt, keyword_text
from latentdam.search.query import Filters, SearchQuery
from latentdam.search.result import SearchHit
from latentdam.search.signal import Signal
from latentdam.store.asset import Asset

TOP_PHRASES = 3
MIN_PHRASE_CHARS = 3

_PHRASE_SPLIT = re.compile(r"[,;\n]|\.(?:\s|$)")
_ALNUM = re.compile(r"[^\W_]")
_TOKEN = re.compile(r"[^\W_]+")
_VOWELS = frozenset("aeiou")
_STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "its",
        "of",
        "on",
        "onto",
        "or",
        "the",
        "this",
        "that",
        "to",
        "with",
        "without",
    ]
)


# -- the explanation ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SignalReason:
    signal: Signal
    rank: int  # 1-based rank within that signal's own list
    score: float  # the signal's raw score (cosine, BM25, ...)
    reason: str  # one line, e.g. "semantic #2: prompt meaning close to the query (cosine 0.52)"
    space: str | None = None  # the embedding space that answered, when known

    def to_dict(self) -> dict[str, Any]:
        return {
            "signal": str(self.signal),
            "rank": self.rank,
            "score": self.score,
            "space": self.space,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class PhraseMatch:
    phrase: str
    similarity: float  # cosine between the phrase and the searched text

    def to_dict(self) -> dict[str, Any]:
        return {"phrase": self.phrase, "similarity": self.similarity}


@dataclass(frozen=True, slots=True)
class FilterMatch:
    filter: str  # e.g. "model contains 'sdxl'"
    value: str | None  # the asset's value for it, e.g. "sd_xl_base_1.0.safetensors"; None: none
    holds: bool = True  # False only when the asset no longer satisfies it (e.g. edited since)

    def to_dict(self) -> dict[str, Any]:
        return {"filter": self.filter, "value": self.value, "holds": self.holds}


@dataclass(slots=True)
class Explanation:
    signals: list[SignalReason] = field(default_factory=list)  # best rank first
    phrases: list[PhraseMatch] = field(default_factory=list)  # best first, at most TOP_PHRASES
    # query terms, then expansion terms, found in the keyword text (no two with the same stems)
    keywords: list[str] = field(default_factory=list)
    filters: list[FilterMatch] = field(default_factory=list)

    def summary(self) -> str:
        """A few human-readable lines: signals, closest phrases, keywords, filters."""
        lines = [s.reason for s in self.signals]
        lines += [f'phrase "{p.phrase}" ({p.similarity:.2f})' for p in self.phrases]
        if self.keywords:
            lines.append("keywords: " + ", ".join(self.keywords))
        for f in self.filters:
            value = "(none)" if f.value is None else f.value
            lines.append(f"filter {f.filter}: {value}" + ("" if f.holds else " [does not hold]"))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "signals": [s.to_dict() for s in self.signals],
            "phrases": [p.to_dict() for p in self.phrases],
            "keywords": list(self.keywords),
            "filters": [f.to_dict() for f in self.filters],
        }

    def __str__(self) -> str:
        return self.summary()


# -- entry points -----------------------------------------------------------------------------


def explain(
    hit: SearchHit,
    query: SearchQuery,
    *,
    text: str | None,
    embedder: TextEmbedder | None,
    extra_terms: Sequence[str] = (),
    space_names: Mapping[Signal, str] | None = None,
) -> Explanation:
    """Explain one hit. `text` is what the text signals searched for (the query text, or the
    prompt read from the query image); `embedder` is the semantic space's text embedder
    (None: no phrase matching); `extra_terms` are further keyword terms (the library words
    the `expansion` signal searched for); `space_names` names the space behind each vector
    signal, for the reasons."""
    return explain_all(
        [hit], query, text=text, embedder=embedder, extra_terms=extra_terms, space_names=space_names
    )[0]


def explain_all(
    hits: Sequence[SearchHit],
    query: SearchQuery,
    *,
    text: str | None,
    embedder: TextEmbedder | None,
    extra_terms: Sequence[str] = (),
    space_names: Mapping[Signal, str] | None = None,
) -> list[Explanation]:
    """Explain every hit of a result list: the searched text is embedded once and all hits'
    phrases in a single `embed_documents` call."""
    own_terms = query_terms(text)
    expansion_terms = query_terms(None, extra_terms)
    phrase_lists = [record_phrases(hit.record.record) for hit in hits]
    matches = _phrase_matches(phrase_lists, text, embedder)
    explanations = []
    for hit, phrases in zip(hits, matches, strict=True):
        document = keyword_text(hit.record.record, hit.record.path)
        own = matching_terms(own_terms, document)
        expanded = matching_terms(expansion_terms, document)
        own_stems = {tuple(_stems(t)) for t in own}
        keywords = own + [t for t in expanded if tuple(_stems(t)) not in own_stems]
        explanations.append(
            Explanation(
                signals=signal_reasons(hit, query, own, space_names or {}, expanded=expanded),
                phrases=phrases,
                keywords=keywords,
                filters=filter_matches(query.filters, hit.record),
            )
        )
    return explanations


# -- phrases ----------------------------------------------------------------------------------


def split_phrases(text: str) -> list[str]:
    """The phrases of a prompt-like text, in order, without short ones and repeats."""
    seen: set[str] = set()
    phrases: list[str] = []
    for part in _PHRASE_SPLIT.split(text):
        phrase = part.strip(" \t.")
        key = phrase.casefold()
        if len(_ALNUM.findall(phrase)) < MIN_PHRASE_CHARS or key in seen:
            continue
        seen.add(key)
        phrases.append(phrase)
    return phrases


def record_phrases(record: GenerationRecord) -> list[str]:
    """The cleaned prompt's phrases; without any, the title's and description's."""
    phrases = split_phrases(clean_prompt(record.prompt))
    if phrases:
        return phrases
    return split_phrases("\n".join(p for p in (record.title, record.description) if p))


def _phrase_matches(
    phrase_lists: Sequence[list[str]], text: str | None, embedder: TextEmbedder | None
) -> list[list[PhraseMatch]]:
    unique = list(dict.fromkeys(p for phrases in phrase_lists for p in phrases))
    if embedder is None or not text or not unique:
        return [[] for _ in phrase_lists]
    query_vector = np.asarray(embedder.embed_query(text), dtype=np.float64)
    vectors = np.asarray(embedder.embed_documents(unique), dtype=np.float64)
    similarity = dict(zip(unique, (float(s) for s in vectors @ query_vector), strict=True))
    out = []
    for phrases in phrase_lists:
        ranked = sorted(phrases, key=lambda p: -similarity[p])  # stable: prompt order on ties
        out.append([PhraseMatch(p, similarity[p]) for p in ranked[:TOP_PHRASES]])
    return out


# -- keywords ---------------------------------------------------------------------------------


def stem(word: str) -> str:
    """The light stem described in the module docstring."""
    w = word.lower()
    if len(w) > 4 and w.endswith("ies"):
        w = w[:-3] + "i"
    elif len(w) > 3 and w.endswith("es") and w[:-2].endswith(("s", "x", "z", "ch", "sh")):
        w = w[:-2]
    elif len(w) > 3 and w.endswith("s") and not w.endswith(("ss", "us", "is")):
        w = w[:-1]
    if len(w) > 5 and w.endswith("ing"):
        w = w[:-3]
    elif len(w) > 4 and w.endswith("ed"):
        w = w[:-2]
    if len(w) > 3 and w.endswith("e"):
        w = w[:-1]
    elif len(w) > 2 and w.endswith("y"):
        w = w[:-1] + "i"
    if len(w) > 2 and w[-1] == w[-2] and w[-1].isalpha() and w[-1] not in _VOWELS:
        w = w[:-1]
    return w


def _stems(text: str) -> list[str]:
    return [stem(t) for t in _TOKEN.findall(text)]


def query_terms(text: str | None, extra_terms: Sequence[str] = ()) -> list[str]:
    """The terms to look for: each word of `text`, then each extra term (kept whole, so a
    multi-word expansion must occur as a phrase), lower-cased; without single-word stop words
    or single characters, and without a term whose stems repeat an earlier one's ("foxes"
    after "fox")."""
    candidates = (text or "").split() + list(extra_terms)
    terms: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for raw in candidates:
        term = raw.strip().strip("\"'`.,;:!?()[]{}<>").lower()
        tokens = _TOKEN.findall(term)
        if len(tokens) == 1 and (tokens[0] in _STOP_WORDS or len(tokens[0]) < 2):
            continue
        stems = tuple(stem(t) for t in tokens)
        if not stems or stems in seen:
            continue
        seen.add(stems)
        terms.append(term)
    return terms


def matching_terms(terms: Sequence[str], document: str) -> list[str]:
    """The terms whose tokens occur consecutively in `document`, comparing stems."""
    words = _stems(document)
    found = []
    for term in terms:
        needle = _stems(term)
        n = len(needle)
        if n and any(words[i : i + n] == needle for i in range(len(words) - n + 1)):
            found.append(term)
    return found


# -- signals ----------------------------------------------------------------------------------


def _short(asset_id: str) -> str:
    return f"asset {asset_id[:12]}"


def _target(query: SearchQuery) -> str:
    """What the vector signals compared the asset with."""
    if query.similar_to is not None:
        return _short(query.similar_to)
    if query.text is not None and query.image is not None:
        return "the query text and image"
    if query.image is not None:
        return "the query image"
    return "the query"


def _signal_reason(
    signal: Signal,
    rank: int,
    score: float,
    query: SearchQuery,
    keywords: Sequence[str],
    expanded: Sequence[str],
    space: str | None,
) -> str:
    head = f"{signal} #{rank}: "
    where = f" in {space}" if space else ""
    if signal is Signal.SEMANTIC:
        if query.similar_to is not None:
            subject = f"{_short(query.similar_to)}'s"
        elif query.text is None and query.image is not None:
            subject = "the query image's prompt"
        else:
            subject = "the query"
        return head + f"prompt meaning close to {subject}{where} (cosine {score:.2f})"
    if signal is Signal.KEYWORD:
        words = ", ".join(f"'{k}'" for k in keywords) if keywords else "the query words"
        return head + f"BM25 {score:.3g} on {words}"
    if signal is Signal.EXPANSION:
        words = ", ".join(f"'{k}'" for k in expanded) if expanded else "the query's related words"
        return head + f"BM25 {score:.3g} on related library words {words}"
    if signal is Signal.IMAGE:
        return head + f"picture close to {_target(query)}{where} (cosine {score:.2f})"
    if signal is Signal.VISUAL:
        example = "the example image" if query.image is not None else _target(query)
        return head + f"looks like {example}{where} ({score:.2f})"
    if signal is Signal.FILTER:
        return head + "matches every filter (no search text or image)"
    return head + f"score {score:.3g}"


def signal_reasons(
    hit: SearchHit,
    query: SearchQuery,
    keywords: Sequence[str],
    space_names: Mapping[Signal, str],
    *,
    expanded: Sequence[str] = (),
) -> list[SignalReason]:
    """One reason per signal that ranked the hit, best rank first (ties in `Signal` order).
    `keywords` are the query's own terms found in the asset (named by the keyword signal),
    `expanded` the expansion terms found in it (named by the expansion signal)."""
    order = {s: i for i, s in enumerate(Signal)}
    ranked = sorted(hit.signals.items(), key=lambda item: (item[1].rank, order.get(item[0], len(order))))
    return [
        SignalReason(
            signal=signal,
            rank=pos.rank,
            score=pos.score,
            reason=_signal_reason(
                signal, pos.rank, pos.score, query, keywords, expanded, space_names.get(signal)
            ),
            space=space_names.get(signal),
        )
        for signal, pos in ranked
    ]


# -- filters ----------------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _glob_match(pattern: str, path: str) -> bool:
    """The SQL LIKE that `glob_to_like` builds: `*`/`**` any run (slashes too), `?` one char."""
    regex = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.fullmatch(regex, path, flags=re.DOTALL) is not None


def _range(name: str, low: int | None, high: int | None, value: int) -> FilterMatch | None:
    if low is None and high is None:
        return None
    if low is not None and high is not None:
        label = f"{name} between {low} and {high}"
    elif low is not None:
        label = f"{name} >= {low}"
    else:
        label = f"{name} <= {high}"
    holds = (low is None or value >= low) and (high is None or value <= high)
    return FilterMatch(label, str(value), holds)


def filter_matches(filters: Filters, asset: Asset) -> list[FilterMatch]:
    """Each given filter with the asset's value for it, in `Filters` field order."""
    rec = asset.record
    out: list[FilterMatch] = []
    if filters.tool is not None:
        out.append(
            FilterMatch(f"tool is '{filters.tool}'", str(rec.tool), str(rec.tool) == str(filters.tool))
        )
    if filters.model:
        holds = rec.model is not None and filters.model.lower() in rec.model.lower()
        out.append(FilterMatch(f"model contains '{filters.model}'", rec.model, holds))
    names = [lora.name for lora in rec.loras]
    for needle in filters.lora:
        hit = next((n for n in names if needle.lower() in n.lower()), None)
        value = hit if hit is not None else (", ".join(names) or None)
        out.append(FilterMatch(f"LoRA contains '{needle}'", value, hit is not None))
    if filters.sampler:
        holds = rec.sampler is not None and rec.sampler.lower() == filters.sampler.lower()
        out.append(FilterMatch(f"sampler is '{filters.sampler}'", rec.sampler, holds))
    if filters.seed is not None:
        value = None if rec.seed is None else str(rec.seed)
        out.append(FilterMatch(f"seed is {filters.seed}", value, rec.seed == filters.seed))
    created = _utc(asset.created_at) if asset.created_at is not None else None
    created_value = created.isoformat() if created is not None else None
    if filters.created_after is not None:
        after = _utc(filters.created_after)
        holds = created is not None and created >= after
        out.append(FilterMatch(f"created at or after {after.isoformat()}", created_value, holds))
    if filters.created_before is not None:
        before = _utc(filters.created_before)
        holds = created is not None and created <= before
        out.append(FilterMatch(f"created at or before {before.isoformat()}", created_value, holds))
    for match in (
        _range("width", filters.min_width, filters.max_width, asset.width),
        _range("height", filters.min_height, filters.max_height, asset.height),
    ):
        if match is not None:
            out.append(match)
    for tag in filters.tags:
        present = tag in rec.tags
        out.append(FilterMatch(f"tag '{tag}'", tag if present else (", ".join(rec.tags) or None), present))
    if filters.path:
        out.append(
            FilterMatch(f"path matches '{filters.path}'", asset.path, _glob_match(filters.path, asset.path))
        )
    return out
