"""Why did a hit appear: which signals ranked it (and how high), which phrases of its prompt
are closest to what was searched for, which query words the full-text index matches in its
keyword text, and the value of the asset that satisfied each filter.

Everything here works on a finished `SearchHit` and the `SearchQuery` that produced it; the
only model call is the optional phrase matching, done in one batch for a whole result list
by `explain_all`, and the only index call the optional `matcher`, once per result list.

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
  phrase. Whether a term matches an asset is the full-text index's call: given a `matcher`
  (`LibraryStore.keyword_matches`), each term is one phrase query on the index restricted
  to the result list, so a term matches exactly when the index finds its words,
  consecutively, in the asset's keyword text. The index analyses words with its own
  tokenizer (`FTS` defaults: split on whitespace and punctuation, `_` included; lower-cased;
  accents folded; English stop words and tokens over 40 characters dropped, each leaving a
  one-word gap; Snowball stemmed), so fox/foxes, run/runs/running,
  light/lighting, happy/happiness, cafe/café match each other, news/new and bus/buses do
  not, and "fox in snow" matches "fox the snow" but not "fox snow". Without a matcher the
  same tokenizer (`lancedb.tokenize`, same settings) is run here on each hit's
  `keyword_text` and the phrase matched by token positions, the way the index does.
  A term the tokenizer leaves nothing of (only stop words: "a", "in", "the", "not", ...)
  is not looked for, nor one with the same tokens as an earlier term ("foxes" after
  "fox"). The `keyword` reason names the query's own terms found, the `expansion` reason
  the extra terms found; `Explanation.keywords` lists both (an extra term with the same
  tokens as a query term found already is not repeated).
* Filters: one line per given filter field (per tag and per LoRA for the list fields, one
  per width/height range), with the asset's own value and whether it holds, evaluated with
  the same semantics as the SQL in `filters.py` (substring / exact, case-insensitive,
  tags exact, path glob case-sensitive with `*` spanning `/`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from pathlib import PurePath

import numpy as np

from latentdam.embed.base import TextEmbedder
from latentdam.extract.record import GenerationRecord
from latentdam.extract.text import clean_prompt, keyword_text
from latentdam.search.explanation import (
    Explanation,
    FilterMatch,
    LiteralMatch,
    PhraseMatch,
    SignalReason,
)
from latentdam.search.filters import clauses
from latentdam.search.literal import Needle, NeedleKind
from latentdam.search.query import Filters, SearchQuery
from latentdam.search.result import SearchHit
from latentdam.search.signal import Signal
from latentdam.store.asset import Asset
from latentdam.store.store import index_tokens

TOP_PHRASES = 3
MIN_PHRASE_CHARS = 3

_PHRASE_SPLIT = re.compile(r"[,;\n]|\.(?:\s|$)")
_ALNUM = re.compile(r"[^\W_]")

# (terms, asset ids) -> asset id -> the terms it matches, in term order (assets matching none
# may be left out): `LibraryStore.keyword_matches`, or `text_matcher` over given texts.
Matcher = Callable[[Sequence[str], Sequence[str]], dict[str, list[str]]]


# -- entry points -----------------------------------------------------------------------------


def explain(
    hit: SearchHit,
    query: SearchQuery,
    *,
    text: str | None,
    embedder: TextEmbedder | None,
    extra_terms: Sequence[str] = (),
    space_names: Mapping[Signal, str] | None = None,
    matcher: Matcher | None = None,
) -> Explanation:
    """Explain one hit. `text` is what the text signals searched for (the query text, or the
    prompt read from the query image); `embedder` is the semantic space's text embedder
    (None: no phrase matching); `extra_terms` are further keyword terms (the library words
    the `expansion` signal searched for); `space_names` names the space behind each vector
    signal, for the reasons; `matcher` decides the keyword matches (see `explain_all`)."""
    return explain_all(
        [hit],
        query,
        text=text,
        embedder=embedder,
        extra_terms=extra_terms,
        space_names=space_names,
        matcher=matcher,
    )[0]


def explain_all(
    hits: Sequence[SearchHit],
    query: SearchQuery,
    *,
    text: str | None,
    embedder: TextEmbedder | None,
    extra_terms: Sequence[str] = (),
    space_names: Mapping[Signal, str] | None = None,
    matcher: Matcher | None = None,
    needles: Sequence[Needle] = (),
) -> list[Explanation]:
    """Explain every hit of a result list: the searched text is embedded once and all hits'
    phrases in a single `embed_documents` call. `matcher` decides which terms each hit
    matches (`LibraryStore.keyword_matches`: the full-text index itself), asked once for the
    whole list; None: the index's tokenizer run here on each hit's keyword text. `needles`
    are what the query names literally (search/literal.py): each hit says where it carries them."""
    own_terms = query_terms(text)
    expansion_terms = query_terms(None, extra_terms)
    phrase_lists = [record_phrases(hit.asset.record) for hit in hits]
    matches = _phrase_matches(phrase_lists, text, embedder)
    if matcher is None:
        matcher = text_matcher({hit.id: keyword_text(hit.asset.record, hit.asset.path) for hit in hits})
    terms = list(dict.fromkeys([*own_terms, *expansion_terms]))
    found = matcher(terms, [hit.id for hit in hits]) if terms and hits else {}
    explanations = []
    for hit, phrases in zip(hits, matches, strict=True):
        matched = set(found.get(hit.id, ()))
        own = [t for t in own_terms if t in matched]
        expanded = [t for t in expansion_terms if t in matched]
        own_shapes = {_shape(t) for t in own}
        keywords = own + [t for t in expanded if _shape(t) not in own_shapes]
        explanations.append(
            Explanation(
                signals=signal_reasons(hit, query, own, space_names or {}, expanded=expanded),
                literal=literal_fields(needles, hit.asset),
                phrases=phrases,
                keywords=keywords,
                filters=filter_matches(query.filters, hit.asset),
            )
        )
    return explanations


# -- literal matches --------------------------------------------------------------------------


def literal_fields(needles: Sequence[Needle], asset: Asset) -> list[LiteralMatch]:
    """Where the asset carries each needle, first field that holds it (as the index tokenises)."""
    rec = asset.record
    fields = [
        ("checkpoint", rec.model or ""),
        ("LoRA", " ".join(lora.name for lora in rec.loras)),
        ("ControlNet", " ".join(rec.controlnets)),
        ("file name", PurePath(asset.path).name),
        ("prompt", rec.prompt),
        ("description", " ".join(p for p in (rec.title, rec.description) if p)),
    ]
    out: list[LiteralMatch] = []
    for needle in needles:
        if needle.kind is NeedleKind.SEED:
            if rec.seed is not None and str(rec.seed) == needle.text:
                out.append(LiteralMatch(needle.text, "seed"))
            continue
        where = next((name for name, text in fields if text and matching_terms([needle.text], text)), None)
        if where is not None:
            out.append(LiteralMatch(needle.text, where))
    return out


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


def _shape(term: str) -> tuple[tuple[str, int], ...]:
    """A term as a phrase query sees it: its tokens with positions relative to the first."""
    tokens = index_tokens(term)
    if not tokens:
        return ()
    first = tokens[0][1]
    return tuple((token, position - first) for token, position in tokens)


def query_terms(text: str | None, extra_terms: Sequence[str] = ()) -> list[str]:
    """The terms to look for: each word of `text`, then each extra term (kept whole, so a
    multi-word expansion must occur as a phrase), lower-cased; without a term the index's
    tokenizer leaves nothing of (stop words only) and without one with the same tokens as an
    earlier one ("foxes" after "fox")."""
    candidates = (text or "").split() + list(extra_terms)
    terms: list[str] = []
    seen: set[tuple[tuple[str, int], ...]] = set()
    for raw in candidates:
        term = raw.strip().strip("\"'`.,;:!?()[]{}<>").lower()
        shape = _shape(term)
        if not shape or shape in seen:
            continue
        seen.add(shape)
        terms.append(term)
    return terms


def matching_terms(terms: Sequence[str], document: str) -> list[str]:
    """The terms the index's phrase query would find in `document`: their tokens at the
    same relative positions among the document's tokens."""
    positions: dict[str, set[int]] = {}
    for token, position in index_tokens(document):
        positions.setdefault(token, set()).add(position)
    found = []
    for term in terms:
        shape = _shape(term)
        if shape and any(
            all(start + offset in positions.get(token, ()) for token, offset in shape)
            for start in positions.get(shape[0][0], ())
        ):
            found.append(term)
    return found


def text_matcher(documents: Mapping[str, str]) -> Matcher:
    """A `Matcher` over given keyword texts (asset id -> text), tokenised as the index does:
    what `explain_all` uses when it has no index to ask."""

    def match(terms: Sequence[str], ids: Sequence[str]) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for asset_id in dict.fromkeys(ids):
            found = matching_terms(terms, documents[asset_id]) if asset_id in documents else []
            if found:
                out[asset_id] = found
        return out

    return match


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
    if signal is Signal.LITERAL:
        return head + f"carries {score:.0%} of what the query names literally"
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


def filter_matches(filters: Filters, asset: Asset) -> list[FilterMatch]:
    """Each given filter with the asset's value for it, in `Filters` field order: the clauses
    that also build the search's SQL (filters.py)."""
    return [FilterMatch(c.label, c.value(asset), c.holds(asset)) for c in clauses(filters)]
