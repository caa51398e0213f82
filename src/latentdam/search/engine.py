"""Run a `SearchQuery`: plan → retrieve (one ranked list per signal) → score (P(relevant)
from the library's relevance model) → cut → hydrate.

One relevance model decides the order, the cut and the confidence shown, so the three always
agree (search/relevance.py). Rank fusion (RRF) only breaks ties and orders results where
nothing judges relevance (filters alone, `similar`).
"""

from __future__ import annotations

import copy
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from latentdam.embed.base import ImageEmbedder, TextEmbedder
from latentdam.embed.pool import EmbedderPool
from latentdam.embed.space import Modality, Space
from latentdam.errors import QueryError
from latentdam.extract.text import semantic_text, without_attribution
from latentdam.search import availability
from latentdam.search.calibration import DEFAULT_CUT, band
from latentdam.search.expansion import Vocabulary
from latentdam.search.explain import explain_all
from latentdam.search.facets import FACET_COLUMNS, Facets, count_facets
from latentdam.search.filters import describe, to_sql
from latentdam.search.fusion import Fusion, Ranking
from latentdam.search.literal import Needle, NeedleKind, find_needles
from latentdam.search.plan import Cursor, Page, QueryInput, QueryPlan
from latentdam.search.query import SearchQuery, Sort
from latentdam.search.relevance import evidence, literal_confidence
from latentdam.search.result import SearchHit, SearchResult, SignalScore, Status
from latentdam.search.retrievers import (
    ExpansionRetriever,
    KeywordRetriever,
    LiteralRetriever,
    Retriever,
    VectorRetriever,
)
from latentdam.search.signal import Signal, signal_of
from latentdam.search.snapshot import Snapshot
from latentdam.store.asset import from_row
from latentdam.store.store import RESULT_COLUMNS, LibraryStore, quote
from latentdam.vocabulary import TOOL_KINDS, Glossary

__all__ = ["DEFAULT_CUT", "SHOW_FLOOR", "QueryInput", "SearchEngine", "looks_literal"]

# How deep each signal looks before fusion: deep enough that an asset ranked modestly by
# one signal and well by another still meets itself in the union.
MIN_CANDIDATES = 100
CANDIDATES_PER_RESULT = 5
# Once a query answers, results down to this probability are shown (band "weak"): the user
# asked for this concept and the order already says which are best (BENCHMARKS.md: hiding
# them cost nDCG@10 without keeping any out-of-library query from answering).
SHOW_FLOOR = 0.2
# "but not X": q - β·x. 0.5 moves the query away from X without turning it into "anti-X".
NEGATIVE_WEIGHT = 0.5
QUERY_CACHE_SIZE = 256  # query vectors remembered (a few hundred KiB)
_READABLE = re.compile(r"[^\W\d_]{2,}")  # words the text model may know
_LITERAL = re.compile(r'"|\b\w+[_.]\w+\b|\b(?=\w*\d)(?=\w*[a-z])\w+\b', re.IGNORECASE)


def looks_literal(text: str) -> bool:
    """Quoted phrases, file-name-like tokens (dreamshaper_8, v1.5), letter-digit mixes (sd15), or
    an artist credit ("by Moebius": names are matched by keyword, see without_attribution)."""
    return bool(_LITERAL.search(text)) or without_attribution(text) != text


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


@dataclass(frozen=True, slots=True)
class _Scored:
    id: str
    confidence: float | None  # P(relevant); None where nothing judges it
    fused: float  # the rank-fusion score: ties and unjudged orders


class SearchEngine:
    def __init__(
        self,
        store: LibraryStore,
        embedders: EmbedderPool,
        fusion: Fusion,
        weights: Mapping[Signal, float],
        vocabulary: Callable[[Space], Vocabulary | None],
        snapshot: Callable[[], Snapshot],
    ) -> None:
        self.store = store
        self.embedders = embedders
        self.fusion = fusion
        self.weights = weights
        self.vocabulary = vocabulary  # the library's terms embedded in a text space, if built
        self.snapshot = snapshot  # the manifest as of now (cached per manifest version)
        self._query_vectors: OrderedDict[tuple[Space, str], np.ndarray] = OrderedDict()  # an LRU
        self._lock = threading.Lock()  # the server's threads share one engine

    def at(
        self,
        store: LibraryStore,
        snapshot: Callable[[], Snapshot],
        vocabulary: Callable[[Space], Vocabulary | None],
    ) -> SearchEngine:
        """This engine over a pinned view of the library (a paged search), sharing its caches."""
        pinned = copy.copy(self)
        pinned.store, pinned.snapshot, pinned.vocabulary = store, snapshot, vocabulary
        return pinned

    # -- query vectors ------------------------------------------------------------------

    def _embed_query(self, space: Space, embedder: TextEmbedder, text: str) -> np.ndarray:
        """Query vectors are reused across signals and repeated searches (an LRU of
        QUERY_CACHE_SIZE, keyed by the space's full definition: a space re-made with another
        model is another key)."""
        key = (space, text)
        with self._lock:
            cached = self._query_vectors.get(key)
            if cached is not None:
                self._query_vectors.move_to_end(key)  # least recently used goes first
                return cached
        vector = embedder.embed_query(text)  # outside the lock: threads embed in parallel
        with self._lock:
            self._query_vectors[key] = vector
            while len(self._query_vectors) > QUERY_CACHE_SIZE:
                self._query_vectors.popitem(last=False)
        return vector

    def _query_vector(self, space: Space, given: QueryInput) -> np.ndarray | None:
        """The query's vector in one space, or None when the space cannot see this query."""
        embedder = self.embedders.get(space)
        joint = space.embeds(Modality.IMAGE) and space.embeds(Modality.TEXT)
        text_ok = (
            given.text is not None
            and space.embeds(Modality.TEXT)
            and isinstance(embedder, TextEmbedder)
            and not (joint and given.text_from_image and given.image is not None)
        )
        image_ok = (
            given.image is not None and space.embeds(Modality.IMAGE) and isinstance(embedder, ImageEmbedder)
        )
        parts: list[tuple[float, np.ndarray]] = []
        if text_ok:
            assert isinstance(embedder, TextEmbedder) and given.text is not None
            text_vector = self._embed_query(space, embedder, given.text)
            if given.image_prompt and not joint:
                # no pixels here: the image joins through the prompt it carries, at its weight
                prompt_vector = self._embed_query(space, embedder, semantic_text(given.image_prompt))
                text_vector = _unit(
                    (1.0 - given.image_weight) * text_vector + given.image_weight * prompt_vector
                )
            parts.append((1.0 - given.image_weight if image_ok else 1.0, text_vector))
        if image_ok:
            assert isinstance(embedder, ImageEmbedder) and given.image is not None
            weight = given.image_weight if text_ok else 1.0
            parts.append((weight, embedder.embed_images([given.image])[0]))
        if not parts:
            return None
        vector = _unit(np.sum([w * v for w, v in parts], axis=0))  # weighted vector arithmetic in one space
        if given.negative and isinstance(embedder, TextEmbedder) and space.embeds(Modality.TEXT):
            vector = _unit(vector - NEGATIVE_WEIGHT * self._embed_query(space, embedder, given.negative))
        return vector

    # -- plan -----------------------------------------------------------------------------

    def plan(
        self, query: SearchQuery, given: QueryInput, snap: Snapshot, page: Page | None = None
    ) -> QueryPlan:
        """Everything decided about the query before retrieval, once."""
        page = page or Page(0, query.limit)
        wanted = frozenset(query.signals or set(Signal))
        asked: list[str] = []
        if query.signals:  # only a query that names its signals can ask for one that cannot run
            reasons = {s: why for s in Signal if (why := availability.why_not_search(s, given, snap.active))}
            asked = availability.check(query.signals, reasons, Signal)
        embedded = self._as_embedded(given)
        readers = self._text_readers(snap)
        plan = QueryPlan(
            query=query,
            given=given,
            embedded=embedded,
            where=to_sql(query.filters),
            depth=max(MIN_CANDIDATES, page.end * CANDIDATES_PER_RESULT),
            page=page,
            wanted=wanted,
            notes=(*asked, *self._notes(given, snap)),
        )
        if not given.text:
            return plan
        needles: tuple[Needle, ...] = ()
        readable = True
        if not given.text_from_image:
            reader = readers[0][1] if readers else None
            needles = tuple(
                find_needles(given.text, lambda w: reader is not None and not reader.knows_word(w))
            )
            if reader is not None:
                readable = any(reader.knows_word(w) for w in _READABLE.findall(given.text.lower()))
        keyword_asked = query.signals is not None and Signal.KEYWORD in query.signals
        # a prompt read from a query image is in the library's own register: its words count
        keyword = (
            given.text_from_image
            or keyword_asked
            or not readers
            or self._reads_literally(given.text, needles)
        )
        terms: list[str] = []
        similarity = 0.0
        if Signal.EXPANSION in wanted:
            terms, similarity = self._expansion(given.text, snap)
        return replace(
            plan,
            needles=needles,
            keyword=keyword,
            terms=tuple(terms),
            term_similarity=similarity,
            readable=readable,
        )

    def _reads_literally(self, text: str, needles: Sequence[Needle]) -> bool:
        """Whether a query's own words are worth matching literally: it looks literal (quotes,
        file names, credits), or names a word the library has that the text model cannot read
        ("rutkowski" is four meaningless pieces to MiniLM). Descriptive wording is left to
        the semantic and expansion signals."""
        if looks_literal(text) or any(n.kind is not NeedleKind.WORD for n in needles):
            return True
        return any(self.store.keyword_search(n.text, None, 1) for n in needles if n.kind is NeedleKind.WORD)

    def _notes(self, given: QueryInput, snap: Snapshot) -> list[str]:
        joint = any(s.embeds(Modality.IMAGE) and s.embeds(Modality.TEXT) for s in snap.active)
        if given.image is None or given.text_from_image or given.text is None or joint:
            return []
        how = (
            "the image joins through the prompt it carries, at that weight"
            if given.image_prompt
            else "the image carries no prompt, so only the look of its pixels joins the text"
        )
        return [
            "no active space embeds both text and images, so --image-weight does not mix pixels"
            f" into the text: {how} (add such a space: latentdam reembed --model"
            " openai/clip-vit-base-patch32)"
        ]

    @staticmethod
    def _as_embedded(given: QueryInput) -> QueryInput:
        """The query text as ingest embeds assets' text (extract/text.py): without artist
        credits (the literal signal matches those), and jargon ("ControlNet depth") also by
        its plain meaning (vocabulary/glossary.toml)."""
        if not given.text:
            return given
        given = replace(given, text=semantic_text(given.text))
        if given.text_from_image:
            return given
        assert given.text is not None
        named = Glossary.load().expand_query(given.text).named
        # the kinds whose meanings ingest writes into embedded text, so both sides match
        meanings = [entry.meaning for entry in named if entry.kind in TOOL_KINDS]
        if not meanings:
            return given
        return replace(given, text=". ".join([given.text, *meanings]))

    def _expansion(self, text: str, snap: Snapshot) -> tuple[list[str], float]:
        """Library words nearest the text in the active semantic space (see expansion.py),
        then the jargon whose plain meaning the text paraphrases (the glossary); and how near
        the nearest is (a glossary paraphrase counts as an exact one)."""
        expanded: list[tuple[str, float]] = []
        semantic = self._semantic(snap)
        if semantic is not None:
            space, embedder = semantic
            vocabulary = self.vocabulary(space)
            if vocabulary is not None:
                expanded = vocabulary.expand(self._embed_query(space, embedder, semantic_text(text)))
        jargon = Glossary.load().expand_query(text).terms
        terms = list(dict.fromkeys([*(t for t, _ in expanded), *jargon]))
        similarity = 1.0 if jargon else max((s for _, s in expanded), default=0.0)
        return terms, similarity

    def expansion_terms(self, text: str) -> list[str]:
        return self._expansion(text, self.snapshot())[0]

    def reads_literally(self, text: str) -> bool:
        snap = self.snapshot()
        readers = self._text_readers(snap)
        if not readers:
            return True  # no space reads text: its words are all there is
        reader = readers[0][1]
        return self._reads_literally(text, find_needles(text, lambda w: not reader.knows_word(w)))

    # -- spaces -----------------------------------------------------------------------------

    def _semantic(self, snap: Snapshot) -> tuple[Space, TextEmbedder] | None:
        """The active text-only space and its embedder, if there is one."""
        readers = self._text_readers(snap)
        return readers[0] if readers and signal_of(readers[0][0]) is Signal.SEMANTIC else None

    def _text_readers(self, snap: Snapshot) -> list[tuple[Space, TextEmbedder]]:
        """The active spaces that embed text, the semantic one first, then joint ones."""
        readers = []
        for space in sorted(snap.active, key=lambda s: signal_of(s) is not Signal.SEMANTIC):
            embedder = self.embedders.get(space)
            if space.embeds(Modality.TEXT) and isinstance(embedder, TextEmbedder):
                readers.append((space, embedder))
        return readers

    def _retrievers(self, snap: Snapshot) -> list[Retriever]:
        vectors: list[Retriever] = [VectorRetriever(s, self.store, self._query_vector) for s in snap.active]
        return [
            *vectors,
            KeywordRetriever(self.store),
            ExpansionRetriever(self.store),
            LiteralRetriever(self.store),
        ]

    # -- run ------------------------------------------------------------------------------

    def run(
        self, query: SearchQuery, given: QueryInput, offset: int = 0, cursor: Cursor | None = None
    ) -> SearchResult:
        """One page of results: `offset` results in, `query.limit` of them; `cursor` makes
        the opaque cursor of the next page from its offset, when there is one."""
        snap = self.snapshot()
        if query.space is not None:
            snap = snap.answering_from(self.store.space(query.space))
        page = Page(offset, query.limit, cursor, snap.version)
        if query.similar_to is not None:
            return self._similar(query, snap, page)
        plan = self.plan(query, given, snap, page)
        if given.text is None and given.image is None:
            return self._filtered(plan, snap)
        rankings = self._retrieve(plan, snap)
        if not any(rankings.values()) and plan.where and self.store.count(plan.where) == 0:
            return self._no_candidates(plan, snap)
        scored = self._score(plan, rankings, snap)
        return self._result(plan, rankings, scored, snap)

    def _retrieve(self, plan: QueryPlan, snap: Snapshot) -> dict[Signal, Ranking]:
        """One ranked list per signal that runs for this plan."""
        found = {r.signal: r.retrieve(plan) for r in self._retrievers(snap)}
        return {signal: ranking for signal, ranking in found.items() if ranking is not None}

    def rankings(
        self, query: SearchQuery, given: QueryInput, terms: Sequence[str] | None = None
    ) -> dict[Signal, Ranking]:
        """The ranked lists a search would fuse (for benchmarks); `terms` replace the plan's
        expansion terms (bench/expansion_vocabulary.py tries other vocabularies)."""
        snap = self.snapshot()
        plan = self.plan(query, given, snap)
        if terms is not None:
            plan = replace(plan, terms=tuple(terms))
        return self._retrieve(plan, snap)

    def _fused(self, rankings: dict[Signal, Ranking], depth: int) -> list[tuple[str, float]]:
        return self.fusion.fuse(rankings, self.weights)[:depth]

    def _score(self, plan: QueryPlan, rankings: dict[Signal, Ranking], snap: Snapshot) -> list[_Scored]:
        """Every candidate with its P(relevant), most likely first (fused score breaks ties)."""
        fused = self._fused(rankings, plan.depth)
        ids = [asset_id for asset_id, _ in fused]
        confidences = self._confidences(plan, rankings, ids, snap)
        literal = rankings.get(Signal.LITERAL, [])
        for asset_id, share in literal:
            confidences[asset_id] = max(confidences.get(asset_id, 0.0), literal_confidence(share))
        if literal:
            # the query names something and these assets carry it: one that does not is at
            # most as likely what was meant as the weakest that does (so they come first)
            carried = {asset_id for asset_id, _ in literal}
            ceiling = min(confidences[asset_id] for asset_id in carried)
            for asset_id, confidence in confidences.items():
                if asset_id not in carried:
                    confidences[asset_id] = min(confidence, ceiling)
        scored = [_Scored(i, confidences.get(i), f) for i, f in fused]
        if not confidences:
            return scored
        shares = dict(literal)  # on equal confidence, what carries the named thing first
        return sorted(
            scored,
            key=lambda s: (
                -(s.confidence if s.confidence is not None else -1.0),
                -shares.get(s.id, 0.0),
                -s.fused,
            ),
        )

    def _confidences(
        self, plan: QueryPlan, rankings: dict[Signal, Ranking], ids: list[str], snap: Snapshot
    ) -> dict[str, float]:
        """P(relevant) per candidate. A text query is judged by the relevance model of the
        semantic space (its cosine and the expansion evidence); a search by example image
        alone in a calibrated image space; a text query in a library searched only through
        a joint text-image space by that space's text calibration."""
        given = plan.given
        if given.image is not None and (given.text is None or given.text_from_image):
            by_image = self._image_confidences(ids, given, snap)
            if by_image is not None:
                return by_image
        if not given.text or not ids:
            return {}
        if not plan.readable:
            return dict.fromkeys(ids, 0.0)  # cosines of word pieces mean nothing; literal evidence may
        semantic = self._semantic(snap)
        model = snap.relevance_model(semantic[0]) if semantic else None
        if semantic is not None and model is not None:
            space, _ = semantic
            vector = self._query_vector(space, plan.embedded)
            assert vector is not None
            # the semantic ranking holds the exact cosines of its own candidates (the same
            # query vector, re-ranked exactly past the ANN index): fetch only the others'
            known = dict(rankings.get(Signal.SEMANTIC, []))
            stored = self.store.vectors(space, [i for i in ids if i not in known])
            cosines = np.array(
                [known[i] if i in known else float(stored[i] @ vector) if i in stored else 0.0 for i in ids]
            )
            bm25 = dict(rankings.get(Signal.EXPANSION, []))
            rows = evidence(cosines, np.array([bm25.get(i, 0.0) for i in ids]), plan.term_similarity)
            return dict(zip(ids, (float(p) for p in model.probability(rows)), strict=True))
        for space, _ in self._text_readers(snap):
            calibration = snap.calibration(space, Modality.TEXT)
            vector = self._query_vector(space, replace(plan.embedded, image=None))
            if calibration is not None and vector is not None:
                stored = self.store.vectors(space, ids)
                return {i: calibration.confidence(float(v @ vector)) for i, v in stored.items()}
        return {}

    def _image_confidences(
        self, ids: list[str], given: QueryInput, snap: Snapshot
    ) -> dict[str, float] | None:
        """For a search by example image: its similarity to each candidate in the first
        calibrated image space (joint before visual), through that space's calibration."""
        spaces = sorted(
            (s for s in snap.active if s.embeds(Modality.IMAGE)),
            key=lambda s: signal_of(s) is not Signal.IMAGE,
        )
        for space in spaces:
            calibration = snap.calibration(space, Modality.IMAGE)
            embedder = self.embedders.get(space)
            if calibration is not None and isinstance(embedder, ImageEmbedder) and given.image is not None:
                query_vector = embedder.embed_images([given.image])[0]
                stored = self.store.vectors(space, ids)
                return {i: calibration.confidence(float(v @ query_vector)) for i, v in stored.items()}
        return None

    def _result(
        self, plan: QueryPlan, rankings: dict[Signal, Ranking], scored: list[_Scored], snap: Snapshot
    ) -> SearchResult:
        """Cut (a query-level decision), sort as asked, hydrate, explain."""
        query = plan.query
        cut = DEFAULT_CUT if query.min_confidence is None else query.min_confidence
        floor = SHOW_FLOOR if query.min_confidence is None else cut
        judged = [s.confidence for s in scored if s.confidence is not None]
        matched = not judged or max(judged) >= cut  # the query-level decision
        kept = [
            s
            for s in scored
            if query.include_all or (matched and (s.confidence is None or s.confidence >= floor))
        ]
        ordering = "most likely relevant first"
        if query.sort is Sort.DATE or query.sort is Sort.NAME:
            # the relevant set is what passes the cut; weaker results only pad a relevance order
            relevant = [s for s in kept if query.include_all or s.confidence is None or s.confidence >= cut]
            kept = self._sorted(relevant, query.sort)
            ordering = f"{'newest first' if query.sort is Sort.DATE else 'by file name'}, among the relevant"
        next_cursor = plan.page.next_cursor(len(kept))
        facets = self._facets([s.id for s in kept]) if query.facets else None
        kept = kept[plan.page.offset : plan.page.end]
        hits = self._hydrate(kept, rankings, floor if matched else cut)
        closest = self._hydrate(scored[:1], rankings, cut) if not hits and scored and not matched else []
        terms = list(plan.terms) if Signal.EXPANSION in rankings else []
        if query.explain and (hits or closest):
            self._explain(hits or closest, plan, snap, terms)
        return SearchResult(
            query=query,
            status=Status.OK if hits or (matched and plan.page.offset) else Status.NO_MATCH,
            results=hits,
            spaces=[s.name for s in snap.active if signal_of(s) in rankings],
            closest=closest[0] if closest else None,
            expanded_terms=terms,
            ordering=ordering,
            closest_why=self._why_short(closest[0], cut, plan, snap) if closest else None,
            notes=list(plan.notes),
            facets=facets,
            next_cursor=next_cursor,
        )

    def _why_short(self, hit: SearchHit, cut: float, plan: QueryPlan, snap: Snapshot) -> str | None:
        """Why the best candidate is not a match, in the evidence's terms."""
        if hit.confidence is None:
            return None
        if not plan.readable:
            return (
                "the text model knows none of the query's words, so only an asset that carries"
                " them literally would match, and none does"
            )
        semantic = self._semantic(snap)
        model = snap.relevance_model(semantic[0]) if semantic else None
        why = f"confidence {hit.confidence:.2f} is under the cut {cut:.2f}"
        cosine = hit.signals.get(Signal.SEMANTIC)
        if model is not None and cosine is not None:
            why += (
                f": its prompt is only loosely related in meaning (cosine {cosine.score:.2f}; about"
                f" {model.semantic_at(cut):.2f} is needed without other evidence)"
            )
        if Signal.EXPANSION not in hit.signals and Signal.LITERAL not in hit.signals:
            why += "; it holds none of the library words nearest the query, nor anything the query names"
        return why

    def _sorted(self, kept: list[_Scored], sort: Sort) -> list[_Scored]:
        """The kept candidates by date (newest first) or file name: within the relevant set."""
        rows = self.store.rows([s.id for s in kept], columns=["id", "created_at", "file_name"])
        if sort is Sort.NAME:
            return sorted(kept, key=lambda s: (rows.get(s.id, {}).get("file_name") or "").lower())
        dated = [s for s in kept if rows.get(s.id, {}).get("created_at") is not None]
        undated = [s for s in kept if rows.get(s.id, {}).get("created_at") is None]
        return sorted(dated, key=lambda s: rows[s.id]["created_at"], reverse=True) + undated

    def _filtered(self, plan: QueryPlan, snap: Snapshot) -> SearchResult:
        """Filters alone: no text to judge, so no confidence; newest first unless asked."""
        query = plan.query
        if plan.where and self.store.count(plan.where) == 0:
            return self._no_candidates(plan, snap)
        page = plan.page
        ids = self.store.filter_ids(plan.where, plan.depth if query.sort is Sort.NAME else page.end + 1)
        kept = [_Scored(i, None, 0.0) for i in ids]
        ordering = "newest first"
        if query.sort is Sort.NAME:
            kept, ordering = self._sorted(kept, Sort.NAME), "by file name"
        next_cursor = page.next_cursor(len(kept))
        facets = count_facets(self.store.column_rows(plan.where, FACET_COLUMNS)) if query.facets else None
        kept = kept[page.offset : page.end]
        rankings = {Signal.FILTER: [(s.id, 1.0) for s in kept]}
        hits = self._hydrate(kept, rankings, DEFAULT_CUT)
        if query.explain:
            self._explain(hits, plan, snap, [])
        return SearchResult(
            query=query,
            status=Status.OK,
            results=hits,
            ordering=ordering,
            facets=facets,
            next_cursor=next_cursor,
        )

    def _no_candidates(self, plan: QueryPlan, snap: Snapshot) -> SearchResult:
        return SearchResult(
            query=plan.query,
            status=Status.NO_CANDIDATES,
            message=f"no asset matches every filter: {describe(plan.query.filters)}",
            notes=list(plan.notes),
        )

    def _similar(self, query: SearchQuery, snap: Snapshot, page: Page) -> SearchResult:
        """Neighbours of a stored asset, in every active space where it has a vector, most
        similar first (fused across spaces); nothing judges relevance, so no confidence."""
        asset_id = query.similar_to
        assert asset_id is not None
        where = f"id != {quote(asset_id)}"
        extra = to_sql(query.filters)
        if extra:
            where = f"{where} AND {extra}"
        depth = max(MIN_CANDIDATES, page.end * CANDIDATES_PER_RESULT)
        vectors = {
            signal_of(space): (space, stored)
            for space in snap.active
            if (stored := self.store.vectors(space, [asset_id]).get(asset_id)) is not None
        }
        if not vectors:
            raise QueryError(f"asset {asset_id[:12]} has no vector in any active space to compare with")
        reasons = {s: why for s in Signal if (why := availability.why_not_similar(s, vectors))}
        notes = availability.check(query.signals or (), reasons, availability.VECTOR_SIGNALS)
        rankings: dict[Signal, Ranking] = {
            signal: self.store.vector_search(space, stored, where, depth)
            for signal, (space, stored) in vectors.items()
            if query.signals is None or signal in query.signals
        }
        fused = self._fused(rankings, page.end + 1)
        kept = [_Scored(i, None, f) for i, f in fused[page.offset : page.end]]
        hits = self._hydrate(kept, rankings, DEFAULT_CUT)
        return SearchResult(
            query=query,
            status=Status.OK if hits or page.offset else Status.NO_MATCH,
            results=hits,
            spaces=[s.name for s in snap.active if signal_of(s) in rankings],
            ordering="most similar first",
            notes=notes,
            next_cursor=page.next_cursor(len(fused)),
        )

    def _facets(self, ids: list[str]) -> Facets:
        """Counts over the candidates that passed the cut (every page of them)."""
        rows = self.store.rows(ids, columns=["id", *FACET_COLUMNS])
        return count_facets(rows.values())

    def _hydrate(self, chosen: list[_Scored], rankings: dict[Signal, Ranking], cut: float) -> list[SearchHit]:
        positions = {
            signal: {asset_id: (rank, score) for rank, (asset_id, score) in enumerate(ranking, 1)}
            for signal, ranking in rankings.items()
        }
        rows = self.store.rows([s.id for s in chosen], columns=RESULT_COLUMNS)
        hits = []
        for scored in chosen:
            if scored.id not in rows:  # deleted between retrieval and hydration
                continue
            confidence = scored.confidence
            hits.append(
                SearchHit(
                    id=scored.id,
                    path=rows[scored.id]["path"],
                    score=scored.fused,
                    signals={
                        s: SignalScore(rank=p[scored.id][0], score=p[scored.id][1])
                        for s, p in positions.items()
                        if scored.id in p
                    },
                    asset=from_row(rows[scored.id]),
                    confidence=confidence,
                    band=str(band(confidence, cut)) if confidence is not None else None,
                )
            )
        return hits

    def _explain(self, hits: list[SearchHit], plan: QueryPlan, snap: Snapshot, terms: list[str]) -> None:
        wanted = set(plan.query.explain_ids)
        hits = [h for h in hits if h.id in wanted] if wanted else hits
        if not hits:
            return
        semantic = self._semantic(snap)
        spaces = {signal_of(s): s.name for s in snap.active}
        explanations = explain_all(
            hits,
            plan.query,
            text=plan.given.text,
            embedder=semantic[1] if semantic else None,
            extra_terms=terms,
            space_names=spaces,
            matcher=self.store.keyword_matches,
            needles=plan.needles,
        )
        for hit, explanation in zip(hits, explanations, strict=True):
            hit.explanation = explanation
