"""One model of relevance per text space: all the evidence about a (query, asset) pair turned
into P(relevant), which ranks the results, cuts them and is the confidence shown.

Evidence (`EVIDENCE`, one row per candidate):

- `semantic`: the cosine of the query and the asset's text in the space;
- `expansion`: how strongly the asset contains the library words nearest the query (BM25,
  saturated to [0, 1)) times how near the nearest of those words is to the query: a word
  that merely resembles the query counts for little.

Literal evidence is not a feature but a rule (`literal_confidence`): an asset that carries
what the query names (a quoted phrase, a model or LoRA file, a credit, a seed) is a genuine
match whatever its cosine.

The model is fitted from the library itself, without hand labels: a phrase of an asset's own
prompt is a pseudo-query, relevant to its asset and to every asset whose text holds the same
phrase (found by the full-text index); random other assets are what chance looks like. A
logistic regression (scikit-learn) on those pairs is the model. It is stored in the manifest
with the library size it saw and refitted once the library has grown by a quarter. A library
too small to fit one (< MIN_SAMPLES assets) uses the prior shipped in
`relevance_prior.json`, fitted the same way on the bench corpus (scripts/fit_relevance_prior.py);
a larger one blends its own fit with that prior by their numbers of pairs (PRIOR_PAIRS).

Measured on the product side's dev sets (BENCHMARKS.md), ranking by this probability matches
or beats reciprocal rank fusion of the same signals, and "nothing matches" is decided on the
query's best candidate.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np

from latentdam.embed.base import TextEmbedder
from latentdam.embed.space import Space
from latentdam.extract.text import semantic_text
from latentdam.search.calibration import MIN_SAMPLES, SAMPLE_ASSETS, by_id, prompt_phrases
from latentdam.search.expansion import Vocabulary
from latentdam.store.store import LibraryStore, in_list

EVIDENCE = ("semantic", "expansion")
# BM25 at which the expansion evidence is one half: a few occurrences of a rare word.
BM25_HALF = 5.0
# An asset carrying everything the query names literally; one carrying a part of it still
# passes the cut (LITERAL_BASE), above what meaning alone would say only when it says less.
LITERAL_CONFIDENCE = 0.95
LITERAL_BASE = 0.5
MAX_RELEVANT = 50  # phrase holders counted as relevant to one pseudo-query
_REGULARISATION = 1.0  # scikit-learn's default inverse strength: the fit has thousands of pairs
# A library's own fit is blended with the shipped prior as if the prior were this many pairs:
# a 30-asset library's ~60 pairs barely move it, a 1,000-asset library's ~7,000 mostly replace
# it. (Shrinking toward zero instead, as plain regularisation does, flattened a 32-asset
# library's model to confidences of 0.3-0.6 for everything.)
PRIOR_PAIRS = 2_000


def saturate(bm25: np.ndarray | float) -> np.ndarray:
    value = np.asarray(bm25, dtype=np.float64)
    return value / (value + BM25_HALF)


def evidence(semantic: np.ndarray, expansion_bm25: np.ndarray, term_similarity: float) -> np.ndarray:
    """The (n, len(EVIDENCE)) evidence matrix for n candidates of one query."""
    return np.column_stack(
        [np.asarray(semantic, dtype=np.float64), saturate(expansion_bm25) * max(term_similarity, 0.0)]
    )


def literal_confidence(share: float) -> float:
    """Confidence floor of an asset carrying `share` (0..1] of what the query names literally."""
    return LITERAL_BASE + (LITERAL_CONFIDENCE - LITERAL_BASE) * share


@dataclass(frozen=True, slots=True)
class RelevanceModel:
    space: str
    weights: tuple[float, ...]  # one per EVIDENCE name
    intercept: float
    assets: int  # library size when fitted (0: the shipped prior)
    samples: int  # (pseudo-query, asset) pairs it was fitted on
    evidence: tuple[str, ...] = field(default=EVIDENCE)

    def probability(self, rows: np.ndarray) -> np.ndarray:
        """P(relevant) of each evidence row."""
        logits = np.asarray(rows, dtype=np.float64) @ np.asarray(self.weights) + self.intercept
        return 1.0 / (1.0 + np.exp(-logits))

    def semantic_at(self, probability: float) -> float:
        """The cosine at which an asset with no other evidence reaches this probability."""
        return (math.log(probability / (1 - probability)) - self.intercept) / self.weights[0]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["weights"], data["evidence"] = list(self.weights), list(self.evidence)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RelevanceModel:
        data = dict(data)
        data["weights"] = tuple(data["weights"])
        data["evidence"] = tuple(data.get("evidence", EVIDENCE))
        return cls(**data)


@cache
def _priors() -> dict[str, RelevanceModel]:
    text = resources.files("latentdam.search").joinpath("relevance_prior.json").read_text()
    return {name: RelevanceModel.from_dict(data) for name, data in json.loads(text).items()}


def prior(space: Space) -> RelevanceModel | None:
    """The shipped model for a space, for libraries too small to fit their own."""
    return _priors().get(space.name)


def fit_relevance(
    store: LibraryStore,
    space: Space,
    embedder: TextEmbedder,
    vocabulary: Vocabulary | None,
    seed: int = 0,
    *,
    blend: bool = True,
) -> RelevanceModel | None:
    """Fit the space's relevance model from the library, blended with the shipped prior
    (`blend=False`: the library's fit alone, as when fitting the prior); None when the
    library is too small to fit one."""
    from sklearn.linear_model import LogisticRegression  # heavy; only a fit needs it

    ids, matrix = by_id(*store.all_vectors(space))
    if len(ids) < MIN_SAMPLES:
        return None
    position = {asset_id: i for i, asset_id in enumerate(ids)}
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(ids), size=min(SAMPLE_ASSETS, len(ids)), replace=False)
    texts = store.rows([ids[i] for i in chosen], columns=["id", "embed_text"])
    queries: list[tuple[str, list[int], np.ndarray]] = []  # phrase, relevant, chance others
    for i in chosen:
        phrases = prompt_phrases(texts[ids[i]].get("embed_text") or "")
        if not phrases:
            continue
        phrase = semantic_text(phrases[int(rng.integers(len(phrases)))])
        holders = {position[a] for a, _ in store.phrase_search(phrase, None, MAX_RELEVANT) if a in position}
        relevant = sorted(holders | {int(i)})
        pool = np.setdiff1d(np.arange(len(ids)), relevant)
        if len(pool):
            queries.append(
                (phrase, relevant, rng.choice(pool, size=min(len(relevant), len(pool)), replace=False))
            )
    vectors = embedder.embed_queries([phrase for phrase, _, _ in queries])  # one batched pass
    rows: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for (_, relevant, others), query_vector in zip(queries, vectors, strict=True):
        pairs = np.concatenate([relevant, others])
        bm25, similarity = _expansion(store, vocabulary, query_vector, [ids[j] for j in pairs])
        rows.append(evidence(matrix[pairs] @ query_vector, bm25, similarity))
        labels.append(np.concatenate([np.ones(len(relevant)), np.zeros(len(others))]))
    if len(rows) < MIN_SAMPLES:
        return None
    x, y = np.vstack(rows), np.concatenate(labels)
    fitted = LogisticRegression(C=_REGULARISATION).fit(x, y)
    weights, intercept = np.asarray(fitted.coef_[0], dtype=np.float64), float(fitted.intercept_[0])
    shipped = prior(space) if blend else None
    if shipped is not None:
        share = len(y) / (len(y) + PRIOR_PAIRS)
        weights = share * weights + (1 - share) * np.asarray(shipped.weights)
        intercept = share * intercept + (1 - share) * shipped.intercept
    return RelevanceModel(
        space.name,
        tuple(float(w) for w in weights),
        intercept,
        assets=len(ids),
        samples=len(y),
    )


def _expansion(
    store: LibraryStore, vocabulary: Vocabulary | None, query_vector: np.ndarray, ids: list[str]
) -> tuple[np.ndarray, float]:
    """The expansion signal's BM25 for each of the ids, and its nearest term's similarity."""
    expanded = vocabulary.expand(query_vector) if vocabulary is not None else []
    if not expanded:
        return np.zeros(len(ids)), 0.0
    terms = " ".join(term for term, _ in expanded)
    scores = dict(store.keyword_search(terms, in_list("id", ids), len(ids)))
    return np.array([scores.get(i, 0.0) for i in ids]), max(s for _, s in expanded)
