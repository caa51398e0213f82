"""Embedding throughput on this machine, every space side by side in one run.

Rows: the MiniLM text space (the real model), then MiniLM at several texts-per-forward-pass
sizes in calls of 64 texts as ingest makes them (a pass pads to its longest text), a tiny random CLIP (what the tests use), the
CLIP ViT-B/32 architecture with RANDOM weights (CLIPConfig defaults: 12+12 layers, 224 px,
512-d — the speed of openai/clip-vit-base-patch32 without its download), the ViT-B/32 image
preprocessing alone (PIL resize/crop/normalise, part of every image row), and the visual
descriptor space. Image rows are end to end: decoded 512x512 PIL images in, unit vectors out.
Random weights are as fast as trained ones; the vectors are meaningless.

    .venv/bin/python bench/embed_speed.py                     # CPU, fp32, batch 32
    .venv/bin/python bench/embed_speed.py --device cuda       # adds fp16 rows, batch 32..512

With --device cuda (and CUDA present) the ViT-B/32 rows are repeated in fp16 at batch sizes
32, 64, 128, 256 and 512, end to end and model-only (inputs already on the GPU), which shows
how much the CPU-side preprocessing holds the GPU back.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from latentdam.embed import load_text_embedder
from latentdam.embed.clip import ClipEmbedder, space_for_model
from latentdam.embed.sentence_transformer import CPU_ENCODE_BATCH, SentenceTransformerEmbedder, minilm_path
from latentdam.embed.space import TEXT_MINILM_L6
from latentdam.testing.tiny_models import CORPUS, save_tiny_clip

GPU_BATCHES = (32, 64, 128, 256, 512)
TEXT_ENCODE_BATCHES = (64, 32, 16, 8, 4)
INGEST_CALL = 64  # assets per ingest batch (Settings.batch_size)


def make_images(count: int, size: int = 512, seed: int = 0) -> list[Image.Image]:
    """Smooth gradients plus noise: photo-sized, cheap to make, not trivially compressible."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 255, size, dtype=np.float32)
    out = []
    for i in range(count):
        base = (ramp[None, :, None] * np.array([1.0, 0.6, 0.3]) + ramp[:, None, None] * 0.3 + i * 17) % 256
        noisy = base + rng.normal(0, 12, (size, size, 3))
        out.append(Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8), mode="RGB"))
    return out


def make_texts(count: int, seed: int = 0) -> list[str]:
    """Prompt-like texts of 8-60 words from the tiny models' corpus vocabulary."""
    rng = np.random.default_rng(seed)
    words = " ".join(CORPUS).replace(",", "").split()
    return [" ".join(rng.choice(words, size=int(rng.integers(8, 61)))) for _ in range(count)]


REPEATS = 2


def rate(fn: Callable[[Sequence[Any]], object], items: Sequence[Any], warmup: Sequence[Any]) -> float:
    """Items per second of `fn(items)`: the best of REPEATS timed passes after a warm-up call
    (the best pass is the one least disturbed by other work on the machine)."""
    fn(warmup)
    best = float("inf")
    for _ in range(REPEATS):
        started = time.perf_counter()
        fn(items)
        best = min(best, time.perf_counter() - started)
    return len(items) / best


def cuda_model_only(
    embedder: ClipEmbedder, images: list[Image.Image], texts: list[str]
) -> tuple[float, float]:
    """fp16 images/s and texts/s of the model alone: inputs prepared and on the GPU first."""
    import torch

    embedder.load()
    model = embedder._model
    batch = embedder.batch_size
    pixels = [
        embedder._image_inputs(images[i : i + batch])["pixel_values"].to("cuda", torch.float16)
        for i in range(0, len(images), batch)
    ]
    tokens = [
        {k: v.to("cuda") for k, v in embedder._text_inputs(texts[i : i + batch]).items()}
        for i in range(0, len(texts), batch)
    ]

    def run_images() -> None:
        for p in pixels:
            model.get_image_features(pixel_values=p)

    def run_texts() -> None:
        for t in tokens:
            model.get_text_features(**t)

    results = []
    with torch.inference_mode():
        for run, count in ((run_images, len(images)), (run_texts, len(texts))):
            run()
            torch.cuda.synchronize()
            started = time.perf_counter()
            run()
            torch.cuda.synchronize()
            results.append(count / (time.perf_counter() - started))
    return results[0], results[1]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--images", type=int, default=64, help="images per CPU measurement")
    parser.add_argument("--texts", type=int, default=256, help="texts per CPU measurement")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--device", default="cpu", help="cpu, or cuda to add the fp16 GPU rows")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help="timed passes per row; the best counts")
    args = parser.parse_args()
    globals()["REPEATS"] = max(1, args.repeats)

    import torch
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()  # "Loading weights" bars would break up the table
    hf_logging.set_verbosity_error()
    if args.threads:
        torch.set_num_threads(args.threads)
    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", "bench/embed_speed.py", *sys.argv[1:]])
    print(f"command: {command}")
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} CPU threads, {os.cpu_count()} cores; "
        f"{args.images} images (512x512) and {args.texts} texts per row, batch {args.batch_size}, "
        f"best of {REPEATS} passes"
    )

    images = make_images(args.images)
    texts = make_texts(args.texts)
    warm_images, warm_texts = images[: args.batch_size], texts[: args.batch_size]
    rows: list[tuple[str, str, str, str]] = []  # space, precision/batch, images/s, texts/s

    def fmt(value: float | None) -> str:
        return "-" if value is None else f"{value:,.1f}"

    started_all = time.perf_counter()
    minilm = load_text_embedder("text_minilm_l6", device="cpu")
    minilm.load()
    rows.append(
        (
            "text_minilm_l6 (MiniLM-L6, 384-d)",
            "fp32 cpu",
            fmt(None),
            fmt(rate(minilm.embed_documents, texts, warm_texts)),
        )
    )
    minilm.unload()
    # texts per forward pass, in calls of 64 texts as ingest makes them: padding vs parallelism
    for encode_batch in TEXT_ENCODE_BATCHES:
        sized = SentenceTransformerEmbedder(TEXT_MINILM_L6, minilm_path(), "cpu", batch_size=encode_batch)
        sized.load()

        def in_calls(batch: Sequence[str], e: SentenceTransformerEmbedder = sized) -> None:
            for i in range(0, len(batch), INGEST_CALL):
                e.embed_documents(batch[i : i + INGEST_CALL])

        rows.append(
            (
                f"  MiniLM, {INGEST_CALL} texts a call, {encode_batch} a pass"
                + (" (CPU default)" if encode_batch == CPU_ENCODE_BATCH else ""),
                "fp32 cpu",
                fmt(None),
                fmt(rate(in_calls, texts, warm_texts)),
            )
        )
        sized.unload()

    with tempfile.TemporaryDirectory(prefix="latentdam-embed-speed-") as tmp:
        tiny_dir = save_tiny_clip(Path(tmp) / "tiny-clip")
        full_dir = save_tiny_clip(Path(tmp) / "clip-vit-b32-random", full_size=True)

        for label, directory in (
            ("tiny CLIP (random, 16-d, 32 px)", tiny_dir),
            ("CLIP ViT-B/32 (random, 512-d, 224 px)", full_dir),
        ):
            embedder = ClipEmbedder(space_for_model(directory), device="cpu", batch_size=args.batch_size)
            embedder.load()
            rows.append(
                (
                    label,
                    f"fp32 cpu, b{args.batch_size}",
                    fmt(rate(embedder.embed_images, images, warm_images)),
                    fmt(rate(embedder.embed_documents, texts, warm_texts)),
                )
            )
            if directory == full_dir:

                def preprocess(batch: Sequence[Image.Image], e: ClipEmbedder = embedder) -> None:
                    for i in range(0, len(batch), e.batch_size):
                        e._image_inputs(list(batch[i : i + e.batch_size]))

                rows.append(
                    (
                        "  ViT-B/32 preprocessing only (PIL)",
                        "cpu",
                        fmt(rate(preprocess, images, warm_images)),
                        fmt(None),
                    )
                )
            embedder.unload()

        # -- visual descriptor space (src/latentdam/embed/visual.py, written separately) ----
        try:
            from latentdam.embed.visual import VisualDescriptorEmbedder
        except ImportError:
            print("visual descriptor: not available")
        else:
            visual = VisualDescriptorEmbedder()
            rows.append(
                (
                    f"{visual.space.name} ({visual.space.dim}-d, no weights)",
                    "numpy cpu",
                    fmt(rate(visual.embed_images, images, warm_images)),
                    fmt(None),
                )
            )

        # -- GPU: fp16 at growing batch sizes ---------------------------------------------
        if args.device.startswith("cuda"):
            if not torch.cuda.is_available():
                print("--device cuda: CUDA is not available here; GPU rows skipped")
            else:
                print(f"GPU: {torch.cuda.get_device_name(0)}")
                for batch in GPU_BATCHES:
                    gpu_images = make_images(max(2 * batch, 256), seed=batch)
                    gpu_texts = make_texts(max(4 * batch, 1024), seed=batch)
                    embedder = ClipEmbedder(space_for_model(full_dir), device=args.device, batch_size=batch)
                    embedder.load()
                    rows.append(
                        (
                            "CLIP ViT-B/32 (random), end to end",
                            f"fp16 cuda, b{batch}",
                            fmt(rate(embedder.embed_images, gpu_images, gpu_images[:batch])),
                            fmt(rate(embedder.embed_documents, gpu_texts, gpu_texts[:batch])),
                        )
                    )
                    image_rate, text_rate = cuda_model_only(embedder, gpu_images, gpu_texts)
                    rows.append(
                        (
                            "CLIP ViT-B/32 (random), model only",
                            f"fp16 cuda, b{batch}",
                            fmt(image_rate),
                            fmt(text_rate),
                        )
                    )
                    embedder.unload()

    header = ("space", "precision, batch", "images/s", "texts/s")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    line = "  ".join(
        f"{h:<{w}}" if i < 2 else f"{h:>{w}}" for i, (h, w) in enumerate(zip(header, widths, strict=True))
    )
    print()
    print(line)
    print("-" * len(line))
    for row in rows:
        print(
            "  ".join(
                f"{c:<{w}}" if i < 2 else f"{c:>{w}}"
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    print(f"\ntotal {time.perf_counter() - started_all:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
