"""Query expansion: how should the library's words be represented to find a query's words?

The expansion signal (search/expansion.py) embeds each library word on its own and takes the
words nearest the query. A small model reads an isolated word poorly, so this compares that
with the word's *use* in the library — the mean vector of the prompts that contain it — and
an equal mix of the two, each with a chance cut calibrated the same way (the 99th percentile
of unrelated everyday words' similarity to the representation). Hybrid nDCG@10 is measured
with each representation supplying the expansion terms; everything else is the default.

    .venv/bin/python bench/expansion_vocabulary.py --workdir W   # after bench/quality.py --workdir W
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from quality import bench_parser, load_queries, ndcg_at, open_bench_library, recall_at

from latentdam.search.engine import QueryInput
from latentdam.search.expansion import CALIBRATION_WORDS, CHANCE_PERCENTILE, EXPANSION_TERMS
from latentdam.search.query import SearchQuery
from latentdam.store.term_counts import WORD as _WORD


def _unit(matrix: np.ndarray) -> np.ndarray:
    return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)


def main() -> int:
    args = bench_parser(__doc__).parse_args()

    bench = open_bench_library(args.workdir)
    lib, space, embedder, ids, documents = (
        bench.library,
        bench.space,
        bench.embedder,
        bench.ids,
        bench.vectors,
    )
    vocabulary = lib._vocabulary(space)
    assert vocabulary is not None  # built at ingest
    rows = lib.store.rows(ids, ["id", "path", "embed_text"])
    row_of = {asset_id: int(Path(rows[asset_id]["path"]).stem) for asset_id in ids}

    # a word's use: the mean of the vectors of the prompts containing it
    containing: dict[str, list[int]] = defaultdict(list)
    known = set(vocabulary.terms)
    for j, asset_id in enumerate(ids):
        for word in set(_WORD.findall((rows[asset_id]["embed_text"] or "").lower())):
            if word in known:
                containing[word].append(j)
    words = vocabulary.vectors
    uses = _unit(np.stack([documents[containing[t]].mean(axis=0) for t in vocabulary.terms]))
    representations = {"word alone (default)": words, "word's use": uses, "mix": _unit(words + uses)}
    unrelated = embedder.embed_documents(list(CALIBRATION_WORDS))

    queries = [q for q in load_queries(args.data / "quality_dev.json") if q.kind == "in"]
    engine = lib._engine
    print(f"{len(vocabulary.terms)} library words; {len(queries)} in-library queries\n")
    print(f"{'representation':<22}{'cut':>6}{'nDCG@10':>9}{'recall@50':>11}")
    for name, vectors in representations.items():
        if vectors is words:
            cut = vocabulary.cut  # unrelated word pairs: what the library does today
        else:
            cut = float(np.percentile(unrelated @ vectors.T, CHANCE_PERCENTILE))
        ndcgs, recalls = [], []
        for q in queries:
            given = QueryInput(text=q.text, image=None)
            sims = vectors @ embedder.embed_query(q.text)
            top = np.argsort(-sims)[:EXPANSION_TERMS]
            terms = [vocabulary.terms[i] for i in top if sims[i] >= cut]
            rankings = engine.rankings(SearchQuery(text=q.text, limit=50), given, terms)
            ranked = [row_of[i] for i, _ in engine.fusion.fuse(rankings, engine.weights)]
            ndcgs.append(ndcg_at(ranked, q.relevant))
            recalls.append(recall_at(ranked, q.relevant))
        print(f"{name:<22}{cut:>6.3f}{np.mean(ndcgs):>9.3f}{np.mean(recalls):>11.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
