"""Search quality on the product side's judged dev set (../shared/bench).

Builds one small PNG per prompt of krea_prompts_1k.csv, carrying the prompt and its real
generation settings as A1111 `parameters` metadata (mtime = the generation timestamp),
ingests them through the production pipeline, runs every query of quality_dev.json and
quality_dev2.json and prints, per set and for both together, nDCG@10 and recall@50 of the
full ranking and of the default search as a user sees it (with the cut), how many queries
are answered "no match", and plain MiniLM cosine over whole prompts as the reference.

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


def plain_reference(bench: BenchLibrary, csv_path: Path, queries: list[Query]) -> dict[str, list[int]]:
    """Plain embedding search, the reference: the text model's cosine over whole raw prompts."""
    with csv_path.open(newline="", encoding="utf-8") as f:
        prompts = [row["prompt"] for row in csv.DictReader(f)]
    documents = bench.embedder.embed_documents(prompts)
    return {q.qid: list(np.argsort(-(documents @ bench.embedder.embed_query(q.text)))[:50]) for q in queries}


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


@dataclass
class Tally:
    ndcg: list[float]
    recall: list[float]
    in_no_match: int = 0
    out_no_match: int = 0
    inside: int = 0
    outside: int = 0

    def add(self, q: Query, ranked: list[int], no_match: bool) -> None:
        if q.kind == "in":
            self.ndcg.append(ndcg_at(ranked, q.relevant))
            self.recall.append(recall_at(ranked, q.relevant))
            self.inside += 1
            self.in_no_match += no_match
        else:
            self.outside += 1
            self.out_no_match += no_match

    def row(self, name: str) -> str:
        return (
            f"{name:<30}{_mean(self.ndcg):>9.3f}{_mean(self.recall):>11.3f}"
            f"{f'{self.in_no_match}/{self.inside}':>14}{f'{self.out_no_match}/{self.outside}':>15}"
        )


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument(
        "--model", help="a sentence-transformers model (directory or hub id) instead of the default"
    )
    args = parser.parse_args()

    csv_path = args.data / "krea_prompts_1k.csv"
    sets = [args.data / name for name in ("quality_dev.json", "quality_dev2.json")]
    if not csv_path.exists():
        print(f"no benchmark data at {args.data}; pass --data", file=sys.stderr)
        return 2
    print(f"work folder: {args.workdir} (its library is reused by the other benches: --workdir)")
    images = args.workdir / "images"
    count = build_corpus(csv_path, images)
    lib = Library.create(settings=Settings(library=args.workdir / "library"), exist_ok=True)
    started = time.perf_counter()
    report = lib.ingest([images])
    print(
        f"corpus: {count} prompts; ingest {report.added} added, {report.unchanged} unchanged, "
        f"{len(report.failed)} failed in {time.perf_counter() - started:.1f} s"
    )
    if args.model:
        moved = lib.reembed(args.model)
        print(f"text space: {moved.space} ({moved.embedded} assets embedded in {moved.seconds:.1f} s)")
    bench = open_bench_library(args.workdir)
    judged = {path.stem: load_queries(path) for path in sets if path.exists()}
    every = [q for queries in judged.values() for q in queries]
    plain = plain_reference(bench, csv_path, every)
    row_of = {i: int(Path(p["path"]).stem) for i, p in lib.store.rows(bench.ids, ["id", "path"]).items()}

    # Full ranking: every candidate in order (include_all); default: what a user sees (the cut).
    # "no_match" columns count queries answered "nothing matches" by the default search.
    header = f"{'':<30}{'nDCG@10':>9}{'recall@50':>11}{'in: no_match':>14}{'out: no_match':>15}"
    groups = {**judged, "both": every}
    tallies: dict[tuple[str, str], Tally] = {}
    latency: dict[str, float] = {}
    for mode, signals in MODES.items():
        started = time.perf_counter()
        for q in every:
            full = lib.search(q.text, limit=50, signals=signals, include_all=True)
            answer = lib.search(q.text, limit=50, signals=signals)
            no_match = answer.status is not Status.OK
            for group, queries in groups.items():
                if q in queries:
                    reference = tallies.setdefault((group, "plain MiniLM (reference)"), Tally([], []))
                    if mode == "hybrid":
                        reference.add(q, [int(r) for r in plain[q.qid]], no_match=False)
                    for kind, result in (("full ranking", full), ("default (with cut)", answer)):
                        ranked = [row_of[hit.id] for hit in result.results]
                        tallies.setdefault((group, f"{mode}: {kind}"), Tally([], [])).add(q, ranked, no_match)
        latency[mode] = (time.perf_counter() - started) * 1000 / (2 * len(every))
    for group in groups:
        print(
            f"\n{group} ({sum(q.kind == 'in' for q in groups[group])} in, "
            f"{sum(q.kind == 'out' for q in groups[group])} out)\n{header}"
        )
        for (g, name), tally in tallies.items():
            if g == group:
                print(tally.row(name))
    print("\nms/query: " + ", ".join(f"{mode} {ms:.1f}" for mode, ms in latency.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
