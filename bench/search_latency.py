"""Search latency of the default search (limit 10) over the product side's dev queries, on
the bench library that bench/quality.py builds. Each query runs once to warm the caches,
then REPEATS times; the median over queries of each query's median is printed.

    .venv/bin/python bench/search_latency.py [--workdir /tmp/latentdam-bench] [--repeats 5]

To compare two versions side by side, run it under each one's source in one session:
    PYTHONPATH=/path/to/other/checkout/src .venv/bin/python bench/search_latency.py
"""

from __future__ import annotations

import statistics
import sys
import time

from quality import bench_parser, load_queries

import latentdam
from latentdam import Library, Settings


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    lib = Library.open(settings=Settings(library=args.workdir / "library"))
    queries = [
        q for name in ("quality_dev.json", "quality_dev2.json") for q in load_queries(args.data / name)
    ]
    per_query = []
    for q in queries:
        lib.search(q.text, limit=10)  # warm: query vector, snapshot, vocabulary
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            lib.search(q.text, limit=10)
            times.append((time.perf_counter() - started) * 1000)
        per_query.append(statistics.median(times))
    print(
        f"{latentdam.__file__}: {len(queries)} queries x {args.repeats}: median {statistics.median(per_query):.1f}"
        f" ms/query, mean {statistics.mean(per_query):.1f}, p90 {sorted(per_query)[int(0.9 * len(per_query))]:.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
