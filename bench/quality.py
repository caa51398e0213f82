"""Search quality on the product side's judged dev set (../shared/bench).

Builds one small PNG per prompt of krea_prompts_1k.csv, carrying the prompt and its real
generation settings as A1111 `parameters` metadata (mtime = the generation timestamp),
ingests them through the production pipeline, runs every query of quality_dev.json and
prints nDCG@10 and recall@50 per retrieval mode, plus how "out of library" queries fare.

    .venv/bin/python bench/quality.py [--data ../shared/bench] [--workdir /tmp/latentdam-bench]
                                      [--model DIR-or-hub-id]

The work directory is reused between runs (ingest is incremental), so a second run only
measures search. --model moves the library's text space to another sentence-transformers
model first (`latentdam reembed`): use a work directory per model.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from latentdam import Library, Settings, Signal, Status
from latentdam.embed import Space, TextEmbedder
from latentdam.search.signal import signal_of
from latentdam.testing.formats import a1111_parameters, make_image, write_png

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "bench"
# Each mode runs exactly these signals (None: the default search). Naming the keyword signal
# runs it on every query; the default runs it only on queries that read literally.
MODES: dict[str, list[str] | None] = {
    "keyword": ["keyword"],
    "semantic": ["semantic"],
    "sem+kw": ["semantic", "keyword"],
    "sem+kw+exp": ["semantic", "keyword", "expansion"],
    "hybrid": None,
}


@dataclass(frozen=True)
class Query:
    qid: str
    text: str
    kind: str  # "in" | "out"
    relevant: dict[int, int]  # row id -> grade (2 = clearly, 1 = partly)


def load_queries(path: Path) -> list[Query]:
    return [
        Query(q["qid"], q["query"], q["kind"], {int(k): int(v) for k, v in q["relevant"].items()})
        for q in json.loads(path.read_text())
    ]


def build_corpus(csv_path: Path, folder: Path) -> int:
    """One 32x32 PNG per row, named by row id, written only if missing."""
    folder.mkdir(parents=True, exist_ok=True)
    with csv_path.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row_id, row in enumerate(rows):
        target = folder / f"{row_id:04d}.png"
        if target.exists():
            continue
        gen = json.loads(row["raw_data"]).get("raw_discord_data", {})
        settings = {
            "Steps": gen.get("num_step"),
            "CFG scale": gen.get("cfg_scale"),
            "Seed": gen.get("seed"),
            "Size": f"{gen['width']}x{gen['height']}" if gen.get("width") else None,
        }
        write_png(
            target,
            make_image(row_id, (32, 32)),
            {"parameters": a1111_parameters(row["prompt"], "", settings)},
        )
        if gen.get("timestamp"):
            os.utime(target, (gen["timestamp"], gen["timestamp"]))
    return len(rows)


def bench_parser(doc: str | None) -> argparse.ArgumentParser:
    """The arguments every benchmark on the product side's data shares: --data, --workdir."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA, help="folder with the CSV and the judgments"
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/latentdam-bench"))
    return parser


@dataclass(frozen=True)
class BenchLibrary:
    """The library bench/quality.py built, opened on its text space."""

    library: Library
    space: Space
    embedder: TextEmbedder
    ids: list[str]
    vectors: np.ndarray  # (n, dim), row i for ids[i]


def open_bench_library(workdir: Path) -> BenchLibrary:
    lib = Library.open(settings=Settings(library=workdir / "library"))
    space = next((s for s in lib.store.active if signal_of(s) is Signal.SEMANTIC), None)
    if space is None:
        sys.exit(f"the library in {workdir} has no text space")
    embedder = lib.embedders.get(space)
    assert isinstance(embedder, TextEmbedder)
    ids, vectors = lib.store.all_vectors(space)
    if not ids:
        sys.exit(f"no library in {workdir}: run bench/quality.py --workdir {workdir} first")
    return BenchLibrary(lib, space, embedder, ids, vectors)


def ndcg_at(ranked: list[int], relevant: dict[int, int], k: int = 10) -> float:
    dcg = sum((2 ** relevant.get(doc, 0) - 1) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: list[int], relevant: dict[int, int], k: int = 50) -> float:
    return len(set(ranked[:k]) & set(relevant)) / len(relevant) if relevant else 0.0


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument(
        "--model", help="a sentence-transformers model (directory or hub id) instead of the default"
    )
    args = parser.parse_args()

    csv_path, judged = args.data / "krea_prompts_1k.csv", args.data / "quality_dev.json"
    if not csv_path.exists():
        print(f"no benchmark data at {args.data}; pass --data", file=sys.stderr)
        return 2
    images = args.workdir / "images"
    count = build_corpus(csv_path, images)
    lib = Library.open(settings=Settings(library=args.workdir / "library"))
    started = time.perf_counter()
    report = lib.ingest([images])
    print(
        f"corpus: {count} prompts; ingest {report.added} added, {report.unchanged} unchanged, "
        f"{len(report.failed)} failed in {time.perf_counter() - started:.1f} s"
    )
    if args.model:
        moved = lib.reembed(args.model)
        print(f"text space: {moved.space} ({moved.embedded} assets embedded in {moved.seconds:.1f} s)")

    queries = load_queries(judged)
    inside = [q for q in queries if q.kind == "in"]
    outside = [q for q in queries if q.kind == "out"]
    print(f"queries: {len(inside)} in-library, {len(outside)} out-of-library\n")
    print(
        f"{'mode':<12}{'nDCG@10':>9}{'recall@50':>11}{'in: no_match':>14}{'out: no_match':>15}{'ms/query':>10}"
    )
    for mode, signals in MODES.items():
        ndcgs, recalls, in_suppressed, out_suppressed = [], [], 0, 0
        started = time.perf_counter()
        for q in queries:
            # ranking quality is judged on the full ranking; "nothing matches" on the default answer
            ranking = lib.search(q.text, limit=50, signals=signals, include_all=True)
            answer = lib.search(q.text, limit=10, signals=signals)
            ranked = [int(Path(hit.path).stem) for hit in ranking.results]
            if q.kind == "in":
                ndcgs.append(ndcg_at(ranked, q.relevant))
                recalls.append(recall_at(ranked, q.relevant))
                in_suppressed += answer.status is Status.NO_MATCH
            else:
                out_suppressed += answer.status is Status.NO_MATCH
        ms = (time.perf_counter() - started) * 1000 / (2 * len(queries))
        print(
            f"{mode:<12}{sum(ndcgs) / len(ndcgs):>9.3f}{sum(recalls) / len(recalls):>11.3f}"
            f"{in_suppressed / len(inside):>14.0%}{out_suppressed / len(outside):>15.0%}{ms:>10.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
