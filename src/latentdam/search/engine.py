"""Run a `SearchQuery`: one ranked list per signal (one per active space, plus keywords),
fused, then hydrated into hits."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image

from latentdam.embed.base import ImageEmbedder, TextEmbedder
from latentdam.embed.pool import EmbedderPool
from latentdam.embed.space import Modality, Space
from latentdam.errors import QueryError
from latentdam.extract.text import semantic_text, without_attribution
from latentdam.search.calibration import DEFAULT_CUT, Calibration, band
from latentdam.search.expansion import Vocabulary
from latentdam.search.explain import explain_all
from latentdam.search.filters import to_sql
from latentdam.search.fusion import Fusion, Ranking
from latentdam.search.query import SearchQuery
from latentdam.search.result import SearchHit, SearchResult, SignalScore, Status
from latentdam.search.signal import Signal, signal_of
from latentdam.store.asset import from_row
from latentdam.store.store import RESULT_COLUMNS, LibraryStore, quote
from latentdam.vocabulary import TOOL_KINDS, Glossary

# How deep each signal looks before fusion: deep enough that an asset ranked modestly by
# one signal and well by another still meets itself in the union.
MIN_CANDIDATES = 100
CANDIDATES_PER_RESULT = 5
# "but not X": q - β·x. 0.5 moves the query away from X without turning it into "anti-X".
NEGATIVE_WEIGHT = 0.5
QUERY_CACHE_SIZE = 256  # query vectors remembered (a few hundred KiB)
# Literal matching on the query's own words is a precision tool for names (checkpoints,
# LoRAs, artists, "quoted phrases"); on descriptive wording it is noise (BENCHMARKS.md: hybrid
# nDCG@10 0.40 with it at full weight, 0.48 at a quarter, 0.52 without). So the keyword signal
# runs only for queries that read literally (SearchEngine.reads_literally) or that ask for it.
_QUERY_WORD = re.compile(r"[^\W\d_]{3,}")
_LITERAL = re.compile(r'"|\b\w+[_.]\w+\b|\b(?=\w*\d)(?=\w*[a-z])\w+\b', re.IGNORECASE)


def looks_literal(text: str) -> bool:
    """Quoted phrases, file-name-like tokens (dreamshaper_8, v1.5), letter-digit mixes (sd15), or
    an artist credit ("by Moebius": names are matched by keyword, see without_attribution)."""
    return bool(_LITERAL.search(text)) or without_attribution(text) != text


@dataclass(frozen=True, slots=True)
class QueryInput:
    """What the signals search for, once the query image has been read."""

    text: str | None  # the query text, or else the prompt the query image carries
    image: Image.Image | None  # the query image's pixels
    negative: str | None = None
    image_weight: float = 0.5
    # True when `text` was read from the query image (metadata inversion): it then queries the
    # text signals only, and the joint image space searches with the pixels alone.
    text_from_image: bool = False


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


class SearchEngine:
    def __init__(
        self,
        store: LibraryStore,
        embedders: EmbedderPool,
        fusion: Fusion,
        weights: Mapping[Signal, float],
        vocabulary: Callable[[Space], Vocabulary | None],
        calibration: Callable[[Space, Modality], Calibration | None],
    ) -> None:
        self.store = store
        self.embedders = embedders
        self.fusion = fusion
        self.weights = weights
        self.vocabulary = vocabulary  # the library's terms embedded in a text space, if built
        self.calibration = calibration  # what a score means in a space, if calibrated
        self._query_vectors: dict[tuple[str, str], np.ndarray] = {}

    def _embed_query(self, space: Space, embedder: TextEmbedder, text: str) -> np.ndarray:
        """Query vectors are reused across signals and repeated searches (bounded memo)."""
        key = (space.name, text)
        if key not in self._query_vectors:
            if len(self._query_vectors) >= QUERY_CACHE_SIZE:
                self._query_vectors.pop(next(iter(self._query_vectors)))
            self._query_vectors[key] = embedder.embed_query(text)
        return self._query_vectors[key]

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
            parts.append(
                (
                    1.0 - given.image_weight if image_ok else 1.0,
                    self._embed_query(space, embedder, given.text),
                )
            )
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

    def rankings(
        self, query: SearchQuery, given: QueryInput, terms: Sequence[str] = ()
    ) -> dict[Signal, Ranking]:
        """One ranked list per signal; `terms` are the expansion terms (see expansion_terms)."""
        if query.similar_to is not None:
            return self.similar_rankings(query.similar_to, query)
        where = to_sql(query.filters)
        depth = max(MIN_CANDIDATES, query.limit * CANDIDATES_PER_RESULT)
        if given.text is None and given.image is None:
            return {Signal.FILTER: [(i, 1.0) for i in self.store.filter_ids(where, query.limit)]}
        wanted = query.signals or set(Signal)
        rankings: dict[Signal, Ranking] = {}
        meant = self._as_embedded(given)
        for space in self.store.active:
            signal = signal_of(space)
            if signal not in wanted:
                continue
            vector = self._query_vector(space, meant)
            if vector is not None:
                rankings[signal] = self.store.vector_search(space, vector, where, depth)
        # a prompt read from a query image is in the library's own register: its words count
        asked = given.text_from_image or (query.signals is not None and Signal.KEYWORD in query.signals)
        if Signal.KEYWORD in wanted and given.text and (asked or self.reads_literally(given.text)):
            rankings[Signal.KEYWORD] = self.store.keyword_search(given.text, where, depth)
        if Signal.EXPANSION in wanted and terms:
            rankings[Signal.EXPANSION] = self.store.keyword_search(" ".join(terms), where, depth)
        return rankings

    @staticmethod
    def _as_embedded(given: QueryInput) -> QueryInput:
        """The query text as ingest embeds assets' text (extract/text.py): without artist
        credits (the keyword signal matches those), and jargon ("ControlNet depth") also by
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

    def expansion_terms(self, text: str) -> list[str]:
        """Library words nearest the text in the active semantic space (see expansion.py),
        then the jargon whose plain meaning the text paraphrases (the glossary)."""
        terms: list[str] = []
        semantic = self._semantic()
        if semantic is not None:
            space, embedder = semantic
            vocabulary = self.vocabulary(space)
            if vocabulary is not None:
                query_vector = self._embed_query(space, embedder, semantic_text(text))
                terms = [term for term, _ in vocabulary.expand(query_vector)]
        jargon = Glossary.load().expand_query(text).terms
        return list(dict.fromkeys([*terms, *jargon]))

    def reads_literally(self, text: str) -> bool:
        """Whether a query's own words are worth matching literally: it looks literal (quotes,
        file names, credits), or it uses a word the library's text contains but the model
        that embeds text cannot read ("rutkowski" is four meaningless pieces to MiniLM), so
        that only the keyword signal can find it. Descriptive wording is left to the semantic
        and expansion signals."""
        if looks_literal(text):
            return True
        readers = self._text_readers()
        if not readers:
            return True  # no space reads text: its words are all there is
        _, embedder = readers[0]
        return any(
            not embedder.knows_word(word) and self.store.keyword_search(word, None, 1)
            for word in dict.fromkeys(_QUERY_WORD.findall(text.lower()))
        )

    def similar_rankings(self, asset_id: str, query: SearchQuery) -> dict[Signal, Ranking]:
        """Neighbours of a stored asset, in every active space where it has a vector."""
        where = f"id != {quote(asset_id)}"
        extra = to_sql(query.filters)
        if extra:
            where = f"{where} AND {extra}"
        depth = max(MIN_CANDIDATES, query.limit * CANDIDATES_PER_RESULT)
        rankings: dict[Signal, Ranking] = {}
        for space in self.store.active:
            stored = self.store.vectors(space, [asset_id]).get(asset_id)
            if stored is not None and (query.signals is None or signal_of(space) in query.signals):
                rankings[signal_of(space)] = self.store.vector_search(space, stored, where, depth)
        if not rankings:
            raise QueryError(f"asset {asset_id[:12]} has no vector in any active space to compare with")
        return rankings

    def run(self, query: SearchQuery, given: QueryInput) -> SearchResult:
        expanding = Signal.EXPANSION in (query.signals or set(Signal)) and query.similar_to is None
        terms = self.expansion_terms(given.text) if expanding and given.text else []
        rankings = self.rankings(query, given, terms)
        return self.result(query, rankings, self.weights, given, terms)

    def _semantic(self) -> tuple[Space, TextEmbedder] | None:
        """The active text-only space and its embedder, if there is one."""
        readers = self._text_readers()
        return readers[0] if readers and signal_of(readers[0][0]) is Signal.SEMANTIC else None

    def _text_readers(self) -> list[tuple[Space, TextEmbedder]]:
        """The active spaces that embed text, the semantic one first, then joint ones."""
        readers = []
        for space in sorted(self.store.active, key=lambda s: signal_of(s) is not Signal.SEMANTIC):
            embedder = self.embedders.get(space)
            if space.embeds(Modality.TEXT) and isinstance(embedder, TextEmbedder):
                readers.append((space, embedder))
        return readers

    def _image_confidences(self, ids: list[str], image: Image.Image) -> dict[str, float] | None:
        """For a search by example image: its similarity to each candidate in the first
        calibrated image space (joint before visual), through that space's calibration."""
        spaces = sorted(
            (s for s in self.store.active if s.embeds(Modality.IMAGE)),
            key=lambda s: signal_of(s) is not Signal.IMAGE,
        )
        for space in spaces:
            calibration = self.calibration(space, Modality.IMAGE)
            embedder = self.embedders.get(space)
            if calibration is not None and isinstance(embedder, ImageEmbedder):
                query_vector = embedder.embed_images([image])[0]
                stored = self.store.vectors(space, ids)
                return {i: calibration.confidence(float(v @ query_vector)) for i, v in stored.items()}
        return None

    def _confidences(self, ids: list[str], given: QueryInput | None) -> dict[str, float]:
        """Calibrated confidence of each candidate. A search by example image (without a text
        of the user's own) is judged in a calibrated image space; any other search by its
        text's cosine in the first space calibrated for text queries: the semantic space, else
        a joint text-image one. Candidates without a vector there get none."""
        if given is not None and given.image is not None and (given.text is None or given.text_from_image):
            by_image = self._image_confidences(ids, given.image)
            if by_image is not None:
                return by_image
        if given is None or not given.text:
            return {}
        for space, embedder in self._text_readers():
            calibration = self.calibration(space, Modality.TEXT)
            if calibration is not None:
                query_vector = self._embed_query(space, embedder, semantic_text(given.text))
                stored = self.store.vectors(space, ids)
                return {i: calibration.confidence(float(v @ query_vector)) for i, v in stored.items()}
        return {}

    def result(
        self,
        query: SearchQuery,
        rankings: dict[Signal, Ranking],
        weights: Mapping[Signal, float],
        given: QueryInput | None = None,
        terms: Sequence[str] = (),
    ) -> SearchResult:
        """Fuse rankings, drop what the calibration says is chance, hydrate the top hits."""
        fused = self.fusion.fuse(rankings, weights)[
            : max(MIN_CANDIDATES, query.limit * CANDIDATES_PER_RESULT)
        ]
        confidences = self._confidences([i for i, _ in fused], given)
        cut = DEFAULT_CUT if query.min_confidence is None else query.min_confidence
        kept: list[tuple[str, float]] = []
        closest: tuple[str, float] | None = None
        for asset_id, score in fused:
            confidence = confidences.get(asset_id)
            if confidence is not None and confidence < cut and not query.include_all:
                if closest is None or confidence > confidences[closest[0]]:
                    closest = (asset_id, score)
                continue
            kept.append((asset_id, score))
            if len(kept) == query.limit:
                break
        hits = self._hydrate(kept, rankings, confidences, cut)
        rejected = self._hydrate([closest], rankings, confidences, cut) if closest and not hits else []
        terms = list(terms) if Signal.EXPANSION in rankings else []
        if query.explain and hits:
            self._explain(hits, query, given, terms)
        return SearchResult(
            query=query,
            status=Status.OK if hits else Status.NO_MATCH,
            results=hits,
            spaces=[s.name for s in self.store.active if signal_of(s) in rankings],
            closest=rejected[0] if rejected else None,
            expanded_terms=terms,
        )

    def _hydrate(
        self,
        chosen: list[tuple[str, float]],
        rankings: dict[Signal, Ranking],
        confidences: Mapping[str, float],
        cut: float,
    ) -> list[SearchHit]:
        positions = {
            signal: {asset_id: SignalScore(rank, score) for rank, (asset_id, score) in enumerate(ranking, 1)}
            for signal, ranking in rankings.items()
        }
        rows = self.store.rows([asset_id for asset_id, _ in chosen], columns=RESULT_COLUMNS)
        hits = []
        for asset_id, score in chosen:
            if asset_id not in rows:  # deleted between retrieval and hydration
                continue
            confidence = confidences.get(asset_id)
            hits.append(
                SearchHit(
                    id=asset_id,
                    path=rows[asset_id]["path"],
                    score=score,
                    signals={s: p[asset_id] for s, p in positions.items() if asset_id in p},
                    record=from_row(rows[asset_id]),
                    confidence=confidence,
                    band=str(band(confidence, cut)) if confidence is not None else None,
                )
            )
        return hits

    def _explain(
        self, hits: list[SearchHit], query: SearchQuery, given: QueryInput | None, terms: list[str]
    ) -> None:
        semantic = self._semantic()
        spaces = {signal_of(s): s.name for s in self.store.active}
        explanations = explain_all(
            hits,
            query,
            text=given.text if given else None,
            embedder=semantic[1] if semantic else None,
            extra_terms=terms,
            space_names=spaces,
        )
        for hit, explanation in zip(hits, explanations, strict=True):
            hit.explanation = explanation
