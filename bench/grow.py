"""Grow a library of N image files from the 998 real prompts, for the benches that need size.

The growth method: file i renders prompt i mod 998 as a 32×32 PNG with A1111 parameters, so
the first 998 files are the bench corpus itself. Each later round re-renders every prompt the
way people iterate on one: a new seed, one of six checkpoints, one of two sizes, and from the
second round on a style phrase borrowed from another prompt (so texts differ as well as
parameters). A grown library therefore holds, for every prompt, its "other seeds and models"
and near-duplicates, as real libraries do.

    .venv/bin/python bench/grow.py --size 10000 [--workdir /tmp/latentdam-bench]
    # writes WORKDIR/grown-10000/images and ingests them into WORKDIR/grown-10000/library
"""

from __future__ import annotations

import csv
import os
import random
import subprocess
import sys
from pathlib import Path

from quality import bench_parser

from latentdam.testing.formats import a1111_parameters, make_image, write_png

MODELS = [
    "dreamshaper_8",
    "juggernautXL_v9",
    "sd_xl_base_1.0",
    "realisticVision_v51",
    "flux1-dev",
    "animagine-xl-3.1",
]
SIZES = ["512x768", "1024x1024"]


def grown_prompts(csv_path: Path) -> list[str]:
    with csv_path.open(newline="", encoding="utf-8") as f:
        return [row["prompt"] for row in csv.DictReader(f)]


def grow(csv_path: Path, folder: Path, size: int, seed: int = 0) -> int:
    """Write `size` PNGs into `folder` (only those missing); returns how many there are."""
    prompts = grown_prompts(csv_path)
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(size):
        base, round_ = i % len(prompts), i // len(prompts)
        prompt = prompts[base]
        if round_ >= 2:  # borrow the last phrase of another prompt
            other = prompts[rng.randrange(len(prompts))].rsplit(",", 1)[-1].strip()
            prompt = f"{prompt}, {other}" if other else prompt
        else:
            rng.random()  # keep the stream aligned whatever the round
        settings = {
            "Steps": 20 + (i % 4) * 5,
            "CFG scale": 7,
            "Seed": 1000 + i,
            "Size": SIZES[round_ % 2],
            "Model": MODELS[(base + round_) % len(MODELS)],
        }
        target = folder / f"{i:07d}.png"
        if target.exists():
            continue
        write_png(target, make_image(i, (32, 32)), {"parameters": a1111_parameters(prompt, "", settings)})
        stamp = 1_700_000_000 + i * 600  # ten minutes apart: months of work
        os.utime(target, (stamp, stamp))
    return size


def main() -> int:
    parser = bench_parser(__doc__)
    parser.add_argument("--size", type=int, default=10_000)
    args = parser.parse_args()
    root = args.workdir / f"grown-{args.size}"
    count = grow(args.data / "krea_prompts_1k.csv", root / "images", args.size)
    print(f"{count} files in {root / 'images'}", flush=True)
    latentdam = Path(sys.executable).with_name("latentdam")
    return subprocess.call(
        [str(latentdam), "ingest", str(root / "images"), "--library", str(root / "library")]
    )


if __name__ == "__main__":
    raise SystemExit(main())
