"""Ingest on a local Ray cluster against the in-process pipeline, side by side in one run, on
the same files into fresh libraries: the bench corpus (998 small PNGs with A1111 metadata and
real prompts, bench/quality.py) and, with `--renders N`, N realistic 1024x1024 renders
(bench/ingest_speed.py). The Ray figure includes starting the cluster (`ray.init`, its
workers, the embedding actor's model load), as a user's `--engine ray` run pays it; the
local figure includes its reader processes' start and the model load alike.

    .venv/bin/python bench/distributed.py [--data ../shared/bench] [--renders 160]
"""

from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path

from ingest_speed import write_renders
from quality import bench_parser, build_corpus

from latentdam import Library, Settings
from latentdam.distributed import RayEngine
from latentdam.ingest import IngestEngine


def _ingest(folder: Path, library: Path, engine: IngestEngine | None) -> tuple[float, dict[str, float]]:
    shutil.rmtree(library, ignore_errors=True)
    started = time.perf_counter()
    with Library.create(library, settings=Settings(library=library)) as lib:
        report = lib.ingest([folder], engine=engine)
    seconds = time.perf_counter() - started
    assert not report.failed, report.failed[:3]
    return seconds, report.stages


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--renders", type=int, default=0, help="also N 1024x1024 renders")
    args = parser.parse_args()
    corpora = {"998 small PNGs": args.workdir / "images"}
    build_corpus(args.data / "krea_prompts_1k.csv", corpora["998 small PNGs"])
    if args.renders:
        name = f"{args.renders} renders 1024x1024"
        corpora[name] = args.workdir / f"renders-{args.renders}"
        write_renders(args.data / "krea_prompts_1k.csv", corpora[name], args.renders)
    print("| files | local (in-process pipeline) | Ray Data, local cluster | Ray throughput / local |")
    print("|---|---|---|---|")
    for name, folder in corpora.items():
        files = sum(1 for _ in folder.iterdir())
        local, _ = _ingest(folder, args.workdir / "dist-local", None)
        ray, stages = _ingest(folder, args.workdir / "dist-ray", RayEngine())
        print(
            f"| {name} | {local:.1f} s ({files / local:.1f} files/s) "
            f"| {ray:.1f} s ({files / ray:.1f} files/s) | {local / ray:.2f}x |",
            flush=True,
        )
        print(f"  ray stages: {stages}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
