"""HTTP API speed against the same search in-process, on the bench library that
bench/quality.py builds: p50/p95 of POST /v1/search (a real `latentdam serve` process on
127.0.0.1, one keep-alive client) and of `Library.run` in this process, over the dev
queries; then throughput with 8 concurrent clients.

    .venv/bin/python bench/api_speed.py [--workdir /tmp/latentdam-bench] [--repeats 3] [--clients 8]
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
from quality import bench_parser, load_queries

from latentdam import Library, Settings
from latentdam.search.query import SearchQuery


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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

    port = _free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    server = subprocess.Popen(
        [sys.executable, "-m", "latentdam", "serve", "--library", str(library), "--port", str(port)],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/v1/search"
    try:
        with httpx.Client(timeout=60) as client:
            deadline = time.monotonic() + 120
            while True:
                try:
                    client.get(f"http://127.0.0.1:{port}/v1/health")
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        sys.exit("the server did not start")
                    time.sleep(0.3)
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
    finally:
        server.terminate()
        server.wait(timeout=30)

    ratio = statistics.median(remote) / statistics.median(local)
    print(f"{len(texts)} queries x {args.repeats}, limit 10")
    print(f"Library.run in-process: {_percentiles(local)}")
    print(f"POST /v1/search:        {_percentiles(remote)}   (p50 ratio {ratio:.2f}x; goal <= 1.2x)")
    print(f"{args.clients} concurrent clients: {total} searches in {seconds:.1f} s = {total / seconds:.1f}/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
