"""Ingest throughput on this machine, side by side in one run: a cold ingest with files read in
the ingesting process (`read_workers=0`) against one with the worker processes (the default),
and an unchanged re-ingest.

By default the files are the quality benchmark's corpus (one 32x32 PNG with A1111 metadata per
krea prompt), so the text embedded is real prompt text of real lengths. `--renders N` uses N
realistic renders instead: 1024x1024 PNGs of about 2 MB (smooth colour fields with grain, as
a diffusion model's output compresses) with the same prompts, where decoding dominates; it
also times the decode floor, Pillow decoding the same files on every core.

    .venv/bin/python bench/ingest_speed.py [--data ../shared/bench] [--workdir /tmp/latentdam-bench]
    .venv/bin/python bench/ingest_speed.py --renders 160
"""

from __future__ import annotations

import csv
import resource
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from PIL import Image
from quality import bench_parser, build_corpus

from latentdam import Library, Settings
from latentdam.extract.pool import default_workers
from latentdam.testing.formats import a1111_parameters, write_png


def write_renders(csv_path: Path, folder: Path, n: int) -> int:
    folder.mkdir(parents=True, exist_ok=True)
    with csv_path.open(newline="") as f:
        prompts = [row["prompt"] for row in csv.DictReader(f)]
    rng = np.random.default_rng(0)
    for i in range(n):
        path = folder / f"render_{i:04d}.png"
        if path.exists():
            continue
        field = Image.fromarray(rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)).resize(
            (1024, 1024), Image.BICUBIC
        )
        grain = rng.normal(0, 6, (1024, 1024, 3))
        pixels = np.clip(np.asarray(field, dtype=np.float64) + grain, 0, 255).astype(np.uint8)
        settings = {"Steps": 30, "Sampler": "DPM++ 2M", "CFG scale": 7, "Seed": i, "Size": "1024x1024"}
        write_png(
            path,
            Image.fromarray(pixels),
            {"parameters": a1111_parameters(prompts[i % len(prompts)], "", settings)},
        )
    return n


def _decode(path: str) -> int:
    with Image.open(path) as image:
        image.load()
        return image.width


def decode_floor(folder: Path, workers: int) -> float:
    paths = sorted(str(p) for p in folder.glob("*.png"))
    with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        list(pool.map(_decode, paths[:workers]))  # workers started and warm
        started = time.perf_counter()
        list(pool.map(_decode, paths, chunksize=4))
        return len(paths) / (time.perf_counter() - started)


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--renders", type=int, default=0, help="N 1024x1024 renders instead of the 32x32 corpus"
    )
    args = parser.parse_args()

    prompts = args.data / "krea_prompts_1k.csv"
    if args.renders:
        images = args.workdir / f"renders-{args.renders}"
        count = write_renders(prompts, images, args.renders)
    else:
        images = args.workdir / "images"
        count = build_corpus(prompts, images)
    auto = default_workers()
    rows = []
    for workers in (0, auto):
        library = args.workdir / "speed-library"
        shutil.rmtree(library, ignore_errors=True)
        settings = Settings(library=library, batch_size=args.batch_size, read_workers=workers)
        lib = Library.create(settings=settings)
        started = time.perf_counter()
        for space in lib.store.spaces:  # model load is timed apart from the ingest
            lib.embedders.get(space).load()
        load_s = time.perf_counter() - started
        # wall-clock around the whole call: it includes the vocabulary and calibration refresh
        started = time.perf_counter()
        cold = lib.ingest([images])
        cold_s = time.perf_counter() - started
        rows.append((f"cold ingest, read_workers={workers}", cold.seen, cold_s, cold_s - cold.seconds))
        print(f"  read_workers={workers}: seconds by stage {cold.stages}", flush=True)
        if workers == auto:
            started = time.perf_counter()
            warm = lib.ingest([images])
            rows.append(("re-ingest, unchanged", warm.seen, time.perf_counter() - started, 0.0))
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"files: {count} ({images}), batch size {args.batch_size}, model load {load_s:.1f} s, peak RSS {peak_mib:.0f} MiB"
    )
    print(f"{'run':<32}{'seconds':>9}{'files/s':>10}  (of which vocabulary + calibration refresh)")
    for name, seen, seconds, refresh in rows:
        print(f"{name:<32}{seconds:>9.2f}{seen / seconds:>10.1f}  ({refresh:.1f} s)")
    print(f"worker processes: {rows[0][2] / rows[1][2]:.2f}x the in-process cold ingest")
    if args.renders:
        floor = decode_floor(images, auto)
        print(
            f"decode floor (Pillow, {auto} processes): {floor:.1f} files/s; ingest with workers reaches"
            f" {rows[1][1] / rows[1][2] / floor:.2f}x of it"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
