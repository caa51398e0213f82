"""Ingest throughput on this machine: a cold ingest against an unchanged re-ingest, side by side.

Uses the quality benchmark's corpus (one 32x32 PNG with A1111 metadata per krea prompt), so
the text embedded is real prompt text of real lengths.

    .venv/bin/python bench/ingest_speed.py [--data ../shared/bench] [--workdir /tmp/latentdam-bench]
"""

from __future__ import annotations

import resource
import shutil
import sys
import time

from quality import bench_parser, build_corpus

from latentdam import Library, Settings


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args()

    images = args.workdir / "images"
    count = build_corpus(args.data / "krea_prompts_1k.csv", images)
    library = args.workdir / "speed-library"
    shutil.rmtree(library, ignore_errors=True)
    lib = Library.create(settings=Settings(library=library, batch_size=args.batch_size))
    started = time.perf_counter()
    for space in lib.store.spaces:  # model load is timed apart from the ingest
        lib.embedders.get(space).load()
    load_s = time.perf_counter() - started

    # wall-clock around the whole call: it includes the vocabulary and calibration refresh
    timings = []
    for _ in range(2):
        started = time.perf_counter()
        report = lib.ingest([images])
        timings.append((report, time.perf_counter() - started))
    (cold, cold_s), (warm, warm_s) = timings
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"files: {count}, batch size {args.batch_size}, model load {load_s:.1f} s, peak RSS {peak_mib:.0f} MiB"
    )
    print(f"{'run':<22}{'seconds':>9}{'files/s':>10}")
    for name, report, seconds in (("cold ingest", cold, cold_s), ("re-ingest, unchanged", warm, warm_s)):
        print(f"{name:<22}{seconds:>9.2f}{report.seen / seconds:>10.1f}")
    print(f"of the cold ingest, {cold_s - cold.seconds:.1f} s is the vocabulary and calibration refresh")
    print(f"re-ingest is {cold_s / warm_s:.0f}x faster than the cold ingest")
    return 0


if __name__ == "__main__":
    sys.exit(main())
