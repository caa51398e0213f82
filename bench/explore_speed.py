"""The explore map on the bench library and the grown 10k library (bench/grow.py): the time
to compute and keep it (k-means neighbourhoods, TF-IDF labels, the UMAP projection — the job a
server runs in the background), to read the kept map in a fresh process's first request
and from memory after, the JSON a browser downloads, and how well each projection keeps an
asset's 10 nearest neighbours (in the space) among its 10 nearest on the map, UMAP against
PCA, on 1,000 sampled assets.

    .venv/bin/python bench/explore_speed.py [--workdir /tmp/latentdam-bench]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
from quality import bench_parser
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from latentdam import Library, Settings
from latentdam.search.explore import project


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


def main() -> int:
    args = bench_parser(__doc__).parse_args()
    for path in (args.workdir / "library", args.workdir / "grown-10000" / "library"):
        if path.exists():
            measure(path)
        else:
            print(f"(no {path})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
