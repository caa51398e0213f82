"""Scale, in one run on one grown library (bench/grow.py: the 998 real prompts re-rendered
as people iterate, 32×32 PNGs with A1111 parameters; the growth method is documented there):

- ingest: files/s end to end and seconds per stage (IngestReport.stages), against the decode
  floor (Pillow decoding the same files on every core);
- one-file incremental ingest into the grown library, against one file into an empty one;
- `optimize` on the grown library;
- search p50/p95 per kind of query, against its raw LanceDB floor (the same query vector
  and one raw vector query; for keyword, filter-only and literal queries the raw full-text
  or filtered scan);
- peak RSS of this process and the library's size on disk.

    .venv/bin/python bench/scale.py --size 10000 [--workdir /tmp/latentdam-bench]
    .venv/bin/python bench/scale.py --size 100000 --reuse   # the library grown by an earlier run
    PYTHONPATH=OTHER/src .venv/bin/python bench/scale.py --size 10000 --queries-only  # A/B

The grown library is kept under WORKDIR/grown-N (with --reuse it is not ingested again).
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from grow import MODELS, grow
from ingest_speed import decode_floor
from quality import bench_parser, load_queries

from latentdam import Library, Settings
from latentdam.embed.base import TextEmbedder
from latentdam.extract.pool import default_workers
from latentdam.search.filters import to_sql
from latentdam.search.query import Filters
from latentdam.search.signal import Signal, signal_of
from latentdam.store.schema import KEYWORD_COLUMN
from latentdam.testing.formats import a1111_parameters, make_image, write_png

REPEATS = 3


def _percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def _timed(calls: list[Callable[[], Any]]) -> list[float]:
    """Each call once to warm it, then REPEATS times: every timing in ms."""
    times = []
    for call in calls:
        call()
        for _ in range(REPEATS):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
    return times


def _one_file(folder: Path, seed: int) -> Path:
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    prompt = f"a lighthouse keeper's cat asleep on a coil of rope, storm outside, take {seed}"
    settings = {"Steps": 20, "Seed": seed, "Size": "512x512", "Model": MODELS[0]}
    write_png(
        folder / f"one-{seed}.png",
        make_image(seed, (32, 32)),
        {"parameters": a1111_parameters(prompt, "", settings)},
    )
    return folder


def _incremental(library: Path, workdir: Path, seed: int) -> float:
    """Seconds for `latentdam ingest ONE_FILE` as a user runs it (a fresh process, model load
    included), into `library`."""
    latentdam = Path(sys.executable).with_name("latentdam")
    folder = _one_file(workdir / f"one-{seed}", seed)
    started = time.perf_counter()
    subprocess.run(
        [str(latentdam), "ingest", str(folder), "--library", str(library)], check=True, capture_output=True
    )
    return time.perf_counter() - started


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true", help="keep the grown library if it is there")
    parser.add_argument(
        "--queries-only", action="store_true", help="only the query timings, on the library there (A/B runs)"
    )
    args = parser.parse_args()
    root = args.workdir / f"grown-{args.size}"
    images, library = root / "images", root / "library"
    grow(args.data / "krea_prompts_1k.csv", images, args.size)
    workers = default_workers()
    print(f"{args.size} files in {images}; {workers} reading workers", flush=True)

    if not args.queries_only:
        _ingest_parts(args, images, library, workers)
    _query_parts(args, images, library)
    return 0


def _ingest_parts(args: Any, images: Path, library: Path, workers: int) -> None:
    if not (args.reuse and library.exists()):
        shutil.rmtree(library, ignore_errors=True)
        lib = Library.create(settings=Settings(library=library))
        for space in lib.store.spaces:
            lib.embedders.get(space).load()  # model load apart from the ingest
        started = time.perf_counter()
        report = lib.ingest([images])
        wall = time.perf_counter() - started
        stages = ", ".join(f"{k} {v:.1f}" for k, v in report.stages.items())
        floor = decode_floor(images, workers)
        print(
            f"ingest: {report.added} assets in {wall:.1f} s, {report.added / wall:.1f} files/s;"
            f" decode floor {floor:.0f} files/s ({report.added / wall / floor:.3f}x); stages (s): {stages}"
        )
        lib.close()

    # one file: into an empty library and into the grown one, each as a fresh `latentdam ingest`
    empty = args.workdir / "scale-empty"
    scratch = args.workdir / f"scale-{args.size}-copy"
    into_empty, into_grown = [], []
    for seed in range(3):
        shutil.rmtree(empty, ignore_errors=True)
        into_empty.append(_incremental(empty, args.workdir, seed))
    shutil.rmtree(scratch, ignore_errors=True)
    shutil.copytree(library, scratch)
    for seed in range(3):
        into_grown.append(_incremental(scratch, args.workdir, 100 + seed))
    print(
        f"one-file ingest (latentdam ingest, a fresh process each): empty library"
        f" {statistics.median(into_empty):.2f} s, {args.size} library {statistics.median(into_grown):.2f} s"
        f" ({statistics.median(into_grown) / statistics.median(into_empty):.2f}x); runs {into_empty} / {into_grown}"
    )
    lib = Library.open(settings=Settings(library=scratch))
    started = time.perf_counter()
    optimized = lib.optimize()
    print(
        f"optimize: {time.perf_counter() - started:.1f} s ({optimized.fragments_before} → {optimized.fragments_after}"
        f" data files, refitted {', '.join(optimized.refitted)})",
        flush=True,
    )


def _query_parts(args: Any, images: Path, library: Path) -> None:
    lib = Library.open(settings=Settings(library=library))
    store = lib.store
    space = next(s for s in store.active if signal_of(s) is Signal.SEMANTIC)
    embedder = lib.embedders.get(space)
    assert isinstance(embedder, TextEmbedder)
    texts = [
        q.text for name in ("quality_dev.json", "quality_dev2.json") for q in load_queries(args.data / name)
    ]
    example = str(next(images.glob("*.png")))
    made_with = {"model": MODELS[4], "after": "2024-01-01"}
    both_sql = to_sql(Filters.model_validate(made_with))
    model_sql = to_sql(Filters.model_validate({"model": MODELS[4]}))
    assert both_sql and model_sql

    def floor_vector(text: str, where: str | None = None) -> Callable[[], Any]:
        def call() -> Any:
            query = store.assets.search(embedder.embed_query(text), vector_column_name=space.column)
            query = query.distance_type("cosine").select(["id"]).limit(10)
            return (query.where(where, prefilter=True) if where else query).to_arrow()

        return call

    def floor_keyword(text: str) -> Callable[[], Any]:
        return lambda: (
            store.assets.search(text, query_type="fts", fts_columns=KEYWORD_COLUMN)
            .select(["id"])
            .limit(10)
            .to_arrow()
        )

    kinds: list[tuple[str, list[Callable[[], Any]], list[Callable[[], Any]]]] = [
        (
            "text (60 dev queries)",
            [lambda t=t: lib.search(t) for t in texts],
            [floor_vector(t) for t in texts],
        ),
        (
            "text + filters (model, after)",
            [lambda t=t: lib.search(t, filters=made_with) for t in texts[:20]],
            [floor_vector(t, both_sql) for t in texts[:20]],
        ),
        ("image (by example)", [lambda: lib.search(image=example)], [floor_vector("a placeholder query")]),
        (
            "literal (checkpoint, phrase)",
            [lambda: lib.search("dreamshaper_8"), lambda: lib.search('"fennec ears"')],
            [floor_keyword("dreamshaper_8"), floor_keyword('"fennec ears"')],
        ),
        (
            "filter only (model, newest first)",
            [lambda: lib.search(filters={"model": MODELS[4]})],
            [lambda: store.assets.search().where(model_sql).select(["id"]).limit(10).to_arrow()],
        ),
    ]
    print(f"{'query':<36}{'p50 ms':>8}{'p95 ms':>8}{'floor p50':>11}{'ratio':>7}")
    for name, ours, floors in kinds:
        mine, raw = _percentiles(_timed(ours)), _percentiles(_timed(floors))
        print(f"{name:<36}{mine[0]:>8.1f}{mine[1]:>8.1f}{raw[0]:>11.1f}{mine[0] / raw[0]:>7.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    disk = sum(p.stat().st_size for p in library.rglob("*") if p.is_file()) / 2**20
    print(f"peak RSS of this process {peak:.0f} MiB; library on disk {disk:.0f} MiB")


if __name__ == "__main__":
    sys.exit(main())
