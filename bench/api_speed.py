"""HTTP API speed against the same search in-process, on the bench library that
bench/quality.py builds: p50/p95 of POST /v1/search (a real `latentdam serve` process on
127.0.0.1, one keep-alive client) and of `Library.run` in this process, over the dev
queries; then throughput with 8 concurrent clients.

    .venv/bin/python bench/api_speed.py [--workdir /tmp/latentdam-bench] [--repeats 3] [--clients 8]
"""

from __future__ import annotations

import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from quality import bench_parser, load_queries

from latentdam import Library, Settings
from latentdam.search.query import SearchQuery
from latentdam.testing.server import serving


def _percentiles(ms: list[float]) -> str:
    ordered = sorted(ms)
    return f"p50 {statistics.median(ordered):.1f} ms, p95 {ordered[int(0.95 * (len(ordered) - 1))]:.1f} ms"


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    args = parser.parse_args()
    library = args.workdir / "library"
    texts = [
        q.text for name in ("quality_dev.json", "quality_dev2.json") for q in load_queries(args.data / name)
    ]

    lib = Library.open(settings=Settings(library=library))
    for text in texts:  # warm: models, query vectors, snapshot, vocabulary
        lib.run(SearchQuery(text=text, limit=10))
    local: list[float] = []
    for _ in range(args.repeats):
        for text in texts:
            started = time.perf_counter()
            lib.run(SearchQuery(text=text, limit=10))
            local.append((time.perf_counter() - started) * 1000)

    with serving(library) as server:
        url = f"{server.url}/v1/search"
        with httpx.Client(timeout=60) as client:
            for text in texts:
                client.post(url, json={"text": text, "limit": 10}).raise_for_status()
            remote: list[float] = []
            for _ in range(args.repeats):
                for text in texts:
                    started = time.perf_counter()
                    client.post(url, json={"text": text, "limit": 10}).raise_for_status()
                    remote.append((time.perf_counter() - started) * 1000)

        def worker(offset: int) -> int:
            done = 0
            with httpx.Client(timeout=60) as own:
                for text in texts[offset:] + texts[:offset]:
                    own.post(url, json={"text": text, "limit": 10}).raise_for_status()
                    done += 1
            return done

        started = time.perf_counter()
        with ThreadPoolExecutor(args.clients) as pool:
            total = sum(pool.map(worker, range(0, args.clients * 7, 7)))
        seconds = time.perf_counter() - started

    ratio = statistics.median(remote) / statistics.median(local)
    print(f"{len(texts)} queries x {args.repeats}, limit 10")
    print(f"Library.run in-process: {_percentiles(local)}")
    print(f"POST /v1/search:        {_percentiles(remote)}   (p50 ratio {ratio:.2f}x; goal <= 1.2x)")
    print(f"{args.clients} concurrent clients: {total} searches in {seconds:.1f} s = {total / seconds:.1f}/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
