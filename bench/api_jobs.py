"""Searching while the server writes: p50/p95 of POST /v1/search on a warm server, idle and
then while an ingest job (POST /v1/jobs/ingest) adds new files to the same library, with the
job's own rate. Runs on a copy of the library bench/quality.py builds, so that one is left
as it is; the new files are A1111 PNGs made from the bench prompts.

    .venv/bin/python bench/api_jobs.py [--workdir /tmp/latentdam-bench] [--files 300]
"""

from __future__ import annotations

import csv
import shutil
import statistics
import sys
import time
from datetime import datetime

import httpx
from api_speed import _percentiles
from quality import bench_parser, load_queries

from latentdam.testing.formats import a1111_parameters, make_image, write_png
from latentdam.testing.server import serving


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--files", type=int, default=300)
    args = parser.parse_args()
    library = args.workdir / "jobs-library"
    images = args.workdir / "jobs-images"
    shutil.rmtree(library, ignore_errors=True)
    shutil.rmtree(images, ignore_errors=True)
    shutil.copytree(args.workdir / "library", library)
    images.mkdir(parents=True)
    with open(args.data / "krea_prompts_1k.csv", newline="") as handle:
        prompts = [row["prompt"] for row in csv.DictReader(handle)]
    for i in range(args.files):  # new pictures: seeds the bench corpus does not use
        parameters = a1111_parameters(
            f"{prompts[i % len(prompts)]}, variation {i}", settings={"Seed": 90_000 + i}
        )
        write_png(images / f"new_{i:04d}.png", make_image(90_000 + i), {"parameters": parameters})
    texts = [
        q.text for name in ("quality_dev.json", "quality_dev2.json") for q in load_queries(args.data / name)
    ]

    with serving(library, "--root", images) as server, httpx.Client(timeout=60) as client:
        base = server.url
        before = client.get(f"{base}/v1/stats").json()["assets"]
        for text in texts:  # warm
            client.post(f"{base}/v1/search", json={"text": text, "limit": 10}).raise_for_status()
        idle: list[float] = []
        for text in texts * 2:
            started = time.perf_counter()
            client.post(f"{base}/v1/search", json={"text": text, "limit": 10}).raise_for_status()
            idle.append((time.perf_counter() - started) * 1000)

        job = client.post(f"{base}/v1/jobs/ingest", json={"paths": [str(images)]}).json()
        busy: list[float] = []
        failed = 0
        visible: set[int] = set()
        while True:
            for i, text in enumerate(texts):
                started = time.perf_counter()
                response = client.post(f"{base}/v1/search", json={"text": text, "limit": 10})
                busy.append((time.perf_counter() - started) * 1000)
                failed += response.status_code != 200
                if i % 10 == 0:  # new assets become searchable batch by batch
                    visible.add(client.get(f"{base}/v1/stats").json()["assets"])
            state = client.get(f"{base}/v1/jobs/{job['id']}").json()
            if state["state"] not in ("queued", "running"):
                break
        after = client.get(f"{base}/v1/stats").json()["assets"]

    report = state["report"]
    wall = datetime.fromisoformat(state["finished_at"]) - datetime.fromisoformat(state["started_at"])
    print(f"library: {before} assets + a {args.files}-file ingest job; {len(texts)} queries, limit 10")
    print(f"idle:             {_percentiles(idle)}  ({len(idle)} searches)")
    print(f"during the job:   {_percentiles(busy)}  ({len(busy)} searches, {failed} failed)")
    ratio = statistics.median(busy) / statistics.median(idle)
    print(f"p50 ratio during/idle: {ratio:.2f}x")
    print(
        f"job: {state['state']}, {report['added']} added in {report['seconds']:.1f} s"
        f" = {report['added'] / report['seconds']:.1f} files/s, {wall.total_seconds():.1f} s in all with"
        " the vocabulary, calibration and relevance refits after it; asset counts seen while it ran:"
        f" {len(visible)} distinct; {after - before} new at the end"
    )
    return 0 if failed == 0 and after - before == args.files else 1


if __name__ == "__main__":
    sys.exit(main())
