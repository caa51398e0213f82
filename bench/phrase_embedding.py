"""Prompt-aware embedding: is a prompt better embedded whole, or phrase by phrase?

Prompts are comma-separated phrases ("a red fox, snow, golden hour, 35mm"). This embeds
every phrase of every prompt of the quality corpus separately and ranks assets for each
dev-set query by a mix of whole-prompt similarity and the max (or mean) phrase similarity:
score = α·whole + (1-α)·phrase. α = 1 is what latentdam does today.

    .venv/bin/python bench/phrase_embedding.py   # after bench/quality.py has built the library
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from quality import bench_parser, load_queries, ndcg_at, open_bench_library, recall_at

from latentdam.extract.text import clean_prompt

ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)


def main() -> int:
    args = bench_parser(__doc__).parse_args()

    bench = open_bench_library(args.workdir)
    lib, embedder, ids, whole = bench.library, bench.embedder, bench.ids, bench.vectors
    rows = lib.store.rows(ids, ["id", "path", "prompt"])
    row_ids = np.array([int(Path(rows[i]["path"]).stem) for i in ids])
    phrases, owners = [], []
    for j, asset_id in enumerate(ids):
        for phrase in clean_prompt(rows[asset_id]["prompt"]).split(","):
            if len(phrase.strip()) > 2:
                phrases.append(phrase.strip())
                owners.append(j)
    started = time.perf_counter()
    phrase_vectors = embedder.embed_documents(phrases)
    seconds = time.perf_counter() - started
    owner = np.asarray(owners)
    print(
        f"{len(ids)} prompts, {len(phrases)} phrases ({len(phrases) / len(ids):.1f} per prompt), "
        f"embedded in {seconds:.1f} s (whole prompts: 1 vector each)\n"
    )
    queries = [q for q in load_queries(args.data / "quality_dev.json") if q.kind == "in"]
    print(f"{'phrase aggregate':<18}{'alpha':>6}{'nDCG@10':>9}{'recall@50':>11}")
    for aggregate in ("max", "mean"):
        for alpha in ALPHAS:
            ndcgs, recalls = [], []
            for q in queries:
                v = embedder.embed_query(q.text)
                sims = phrase_vectors @ v
                if aggregate == "max":
                    per_asset = np.full(len(ids), -1.0)
                    np.maximum.at(per_asset, owner, sims)
                else:
                    total, count = np.zeros(len(ids)), np.zeros(len(ids))
                    np.add.at(total, owner, sims)
                    np.add.at(count, owner, 1)
                    per_asset = np.where(count > 0, total / np.maximum(count, 1), -1.0)
                score = alpha * (whole @ v) + (1 - alpha) * per_asset
                ranked = row_ids[np.argsort(-score)][:50].tolist()
                ndcgs.append(ndcg_at(ranked, q.relevant))
                recalls.append(recall_at(ranked, q.relevant))
            print(f"{aggregate:<18}{alpha:>6.2f}{np.mean(ndcgs):>9.3f}{np.mean(recalls):>11.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
