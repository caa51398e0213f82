"""Vector search at library scale: exact against the ANN index, side by side in one run.

A library's vectors are not uniform noise: prompts recur around subjects. So the vectors here
are the bench library's 998 real MiniLM prompt vectors, each repeated with a little Gaussian
noise up to N rows, in a real LibraryStore (LanceDB). Queries: the dev set's 15 queries and
25 of the prompts. For each size the same queries run exactly (how latentdam searches below
ANN_MIN_VECTORS) and through the index `refresh_indexes` builds (IVF + HNSW, 8-bit
scalar quantised, candidates re-ranked exactly); recall is the share of the exact top k the
index returns.

    .venv/bin/python bench/vector_search_speed.py [--workdir W] [--sizes 10000 100000]
    # after bench/quality.py --workdir W has built the bench library
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time

import numpy as np
from quality import bench_parser, load_queries, open_bench_library

from latentdam.embed import Space
from latentdam.store import store as store_module
from latentdam.store.store import LibraryStore

NOISE = 0.6  # per-vector noise norm: copies stay near their prompt (cosine ~0.85)
BATCH = 10_000


def synthetic_library(path: str, space: Space, base: np.ndarray, size: int, seed: int = 0) -> LibraryStore:
    store = LibraryStore.open(path, create=True)
    store.set_active([space])
    rng = np.random.default_rng(seed)
    for start in range(0, size, BATCH):
        count = min(BATCH, size - start)
        noise = rng.standard_normal((count, base.shape[1])) * (NOISE / np.sqrt(base.shape[1]))
        vectors = base[rng.integers(0, len(base), count)] + noise
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        store.upsert_assets(
            [
                {"id": f"s{start + i:07d}", space.column: v.astype(np.float32).tolist()}
                for i, v in enumerate(vectors)
            ]
        )
    return store


def timed(store: LibraryStore, space: Space, queries: np.ndarray, k: int) -> tuple[float, list[list[str]]]:
    """Median ms per query, and each query's ids."""
    store.vector_search(space, queries[0], None, k)  # warm-up
    times, found = [], []
    for query in queries:
        started = time.perf_counter()
        hits = store.vector_search(space, query, None, k)
        times.append((time.perf_counter() - started) * 1000)
        found.append([i for i, _ in hits])
    return statistics.median(times), found


def recall(exact: list[list[str]], approx: list[list[str]], k: int) -> float:
    return float(np.mean([len(set(a[:k]) & set(b[:k])) / k for a, b in zip(exact, approx, strict=True)]))


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    args = parser.parse_args()

    bench = open_bench_library(args.workdir)
    dev = [bench.embedder.embed_query(q.text) for q in load_queries(args.data / "quality_dev.json")]
    rng = np.random.default_rng(1)
    queries = np.stack(dev + [bench.vectors[i] for i in rng.integers(0, len(bench.ids), 25)])
    print(f"{len(queries)} queries, top 100; {bench.space.name} ({bench.space.dim}-d)\n")
    print(
        f"{'vectors':>9}{'exact ms':>10}{'index build s':>15}{'indexed ms':>12}{'speed-up':>10}{'recall@10':>11}{'recall@100':>12}"
    )
    for size in args.sizes:
        path = args.workdir / f"vectors-{size}"
        shutil.rmtree(path, ignore_errors=True)
        store = synthetic_library(str(path), bench.space, bench.vectors, size)
        exact_ms, exact = timed(store, bench.space, queries, 100)
        store_module.ANN_MIN_VECTORS = 0  # index at every size here, to compare
        started = time.perf_counter()
        store.refresh_indexes()
        build_s = time.perf_counter() - started
        indexed_ms, indexed = timed(store, bench.space, queries, 100)
        print(
            f"{size:>9,}{exact_ms:>10.1f}{build_s:>15.1f}{indexed_ms:>12.1f}{exact_ms / indexed_ms:>9.1f}x"
            f"{recall(exact, indexed, 10):>11.3f}{recall(exact, indexed, 100):>12.3f}"
        )
        shutil.rmtree(path, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
