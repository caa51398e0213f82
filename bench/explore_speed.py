"""How long the explore map takes on the bench library: neighbourhoods (k-means), labels
(TF-IDF) and the 2-D projection (PCA) the first time, then from the cache.

    .venv/bin/python bench/explore_speed.py [--workdir /tmp/latentdam-bench]
"""

from __future__ import annotations

import sys
import time

from quality import bench_parser

from latentdam import Library, Settings


def main() -> int:
    args = bench_parser(__doc__).parse_args()
    lib = Library.open(settings=Settings(library=str(args.workdir / "library")))
    started = time.perf_counter()
    explored = lib.explore()
    first = time.perf_counter() - started
    started = time.perf_counter()
    lib.explore()
    cached = time.perf_counter() - started
    print(f"{len(explored.ids)} assets, {len(explored.neighbourhoods)} neighbourhoods in {explored.space}")
    print(f"first: {first:.2f} s; cached: {cached * 1000:.1f} ms")
    for hood in explored.neighbourhoods[:5]:
        print(f"  {hood.size:4d}  {' · '.join(hood.label)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
