"""Model migration cost against library size: `reembed` into a joint CLIP space for
libraries of 250, 500 and 1000 assets, side by side in one run.

The model is the tiny random CLIP (`latentdam.testing.tiny_models`), so the numbers show the
pipeline's own cost (reading each file back, decoding, batching, writing vectors, switching
the active space) and how it grows; a real model adds its embedding time per image
(bench/embed_speed.py measures that).

    .venv/bin/python bench/reembed_speed.py [--data ../shared/bench] [--workdir /tmp/latentdam-bench]
"""

from __future__ import annotations

import shutil
import sys
import time

from quality import bench_parser, build_corpus

from latentdam import Library, Settings
from latentdam.embed import load_text_embedder
from latentdam.testing.tiny_models import save_tiny_clip

SIZES = (250, 500, 1000)


def main() -> int:
    args = bench_parser(__doc__).parse_args()

    images = args.workdir / "images"
    build_corpus(args.data / "krea_prompts_1k.csv", images)
    files = sorted(images.glob("*.png"))
    model = save_tiny_clip(args.workdir / "tiny-clip", seed=0)
    text = load_text_embedder()
    print(f"{'assets':>7}{'reembed s':>11}{'assets/s':>10}{'ms/asset':>10}")
    for size in SIZES:
        root = args.workdir / f"reembed-{size}"
        shutil.rmtree(root, ignore_errors=True)
        subset = root / "files"
        subset.mkdir(parents=True)
        for path in files[:size]:
            (subset / path.name).symlink_to(path)
        lib = Library.create(settings=Settings(library=root / "library"), embedders=[text])
        lib.ingest([subset])
        started = time.perf_counter()
        report = lib.reembed(str(model))
        seconds = time.perf_counter() - started
        print(
            f"{report.embedded:>7}{seconds:>11.2f}{report.embedded / seconds:>10.1f}{seconds * 1000 / report.embedded:>10.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
