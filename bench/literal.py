"""Literal queries: what a user types when they mean an exact name, number or phrase.

Runs every query of bench/literal_queries.json with the default search (`lib.search(q, limit=10)`)
on one of two libraries and checks the answer against the assets that literally match it:

- `bench`: the quality benchmark's corpus (one PNG per krea prompt, built as bench/quality.py
  builds it, library in WORKDIR/library), for quoted phrases, artist credits, seeds and file names;
- `samples`: the repository's samples/ folder ingested into WORKDIR/samples-library, for
  checkpoint names, LoRAs, ControlNets, phrases, seeds and file names.

    .venv/bin/python bench/literal.py [--data ../shared/bench] [--workdir /tmp/latentdam-bench]
                                      [--queries bench/literal_queries.json]

Query kinds: model, lora, controlnet, phrase (quoted, verbatim in the prompts), credit
(`by <artist>`), seed (the bare number) and filename. A query's `expected` set holds every asset
that literally matches it, case-insensitively: all prompts holding the phrase or the artist's
name as written, the one file with that seed or name, all samples whose checkpoint, LoRA or
ControlNet name contains the query. Bench assets are named by row id (the file stem), samples by
their path under samples/.

Prints one row per query (first hit right, answered no_match, expected assets among the top 10,
expected count), then the totals: the share of queries with a right first hit (goal >= 95%),
the number answered no_match (goal 0) and the mean precision@min(10, |expected|). Both work
libraries are reused between runs (ingest is incremental). Always exits 0 once it has run.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from quality import bench_parser, build_corpus

from latentdam import Library, Settings, Status

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
DEFAULT_QUERIES = Path(__file__).resolve().parent / "literal_queries.json"
LIMIT = 10
GOAL_FIRST = 0.95
KINDS = ("model", "lora", "controlnet", "phrase", "credit", "seed", "filename")


@dataclass(frozen=True)
class LiteralQuery:
    qid: str
    text: str
    kind: str
    library: str  # "bench" | "samples"
    expected: frozenset[str]


@dataclass(frozen=True)
class Outcome:
    query: LiteralQuery
    ranked: list[str]  # asset keys of the answer, best first
    no_match: bool
    error: str | None = None

    @property
    def first_ok(self) -> bool:
        return bool(self.ranked) and self.ranked[0] in self.query.expected

    @property
    def found(self) -> int:
        return len(set(self.ranked[:LIMIT]) & self.query.expected)

    @property
    def precision(self) -> float:
        return self.found / min(LIMIT, len(self.query.expected))


def load_queries(path: Path) -> list[LiteralQuery]:
    queries = [
        LiteralQuery(q["qid"], q["query"], q["kind"], q["library"], frozenset(q["expected"]))
        for q in json.loads(path.read_text(encoding="utf-8"))
    ]
    for q in queries:
        if q.kind not in KINDS or q.library not in ("bench", "samples") or not q.expected:
            sys.exit(f"{path}: query {q.qid} has an unknown kind or library, or nothing expected")
    return queries


def asset_key(path: str, library: str) -> str:
    """How literal_queries.json names an asset: bench by file stem, samples by path under samples/."""
    if library == "bench":
        return Path(path).stem
    resolved = Path(path).resolve()
    return resolved.relative_to(SAMPLES).as_posix() if resolved.is_relative_to(SAMPLES) else path


def missing_assets(queries: list[LiteralQuery], images: Path) -> list[str]:
    """Expected assets that are not files of their library: the query file and the corpus disagree."""
    missing = []
    for q in queries:
        for key in sorted(q.expected):
            target = images / f"{key}.png" if q.library == "bench" else SAMPLES / key
            if not target.is_file():
                missing.append(f"{q.qid}: {key}")
    return missing


def run_query(lib: Library, q: LiteralQuery) -> Outcome:
    try:
        res = lib.search(q.text, limit=LIMIT)
    except Exception as exc:  # the engine under work must not stop the whole report
        return Outcome(q, [], no_match=False, error=f"{type(exc).__name__}: {exc}")
    ranked = [asset_key(hit.path, q.library) for hit in res.results]
    return Outcome(q, ranked, no_match=res.status is Status.NO_MATCH)


def clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def print_table(outcomes: list[Outcome]) -> None:
    print(
        f"{'qid':<5}{'library':<9}{'kind':<11}{'query':<28}{'first':>6}{'no_match':>9}"
        f"{'top10':>7}{'exp':>5}  first hit when wrong"
    )
    for o in outcomes:
        q = o.query
        wrong = "" if o.first_ok else (o.error or (o.ranked[0] if o.ranked else "(none)"))
        print(
            f"{q.qid:<5}{q.library:<9}{q.kind:<11}{clip(q.text, 27):<28}"
            f"{'yes' if o.first_ok else 'NO':>6}{'YES' if o.no_match else '-':>9}"
            f"{o.found:>7}{len(q.expected):>5}  {clip(wrong, 60)}"
        )


def summary_line(label: str, outcomes: list[Outcome]) -> str:
    n = len(outcomes)
    first = sum(o.first_ok for o in outcomes) / n
    no_match = sum(o.no_match for o in outcomes)
    precision = sum(o.precision for o in outcomes) / n
    return f"{label:<12}{n:>8}{first:>13.0%}{no_match:>10}{precision:>12.3f}"


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES, help="the literal query set")
    args = parser.parse_args()

    csv_path = args.data / "krea_prompts_1k.csv"
    if not csv_path.exists():
        print(f"no benchmark data at {args.data}; pass --data", file=sys.stderr)
        return 2
    queries = load_queries(args.queries)
    images = args.workdir / "images"
    count = build_corpus(csv_path, images)
    missing = missing_assets(queries, images)
    if missing:
        print("expected assets that do not exist:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 2

    libraries: dict[str, Library] = {}
    for name, folder, store in (
        ("bench", images, args.workdir / "library"),
        ("samples", SAMPLES, args.workdir / "samples-library"),
    ):
        started = time.perf_counter()
        lib = Library.create(settings=Settings(library=store), exist_ok=True)
        report = lib.ingest([folder])
        print(
            f"{name}: {count if name == 'bench' else report.added + report.unchanged} files; ingest "
            f"{report.added} added, {report.unchanged} unchanged, {len(report.failed)} failed "
            f"in {time.perf_counter() - started:.1f} s"
        )
        libraries[name] = lib

    by_kind: dict[str, int] = defaultdict(int)
    for q in queries:
        by_kind[q.kind] += 1
    print(
        f"queries: {len(queries)} ("
        + ", ".join(f"{by_kind[k]} {k}" for k in KINDS if by_kind[k])
        + f"); default search, limit {LIMIT}\n"
    )

    started = time.perf_counter()
    outcomes = [run_query(libraries[q.library], q) for q in queries]
    ms = (time.perf_counter() - started) * 1000 / len(queries)
    print_table(outcomes)

    print(f"\n{'':<12}{'queries':>8}{'first right':>13}{'no_match':>10}{'P@min(10,E)':>12}")
    for kind in KINDS:
        group = [o for o in outcomes if o.query.kind == kind]
        if group:
            print(summary_line(kind, group))
    for library in ("bench", "samples"):
        group = [o for o in outcomes if o.query.library == library]
        if group:
            print(summary_line(library, group))
    print(summary_line("all", outcomes))

    errors = sum(o.error is not None for o in outcomes)
    first = sum(o.first_ok for o in outcomes) / len(outcomes)
    no_match = sum(o.no_match for o in outcomes)
    print(
        f"\nright asset first: {first:.1%} (goal >= {GOAL_FIRST:.0%}: {'met' if first >= GOAL_FIRST else 'MISSED'}); "
        f"answered no_match: {no_match} (goal 0: {'met' if no_match == 0 else 'MISSED'}); "
        f"mean precision@min(10,|expected|): {sum(o.precision for o in outcomes) / len(outcomes):.3f}; "
        f"{ms:.1f} ms/query" + (f"; {errors} queries raised" if errors else "")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
