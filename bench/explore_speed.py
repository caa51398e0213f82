"""The explore map on the bench library and the grown 10k library (bench/grow.py): the time
to compute and keep it (k-means neighbourhoods, TF-IDF labels, the UMAP projection — the job a
server runs in the background), to read the kept map in a fresh process's first request
and from memory after, the JSON a browser downloads, and how well each projection keeps an
asset's 10 nearest neighbours (in the space) among its 10 nearest on the map, UMAP against
PCA, on 1,000 sampled assets.

    .venv/bin/python bench/explore_speed.py [--workdir /tmp/latentdam-bench] [--synthetic 100000]
    .venv/bin/python bench/explore_speed.py --no-bench-library --grown 100000   # a grown 100k library

--synthetic N also times the map's two costly steps (k-means, UMAP) on N vectors grown from
the bench library's 998 real prompt vectors, each copy with a little Gaussian noise (as
bench/vector_search_speed.py grows them): the compute of a 100k library without ingesting one.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from quality import bench_parser, open_bench_library
from sklearn.cluster import MiniBatchKMeans
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from latentdam import Library, Settings
from latentdam.search.explore import MAX_CLUSTERS, project


def neighbours_kept(vectors: np.ndarray, xy: np.ndarray, k: int = 10, sample: int = 1000) -> float:
    rng = np.random.default_rng(0)
    rows = rng.choice(len(vectors), min(sample, len(vectors)), replace=False)
    truth = NearestNeighbors(n_neighbors=k + 1, metric="cosine").fit(vectors).kneighbors(vectors[rows])[1]
    mapped = NearestNeighbors(n_neighbors=k + 1).fit(xy).kneighbors(xy[rows])[1]
    return float(np.mean([len(set(a[1:]) & set(b[1:])) / k for a, b in zip(truth, mapped, strict=True)]))


def measure(path: Path) -> None:
    lib = Library.open(settings=Settings(library=str(path)))
    report = lib.build_map()
    reader = Library.open(settings=Settings(library=str(path)))  # a restarted server
    started = time.perf_counter()
    kept = reader.explore(compute=False)
    first_read = time.perf_counter() - started
    started = time.perf_counter()
    reader.explore(compute=False)
    again = time.perf_counter() - started
    assert kept is not None and not kept.stale
    size = len(kept.model_dump_json())
    print(f"{path}: {report.assets} assets, {report.neighbourhoods} neighbourhoods ({report.projection})")
    print(f"  compute and keep: {report.seconds:.1f} s; read kept: {first_read * 1000:.0f} ms first,")
    print(f"  {again * 1000:.1f} ms after; JSON {size / 2**20:.2f} MiB")
    _, vectors = lib.store.all_vectors(lib.store.space(kept.space))
    started = time.perf_counter()
    umap_xy, _ = project(vectors)
    umap_s = time.perf_counter() - started
    started = time.perf_counter()
    pca_xy = PCA(n_components=2, random_state=0).fit_transform(vectors)
    pca_s = time.perf_counter() - started
    print(
        f"  10-NN kept on the map: UMAP {neighbours_kept(vectors, umap_xy):.3f} ({umap_s:.1f} s),"
        f" PCA {neighbours_kept(vectors, pca_xy):.3f} ({pca_s:.2f} s)"
    )
    for hood in kept.neighbourhoods[:3]:
        print(f"    {hood.size:5d}  {' · '.join(hood.label)}")


def synthetic(workdir: Path, n: int) -> None:
    base = open_bench_library(workdir).vectors
    rng = np.random.default_rng(0)
    noise = rng.standard_normal((n, base.shape[1])) * (0.6 / np.sqrt(base.shape[1]))
    vectors = base[rng.integers(0, len(base), n)] + noise
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)
    k = int(np.clip(round(np.sqrt(n / 4)), 1, MAX_CLUSTERS))
    started = time.perf_counter()
    MiniBatchKMeans(n_clusters=k, random_state=0, n_init=3, batch_size=2048).fit(vectors)
    kmeans = time.perf_counter() - started
    started = time.perf_counter()
    _, method = project(vectors)
    took = time.perf_counter() - started
    print(f"{n} synthetic vectors: k-means ({k}) {kmeans:.1f} s, {method} {took:.1f} s")


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--synthetic", type=int, default=0, help="also time k-means + UMAP on N vectors")
    parser.add_argument(
        "--grown", type=int, nargs="+", default=[10_000], help="grown libraries to measure (bench/grow.py)"
    )
    parser.add_argument("--no-bench-library", action="store_true", help="only the grown libraries")
    args = parser.parse_args()
    if args.synthetic:
        synthetic(args.workdir, args.synthetic)
    paths = [] if args.no_bench_library else [args.workdir / "library"]
    paths += [args.workdir / f"grown-{n}" / "library" for n in args.grown]
    for path in paths:
        if path.exists():
            measure(path)
        else:
            print(f"(no {path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
