"""Generate the bundled sample library in `samples/` (what `make demo` ingests and searches).

Run from the repository root:

    .venv/bin/python scripts/make_samples.py              # (re)writes ./samples
    .venv/bin/python scripts/make_samples.py --out DIR    # somewhere else

About thirty small images, each drawn procedurally with Pillow so that it vaguely evokes its
prompt, each carrying the metadata its generator really writes (through the writers in
`latentdam.testing`): AUTOMATIC1111/Forge (PNG, JPEG, WebP), ComfyUI (PNG, WebP, several graph
shapes), InvokeAI (v5, v3, v2 `sd-metadata`, v1 `Dream`), NovelAI (v3, v4), Fooocus (both
schemes), Midjourney, a plain photo with only XMP/IPTC/EXIF, and a PNG with no metadata at all.
File names follow each tool's own naming; one folder is nested and some names hold spaces and
non-ASCII characters, as real libraries do. The prompts were written for this project.

Deterministic: no clock, no unseeded randomness, fixed file modification times (`os.utime`), so
running it twice produces byte-identical files and the demo's date filters always agree.
In ./samples (never in another --out folder), image files this script does not write are removed.
Git does not keep modification times: rerun this after a checkout so that samples without a date
in their metadata get their fixed dates back (the library falls back to the file's mtime).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from PIL import Image, ImageColor, ImageDraw, ImageFilter

from latentdam.testing import comfyui as cu
from latentdam.testing import formats as fm

ROOT = Path(__file__).resolve().parent.parent
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp"}
LONG_SIDE = 256
DEFAULT_OUT = ROOT / "samples"

# --------------------------------------------------------------------------- drawing
#
# A picture is a list of ops, `(name, *args)`, drawn in order. Coordinates are fractions of the
# image size (x of the width, y of the height), radii fractions of the width.

Op = tuple[Any, ...]
XY = tuple[float, float]


def _px(img: Image.Image, x: float, y: float) -> tuple[int, int]:
    return round(x * img.width), round(y * img.height)


def op_sky(
    img: Image.Image, d: ImageDraw.ImageDraw, top: str, bottom: str, y0: float = 0, y1: float = 1
) -> None:
    """Vertical gradient band from `top` to `bottom` colour."""
    a, b = ImageColor.getrgb(top), ImageColor.getrgb(bottom)
    start, end = round(y0 * img.height), round(y1 * img.height)
    for row in range(start, end):
        t = (row - start) / max(1, end - start - 1)
        d.line([(0, row), (img.width, row)], fill=tuple(round(a[i] + (b[i] - a[i]) * t) for i in range(3)))


def op_disc(img: Image.Image, d: ImageDraw.ImageDraw, x: float, y: float, r: float, color: str) -> None:
    cx, cy = _px(img, x, y)
    rad = r * img.width
    d.ellipse([cx - rad, cy - rad, cx + rad, cy + rad], fill=color)


def op_oval(
    img: Image.Image, d: ImageDraw.ImageDraw, x0: float, y0: float, x1: float, y1: float, color: str
) -> None:
    d.ellipse([*_px(img, x0, y0), *_px(img, x1, y1)], fill=color)


def op_box(
    img: Image.Image, d: ImageDraw.ImageDraw, x0: float, y0: float, x1: float, y1: float, color: str
) -> None:
    d.rectangle([*_px(img, x0, y0), *_px(img, x1, y1)], fill=color)


def op_poly(img: Image.Image, d: ImageDraw.ImageDraw, points: Sequence[XY], color: str) -> None:
    d.polygon([_px(img, x, y) for x, y in points], fill=color)


def op_line(
    img: Image.Image, d: ImageDraw.ImageDraw, points: Sequence[XY], color: str, width: int = 2
) -> None:
    d.line([_px(img, x, y) for x, y in points], fill=color, width=width)


def op_ridge(img: Image.Image, d: ImageDraw.ImageDraw, y: float, amp: float, color: str, seed: int) -> None:
    """A jagged silhouette (mountains, dunes, waves, ruins) from height `y` down to the bottom."""
    rng = random.Random(seed)
    steps = 9
    points = [(i / steps, y + rng.uniform(-amp, amp)) for i in range(steps + 1)]
    op_poly(img, d, [*points, (1, 1), (0, 1)], color)


def op_scatter(
    img: Image.Image,
    d: ImageDraw.ImageDraw,
    n: int,
    colors: Sequence[str],
    seed: int,
    r: tuple[float, float] = (0.004, 0.01),
    area: tuple[float, float, float, float] = (0, 0, 1, 1),
) -> None:
    """Random discs: stars, petals, lights, flower heads."""
    rng = random.Random(seed)
    x0, y0, x1, y1 = area
    for _ in range(n):
        op_disc(img, d, rng.uniform(x0, x1), rng.uniform(y0, y1), rng.uniform(*r), rng.choice(colors))


def op_strips(img: Image.Image, d: ImageDraw.ImageDraw, n: int, colors: Sequence[str], seed: int) -> None:
    """Vertical neon signs."""
    rng = random.Random(seed)
    for _ in range(n):
        x, y = rng.uniform(0.05, 0.95), rng.uniform(0.1, 0.5)
        op_box(img, d, x, y, x + 0.02, y + rng.uniform(0.1, 0.3), rng.choice(colors))


def op_rain(img: Image.Image, d: ImageDraw.ImageDraw, n: int, color: str, seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(n):
        x, y = rng.random(), rng.random()
        op_line(img, d, [(x, y), (x - 0.015, y + 0.06)], color, 1)


def op_bolt(img: Image.Image, d: ImageDraw.ImageDraw, x: float, y1: float, color: str, seed: int) -> None:
    """A zigzag lightning bolt from the top to height `y1`."""
    rng = random.Random(seed)
    points, y = [(x, 0.0)], 0.0
    while y < y1:
        y = min(y1, y + 0.08)
        x += rng.uniform(-0.06, 0.06)
        points.append((x, y))
    op_line(img, d, points, color, 3)


def op_critter(
    img: Image.Image, d: ImageDraw.ImageDraw, x: float, y: float, s: float, fur: str, ears: str = "cat"
) -> None:
    """A cute animal: body, ears (`cat`, `dog`, `owl`, `round`, `none`), head, big eyes, nose.
    (x, y) is the centre of the head, `s` its radius."""
    w, h = img.width, img.height
    k = w / h  # keeps the shapes round in non-square images
    op_oval(img, d, x - 1.4 * s, y + 0.4 * s * k, x + 1.4 * s, y + 2.6 * s * k, fur)
    for side in (-1, 1):
        ex = x + side * 0.65 * s
        if ears == "cat":
            op_poly(
                img,
                d,
                [
                    (ex - 0.35 * s, y - 0.5 * s * k),
                    (ex + side * 0.25 * s, y - 1.45 * s * k),
                    (ex + 0.35 * s, y - 0.5 * s * k),
                ],
                fur,
            )
        elif ears == "dog":
            op_poly(
                img,
                d,
                [
                    (ex - 0.4 * s, y - 0.4 * s * k),
                    (ex + side * 0.35 * s, y - 1.7 * s * k),
                    (ex + 0.4 * s, y - 0.4 * s * k),
                ],
                fur,
            )
        elif ears == "owl":
            op_poly(
                img,
                d,
                [
                    (ex - 0.2 * s, y - 0.7 * s * k),
                    (ex + side * 0.3 * s, y - 1.3 * s * k),
                    (ex + 0.25 * s, y - 0.6 * s * k),
                ],
                fur,
            )
        elif ears == "round":
            op_disc(img, d, ex, y - 0.75 * s * k, 0.35 * s, fur)
    op_disc(img, d, x, y, s, fur)
    for side in (-1, 1):
        ex = x + side * 0.4 * s
        if ears == "owl":
            op_disc(img, d, ex, y - 0.05 * s * k, 0.32 * s, "#f2c14e")
        op_disc(img, d, ex, y - 0.05 * s * k, 0.18 * s, "#1b1b1b")
        op_disc(img, d, ex + 0.06 * s, y - 0.12 * s * k, 0.06 * s, "#ffffff")
    nose = "#e0a030" if ears == "owl" else "#3a2a2a"
    op_poly(
        img, d, [(x - 0.1 * s, y + 0.25 * s * k), (x + 0.1 * s, y + 0.25 * s * k), (x, y + 0.4 * s * k)], nose
    )


def op_bird(
    img: Image.Image, d: ImageDraw.ImageDraw, x: float, y: float, s: float, body: str, breast: str
) -> None:
    """A round little songbird facing right; (x, y) the centre of its body."""
    op_oval(img, d, x - s, y - 0.8 * s, x + s, y + 0.8 * s, body)
    op_oval(img, d, x - 0.2 * s, y - 0.4 * s, x + 0.9 * s, y + 0.7 * s, breast)
    op_disc(img, d, x + 0.7 * s, y - 0.7 * s, 0.5 * s, body)
    op_poly(
        img,
        d,
        [(x + 1.1 * s, y - 0.8 * s), (x + 1.5 * s, y - 0.65 * s), (x + 1.1 * s, y - 0.55 * s)],
        "#e0a030",
    )
    op_disc(img, d, x + 0.85 * s, y - 0.8 * s, 0.09 * s, "#111111")


OPS: dict[str, Callable[..., None]] = {
    "sky": op_sky,
    "disc": op_disc,
    "oval": op_oval,
    "box": op_box,
    "poly": op_poly,
    "line": op_line,
    "ridge": op_ridge,
    "scatter": op_scatter,
    "strips": op_strips,
    "rain": op_rain,
    "bolt": op_bolt,
    "critter": op_critter,
    "bird": op_bird,
}


def draw(art: Sequence[Op], size: tuple[int, int]) -> Image.Image:
    img = Image.new("RGB", size, "#808080")
    d = ImageDraw.Draw(img)
    for name, *args in art:
        if name == "blur":
            img = img.filter(ImageFilter.GaussianBlur(args[0]))
            d = ImageDraw.Draw(img)
        else:
            OPS[name](img, d, *args)
    return img


def thumb_size(width: int, height: int, long_side: int = LONG_SIDE) -> tuple[int, int]:
    """The file's pixel size: the generation size scaled down to `long_side` (multiple of 8)."""
    scale = long_side / max(width, height)
    return max(8, round(width * scale / 8) * 8), max(8, round(height * scale / 8) * 8)


# --------------------------------------------------------------------------- metadata helpers


def a1111(
    prompt: str,
    negative: str,
    *,
    steps: int,
    sampler: str,
    cfg: float,
    seed: int,
    size: tuple[int, int],
    model: str,
    model_hash: str,
    schedule: str | None = "Karras",
    loras: Sequence[tuple[str, float, str]] = (),
    extra: dict[str, object] | None = None,
    version: str = "v1.10.1",
) -> str:
    """An A1111 infotext: LoRAs as `<lora:name:w>` prompt tags plus `Lora hashes`."""
    tags = "".join(f" <lora:{name}:{w}>" for name, w, _h in loras)
    settings: dict[str, object] = {
        "Steps": steps,
        "Sampler": sampler,
        "Schedule type": schedule,
        "CFG scale": cfg,
        "Seed": seed,
        "Size": f"{size[0]}x{size[1]}",
        "Model hash": model_hash,
        "Model": model,
        **(extra or {}),
    }
    if loras:
        settings["Lora hashes"] = ", ".join(f"{name}: {h}" for name, _w, h in loras)
    settings["Version"] = version
    return fm.a1111_parameters(prompt + tags, negative, settings)


def sdxl_lora_graph(
    prompt: str,
    negative: str,
    *,
    ckpt: str,
    lora: tuple[str, float],
    seed: int,
    steps: int,
    cfg: float,
    sampler: str,
    scheduler: str,
    size: tuple[int, int],
) -> tuple[cu.Graph, cu.Graph]:
    """Checkpoint -> one LoraLoader -> KSampler, as most SDXL LoRA workflows are wired."""
    b = cu.GraphBuilder()
    ck = b.add("CheckpointLoaderSimple", {"ckpt_name": ckpt})
    lo = b.add(
        "LoraLoader",
        {
            "lora_name": lora[0],
            "strength_model": lora[1],
            "strength_clip": lora[1],
            "model": cu.Out(ck),
            "clip": cu.Out(ck, 1),
        },
    )
    pos = b.add("CLIPTextEncode", {"text": prompt, "clip": cu.Out(lo, 1)})
    neg = b.add("CLIPTextEncode", {"text": negative, "clip": cu.Out(lo, 1)})
    lat = b.add("EmptyLatentImage", {"width": size[0], "height": size[1], "batch_size": 1})
    inputs = cu.ksampler_inputs(
        seed, steps, cfg, sampler, scheduler, cu.Out(lo), cu.Out(pos), cu.Out(neg), cu.Out(lat)
    )
    ks = b.add("KSampler", inputs)
    dec = b.add("VAEDecode", {"samples": cu.Out(ks), "vae": cu.Out(ck, 2)})
    b.add("SaveImage", {"filename_prefix": "ComfyUI", "images": cu.Out(dec)})
    return b.build()


# --------------------------------------------------------------------------- the samples

Writer = Callable[[Path, Image.Image], object]


@dataclass(frozen=True)
class Sample:
    path: str  # relative to the output folder
    gen_size: tuple[int, int]  # the generation size the metadata reports; the file is scaled down
    art: Sequence[Op]
    when: datetime  # file modification time
    write: Writer


def _png(chunks: dict[str, str], **kw: Any) -> Writer:
    return lambda p, im: fm.write_png(p, im, chunks, **kw)


def _comfy_png(graphs: tuple[cu.Graph, cu.Graph]) -> Writer:
    return lambda p, im: cu.write_comfyui_png(p, im, *graphs)


def _comfy_webp(graphs: tuple[cu.Graph, cu.Graph]) -> Writer:
    return lambda p, im: cu.write_comfyui_webp(p, im, *graphs)


def _no_metadata(path: Path, image: Image.Image) -> None:
    image.save(path, "PNG")


def _at(y: int, mo: int, d: int, h: int = 12, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=UTC)


NEG_SDXL = "blurry, lowres, bad anatomy, watermark, text, signature, oversaturated"
NEG_SD15 = "(worst quality, low quality:1.4), lowres, deformed, bad hands, watermark, text"
JUGGERNAUT = ("juggernautXL_v9Rdphoto2Lightning", "c8df560d29")


def a1111_samples() -> list[Sample]:
    out: list[Sample] = []

    p = "cyberpunk neon alley at night in heavy rain, glowing magenta and cyan signs, wet asphalt reflections, lone figure with a transparent umbrella, steam rising from vents, cinematic, blade runner atmosphere"
    text = a1111(
        p,
        NEG_SDXL,
        steps=30,
        sampler="DPM++ 2M",
        cfg=6,
        seed=2871649301,
        size=(832, 1216),
        model="juggernautXL_v9Rundiffusionphoto2",
        model_hash="c9e3e68f89",
        loras=[("neon_noir_sdxl_v2", 0.7, "a3f9c81e2b7d")],
    )
    art = [
        ("sky", "#0b0820", "#3a0f4a"),
        ("box", 0, 0.15, 0.28, 1, "#140f26"),
        ("box", 0.72, 0.1, 1, 1, "#120c22"),
        ("strips", 9, ["#ff2bd6", "#22e6ff", "#ff5f9e", "#7a5cff"], 7),
        ("box", 0, 0.82, 1, 1, "#1a1030"),
        ("line", [(0.3, 0.9), (0.7, 0.9)], "#ff2bd6", 2),
        ("oval", 0.44, 0.6, 0.56, 0.66, "#9fd8ff"),
        ("box", 0.48, 0.64, 0.52, 0.84, "#050505"),
        ("rain", 90, "#8fa8d8", 11),
    ]
    out.append(
        Sample(
            "a1111/00042-2871649301.png",
            (832, 1216),
            art,
            _at(2025, 3, 14, 22, 41),
            _png({"parameters": text}),
        )
    )

    p = "portrait of a medieval knight in battered plate armor, holding a longsword, misty castle courtyard behind him, dramatic rim lighting, oil painting, highly detailed"
    text = a1111(
        p,
        "cartoon, anime, blurry, extra fingers, watermark",
        steps=8,
        sampler="DPM++ SDE",
        cfg=2,
        seed=1730295512,
        size=(1024, 1024),
        model="dreamshaperXL_v21TurboDPMSDE",
        model_hash="4496b36d48",
    )
    art = [
        ("sky", "#6f7780", "#2c3036"),
        ("box", 0.05, 0.25, 0.2, 0.8, "#4b5058"),
        ("box", 0.8, 0.2, 0.95, 0.8, "#4b5058"),
        ("oval", 0.25, 0.6, 0.75, 1.1, "#8a9099"),
        ("box", 0.36, 0.22, 0.64, 0.55, "#a7adb5"),
        ("disc", 0.5, 0.24, 0.14, "#a7adb5"),
        ("box", 0.38, 0.36, 0.62, 0.39, "#1a1a1a"),
        ("poly", [(0.5, 0.1), (0.62, 0.02), (0.58, 0.16)], "#a3222a"),
        ("line", [(0.82, 0.95), (0.88, 0.35)], "#d8dde3", 4),
    ]
    out.append(
        Sample(
            "a1111/00057-1730295512.png",
            (1024, 1024),
            art,
            _at(2024, 11, 2, 19, 5),
            _png({"parameters": text}),
        )
    )

    p = "majestic alpine mountain range at sunrise, golden light on snowy peaks, low clouds drifting in the valley, pine forest in the foreground, landscape photography, 24mm, crisp detail"
    text = a1111(
        p,
        "people, buildings, haze, lowres, jpeg artifacts",
        steps=40,
        sampler="Euler a",
        schedule=None,
        cfg=7,
        seed=918273645,
        size=(1216, 832),
        model="sd_xl_base_1.0",
        model_hash="31e35c80fc",
        extra={"Refiner": "sd_xl_refiner_1.0 [7440042bbd]", "Refiner switch at": 0.8},
    )
    art = [
        ("sky", "#2b4a7a", "#f6b26b", 0, 0.7),
        ("disc", 0.7, 0.6, 0.08, "#ffe08a"),
        ("ridge", 0.45, 0.12, "#6b6f8c", 3),
        ("ridge", 0.6, 0.08, "#3f4660", 5),
        ("poly", [(0.25, 0.4), (0.3, 0.33), (0.35, 0.41)], "#ffffff"),
        ("ridge", 0.8, 0.05, "#1d3b2a", 8),
    ]
    out.append(
        Sample(
            "a1111/00063-918273645.jpg",
            (1216, 832),
            art,
            _at(2024, 6, 21, 5, 48),
            partial(fm.write_jpeg_with_usercomment, text=text),
        )
    )

    p = "loose watercolor painting of wildflowers in a glass jar, red poppies and blue cornflowers, soft washes, white paper texture, botanical illustration"
    text = a1111(
        p,
        "photo, 3d render, harsh lines, text",
        steps=28,
        sampler="DPM++ 2M",
        cfg=5.5,
        seed=4061117290,
        size=(896, 1152),
        model="realvisxlV40_v40Bakedvae",
        model_hash="f18a6a7ee1",
        loras=[("watercolor_style_xl", 0.9, "5be1c0d4a7f2")],
    )
    art = [
        ("sky", "#fbf7ef", "#efe8da"),
        ("box", 0.36, 0.6, 0.64, 0.95, "#cfe3ec"),
        ("line", [(0.5, 0.62), (0.4, 0.3)], "#5d8a4e", 2),
        ("line", [(0.5, 0.62), (0.6, 0.25)], "#5d8a4e", 2),
        ("line", [(0.5, 0.62), (0.5, 0.2)], "#5d8a4e", 2),
        (
            "scatter",
            14,
            ["#d8383a", "#e4574f", "#4a6fd1", "#6c8ee6"],
            21,
            (0.04, 0.07),
            (0.28, 0.12, 0.72, 0.4),
        ),
        ("blur", 2.2),
    ]
    out.append(
        Sample(
            "a1111/00071-4061117290.webp",
            (896, 1152),
            art,
            _at(2025, 4, 9, 10, 12),
            partial(fm.write_webp_with_usercomment, text=text),
        )
    )

    p = "studio portrait photograph of an elderly woman with silver hair, warm smile, soft window light, 85mm lens, shallow depth of field, kodak portra 400"
    text = a1111(
        p,
        NEG_SD15 + ", cartoon, 3d",
        steps=25,
        sampler="DPM++ 2M",
        cfg=5,
        seed=3365150847,
        size=(512, 768),
        model="realisticVisionV60B1_v51HyperVAE",
        model_hash="f47e942ad4",
        extra={
            "Denoising strength": 0.4,
            "Hires upscale": 2,
            "Hires steps": 15,
            "Hires upscaler": "4x-UltraSharp",
            "ControlNet 0": fm.a1111_controlnet("depth_midas", "control_v11f1p_sd15_depth [cfd03158]", 0.8),
        },
    )
    art = [
        ("sky", "#cbb8a4", "#7a6a5c"),
        ("oval", 0.15, 0.72, 0.85, 1.3, "#2f3a4a"),
        ("box", 0.44, 0.55, 0.56, 0.75, "#e2b79a"),
        ("oval", 0.28, 0.12, 0.72, 0.52, "#d9dde2"),
        ("oval", 0.33, 0.2, 0.67, 0.62, "#e8c2a5"),
        ("disc", 0.42, 0.36, 0.02, "#3a2a22"),
        ("disc", 0.58, 0.36, 0.02, "#3a2a22"),
        ("line", [(0.43, 0.5), (0.5, 0.53), (0.57, 0.5)], "#a5524e", 2),
    ]
    out.append(
        Sample(
            "a1111/00088-3365150847.png",
            (512, 768),
            art,
            _at(2024, 9, 30, 15, 20),
            _png({"parameters": text}),
        )
    )

    p = "a fluffy golden retriever puppy playing in autumn leaves, tongue out, sunny afternoon, bokeh, pet photography"
    text = a1111(
        p,
        "lowres, deformed paws, blurry",
        steps=20,
        sampler="Euler a",
        schedule=None,
        cfg=7,
        seed=2207716934,
        size=(512, 512),
        model="v1-5-pruned-emaonly",
        model_hash="6ce0161689",
    )
    art = [
        ("sky", "#f3c27a", "#c9692c"),
        ("scatter", 40, ["#e07b24", "#b8461f", "#f2a93b"], 4, (0.015, 0.03), (0, 0.7, 1, 1)),
        ("critter", 0.5, 0.42, 0.17, "#e3b066", "dog"),
        ("oval", 0.47, 0.52, 0.53, 0.6, "#e06a7a"),
    ]
    out.append(
        Sample(
            "a1111/00091-2207716934.png",
            (512, 512),
            art,
            _at(2023, 10, 15, 16, 2),
            _png({"parameters": text}),
        )
    )

    p = "桜の咲く京都の古い寺, an old temple in Kyoto with cherry blossoms in full bloom, stone lanterns, spring morning, pink petals falling, ukiyo-e inspired"
    text = a1111(
        p,
        "lowres, bad anatomy, text, modern buildings",
        steps=28,
        sampler="Euler a",
        schedule=None,
        cfg=7,
        seed=1048576333,
        size=(832, 1216),
        model="animagineXLV31",
        model_hash="e3c47aedb0",
    )
    art = [
        ("sky", "#f7e6ea", "#d7e8f2"),
        ("poly", [(0.15, 0.5), (0.5, 0.32), (0.85, 0.5)], "#3b2b2b"),
        ("box", 0.25, 0.5, 0.75, 0.8, "#a8322d"),
        ("box", 0.42, 0.6, 0.58, 0.8, "#2b1d1d"),
        ("box", 0, 0.8, 1, 1, "#bfb4a4"),
        ("scatter", 45, ["#f4b6c8", "#f8cfdc", "#e89ab3"], 17, (0.015, 0.035), (0, 0, 1, 0.45)),
    ]
    out.append(
        Sample(
            "a1111/00104-1048576333.png", (832, 1216), art, _at(2025, 4, 2, 7, 30), _png({"parameters": text})
        )
    )

    p = "overhead food photography of a bowl of tonkotsu ramen, soft boiled egg, chashu pork, scallions, chopsticks, dark slate table, steam rising, natural light"
    text = a1111(
        p,
        NEG_SDXL,
        steps=30,
        sampler="DPM++ 2M SDE",
        cfg=5,
        seed=702915553,
        size=(1024, 1024),
        model=JUGGERNAUT[0],
        model_hash=JUGGERNAUT[1],
    )
    art = [
        ("sky", "#2e3236", "#1f2225"),
        ("disc", 0.5, 0.5, 0.36, "#efeae2"),
        ("disc", 0.5, 0.5, 0.3, "#d9b27c"),
        ("disc", 0.4, 0.42, 0.08, "#fbfbf5"),
        ("disc", 0.4, 0.42, 0.045, "#f2a31b"),
        ("oval", 0.52, 0.38, 0.7, 0.5, "#a8614a"),
        ("scatter", 18, ["#5fa84a", "#7cc35f"], 3, (0.008, 0.015), (0.3, 0.5, 0.7, 0.72)),
        ("line", [(0.75, 0.15), (0.95, 0.7)], "#5a3b24", 3),
        ("line", [(0.8, 0.13), (0.99, 0.66)], "#5a3b24", 3),
    ]
    out.append(
        Sample(
            "a1111/00112-702915553.jpg",
            (1024, 1024),
            art,
            _at(2025, 1, 19, 13, 5),
            partial(fm.write_jpeg_with_usercomment, text=text),
        )
    )

    # Forge (A1111's fork) running Flux, in its dated output folder (nested, with a space)
    p = "post-apocalyptic city overgrown with vines, collapsed skyscrapers, rusted cars on a cracked highway, dust storm, orange haze, wide angle, concept art"
    text = a1111(
        p,
        "",
        steps=20,
        sampler="Euler",
        schedule="Simple",
        cfg=1,
        seed=1184726290,
        size=(1152, 896),
        model="flux1-dev-bnb-nf4-v2",
        model_hash="f0770152b4",
        extra={
            "Distilled CFG Scale": 3.5,
            "Module 1": "ae",
            "Module 2": "clip_l",
            "Module 3": "t5xxl_fp8_e4m3fn",
        },
        version="f2.0.1v1.10.1-previous-519-g44eb4ea8",
    )
    art = [
        ("sky", "#d98b45", "#8a4b2a"),
        ("box", 0.08, 0.3, 0.22, 1, "#3e2a20"),
        ("poly", [(0.3, 1), (0.3, 0.4), (0.38, 0.32), (0.44, 0.45), (0.44, 1)], "#4a3225"),
        ("box", 0.6, 0.22, 0.76, 1, "#3a281f"),
        ("box", 0.82, 0.45, 0.95, 1, "#4a3225"),
        ("scatter", 20, ["#4f7a3a", "#3d6b2e"], 9, (0.01, 0.025), (0.05, 0.5, 0.95, 0.95)),
        ("ridge", 0.88, 0.03, "#5a4030", 12),
        ("blur", 1.2),
    ]
    out.append(
        Sample(
            "a1111/Forge outputs/txt2img-images/2024-12-08/00003-1184726290.png",
            (1152, 896),
            art,
            _at(2024, 12, 8, 21, 17),
            _png({"parameters": text}),
        )
    )
    return out


def comfyui_samples() -> list[Sample]:
    out: list[Sample] = []

    graphs = cu.sd15_txt2img(
        "two fluffy kittens sleeping in a wicker basket, soft knitted blanket, warm morning light, cute, adorable, photo",
        "text, watermark, blurry, extra limbs, deformed",
        ckpt="v1-5-pruned-emaonly.safetensors",
        seed=530226419865123,
        steps=25,
        cfg=7.0,
        sampler="euler_ancestral",
        scheduler="normal",
        size=(512, 512),
    )
    art = [
        ("sky", "#f6e3c6", "#d8b48a"),
        ("oval", 0.08, 0.55, 0.92, 1.05, "#a87a45"),
        ("critter", 0.35, 0.5, 0.13, "#f0a04b", "cat"),
        ("critter", 0.66, 0.52, 0.13, "#9a9a9a", "cat"),
        ("box", 0.08, 0.78, 0.92, 1, "#8c6236"),
    ]
    out.append(
        Sample("comfyui/ComfyUI_00012_.png", (512, 512), art, _at(2025, 2, 3, 9, 12), _comfy_png(graphs))
    )

    graphs = cu.sdxl_base_refiner(
        "a happy corgi puppy running on a sandy beach, ears flopping, splashing waves, golden hour",
        "cute corgi puppy, beach, golden hour, photo",
        "cartoon, painting, blurry, deformed",
        seed=887461230055412,
    )
    art = [
        ("sky", "#8ec5e8", "#f5d08a", 0, 0.55),
        ("box", 0, 0.5, 1, 0.65, "#3f8fc0"),
        ("box", 0, 0.65, 1, 1, "#e8cf9a"),
        ("critter", 0.5, 0.45, 0.14, "#d98a3d", "dog"),
        ("oval", 0.44, 0.48, 0.56, 0.56, "#ffffff"),
    ]
    out.append(
        Sample("comfyui/ComfyUI_00027_.png", (1024, 1024), art, _at(2025, 2, 11, 18, 40), _comfy_png(graphs))
    )

    graphs = cu.flux_dev(
        "two small robins perched on a snowy branch, fluffy feathers, red breasts, tiny winter berries, soft morning light, macro wildlife photography",
        guidance=3.5,
        seed=610037728411901,
        power_loras=[
            ("flux/detailed_feathers_v1.safetensors", 0.8, True),
            ("flux/film_grain_flux.safetensors", 0.35, False),
        ],
    )
    art = [
        ("sky", "#c9d8e6", "#eef2f6"),
        ("line", [(0, 0.7), (1, 0.62)], "#4a3426", 6),
        ("line", [(0.1, 0.69), (0.9, 0.6)], "#ffffff", 2),
        ("bird", 0.33, 0.56, 0.1, "#7a6552", "#e0603a"),
        ("bird", 0.66, 0.52, 0.09, "#7a6552", "#e0603a"),
        ("scatter", 6, ["#c0262d"], 5, (0.012, 0.018), (0.1, 0.66, 0.9, 0.72)),
    ]
    out.append(
        Sample("comfyui/ComfyUI_00031_.png", (1024, 1024), art, _at(2025, 1, 6, 8, 55), _comfy_png(graphs))
    )

    graphs = cu.lora_stack(
        loras=[("storybook_illustration_v3.safetensors", 0.8, 0.8), ("add_detail.safetensors", 0.5, 0.5)],
        model_only=("lcm-lora-sdv1-5.safetensors", 1.0),
        prompt="a fluffy baby owl with huge round eyes sitting on a mossy branch, cute, adorable, storybook illustration",
        negative="(worst quality:1.4), lowres, scary",
    )
    art = [
        ("sky", "#1f3d3a", "#4f7b5a"),
        ("line", [(0, 0.86), (1, 0.8)], "#5b4a2e", 8),
        ("critter", 0.5, 0.45, 0.2, "#b8a48a", "owl"),
    ]
    out.append(
        Sample("comfyui/lora_stack_00004_.png", (512, 768), art, _at(2024, 10, 28, 20, 3), _comfy_png(graphs))
    )

    graphs = cu.flux_dev(
        "a red panda cub hugging a bamboo stalk, fluffy striped tail, big curious eyes, cute, soft forest light",
        guidance=3.0,
        seed=104729000113,
    )
    art = [
        ("sky", "#7fae6a", "#2f5a33"),
        ("box", 0.72, 0, 0.78, 1, "#9bc25a"),
        ("critter", 0.5, 0.42, 0.16, "#c4542b", "round"),
        ("oval", 0.42, 0.45, 0.58, 0.55, "#f3e3d3"),
    ]
    out.append(
        Sample(
            "comfyui/ComfyUI_00050_.webp", (1024, 1024), art, _at(2025, 5, 17, 11, 22), _comfy_webp(graphs)
        )
    )

    graphs = cu.controlnet_depth(
        "a bright scandinavian living room interior, white oak floor, linen sofa, large windows, potted plants, soft daylight, architectural photography",
        "cluttered, dark, low quality, distorted lines",
    )
    art = [
        ("sky", "#f1efe9", "#e4e0d8", 0, 0.7),
        ("box", 0, 0.7, 1, 1, "#d8b98c"),
        ("box", 0.12, 0.12, 0.45, 0.55, "#cfe4f2"),
        ("box", 0.28, 0.12, 0.29, 0.55, "#ffffff"),
        ("box", 0.45, 0.5, 0.9, 0.75, "#cfc6b6"),
        ("box", 0.47, 0.42, 0.88, 0.55, "#bdb3a2"),
        ("disc", 0.2, 0.62, 0.08, "#4f7f4a"),
        ("box", 0.17, 0.66, 0.23, 0.78, "#8a6a4a"),
    ]
    out.append(
        Sample("comfyui/controlnet_00003_.png", (768, 512), art, _at(2024, 8, 19, 14, 0), _comfy_png(graphs))
    )

    graphs = cu.primitive_prompt(
        "a lighthouse on a rocky cliff at dusk",
        "crashing waves, dramatic clouds, volumetric light beam, oil painting",
        "blurry, lowres, jpeg artifacts",
    )
    art = [
        ("sky", "#3b2f5c", "#f08a5d", 0, 0.65),
        ("box", 0, 0.65, 1, 1, "#1f3550"),
        ("poly", [(0, 0.55), (0.3, 0.5), (0.45, 0.7), (0.45, 1), (0, 1)], "#2a2523"),
        ("poly", [(0.26, 0.22), (0.9, 0.1), (0.9, 0.2)], "#f7e39a"),
        ("box", 0.2, 0.22, 0.3, 0.52, "#f2f0ea"),
        ("box", 0.2, 0.33, 0.3, 0.38, "#c0392b"),
        ("disc", 0.25, 0.2, 0.04, "#ffe27a"),
        ("ridge", 0.72, 0.02, "#e8eef4", 2),
        ("ridge", 0.75, 0.02, "#1f3550", 6),
    ]
    out.append(
        Sample("comfyui/primitives_00008_.png", (832, 1216), art, _at(2024, 7, 4, 21, 30), _comfy_png(graphs))
    )

    graphs = cu.sd15_txt2img(
        "a raging ocean storm at night, towering waves, forked lightning striking the sea, dark clouds, a small fishing boat, dramatic seascape",
        "calm water, sunny, lowres, text",
        ckpt="juggernaut_reborn.safetensors",
        seed=99887766554433,
        steps=30,
        cfg=6.5,
        sampler="dpmpp_2m",
        scheduler="karras",
        size=(768, 512),
    )
    art = [
        ("sky", "#10141f", "#39455a", 0, 0.6),
        ("bolt", 0.62, 0.62, "#f4f1c9", 13),
        ("ridge", 0.6, 0.08, "#15273a", 4),
        ("ridge", 0.75, 0.06, "#0e1c2b", 9),
        ("poly", [(0.25, 0.66), (0.38, 0.66), (0.35, 0.7), (0.27, 0.7)], "#6b4a2a"),
    ]
    out.append(
        Sample("comfyui/ComfyUI_00063_.webp", (768, 512), art, _at(2024, 11, 22, 23, 10), _comfy_webp(graphs))
    )

    graphs = sdxl_lora_graph(
        "a tiny hamster eating a strawberry, chubby cheeks, pastel background, cute, adorable, kawaii 3d render",
        "realistic, scary, lowres, blurry",
        ckpt="dreamshaperXL_v21TurboDPMSDE.safetensors",
        lora=("cute_3d_render_xl.safetensors", 0.75),
        seed=271828182845,
        steps=8,
        cfg=2.0,
        sampler="dpmpp_sde",
        scheduler="karras",
        size=(1024, 1024),
    )
    art = [
        ("sky", "#ffd9e4", "#d6ecff"),
        ("critter", 0.5, 0.42, 0.17, "#e8b57a", "round"),
        ("oval", 0.38, 0.46, 0.46, 0.56, "#f6d9b8"),
        ("oval", 0.54, 0.46, 0.62, 0.56, "#f6d9b8"),
        ("disc", 0.5, 0.7, 0.08, "#e0323c"),
        ("scatter", 8, ["#ffe66b"], 2, (0.004, 0.006), (0.44, 0.64, 0.56, 0.76)),
    ]
    out.append(
        Sample("comfyui/ComfyUI_00082_.png", (1024, 1024), art, _at(2025, 6, 1, 17, 45), _comfy_png(graphs))
    )

    # image edits, in a sub-folder
    graphs = cu.qwen_image_edit(
        "replace the parked cars with a row of bicycles and add flower boxes to the windows, keep the street unchanged"
    )
    art = [
        ("sky", "#a9c7e3", "#dde9f3", 0, 0.3),
        ("box", 0, 0.15, 0.45, 0.8, "#c98f6a"),
        ("box", 0.55, 0.1, 1, 0.8, "#e3d3b4"),
        ("box", 0.08, 0.3, 0.18, 0.42, "#34495e"),
        ("box", 0.07, 0.42, 0.19, 0.45, "#d64a7a"),
        ("box", 0.65, 0.25, 0.75, 0.37, "#34495e"),
        ("box", 0.64, 0.37, 0.76, 0.4, "#d64a7a"),
        ("box", 0, 0.8, 1, 1, "#6d6d6d"),
        ("disc", 0.3, 0.8, 0.05, "#222222"),
        ("disc", 0.42, 0.8, 0.05, "#222222"),
        ("disc", 0.6, 0.8, 0.05, "#222222"),
        ("disc", 0.72, 0.8, 0.05, "#222222"),
    ]
    out.append(
        Sample(
            "comfyui/edits/ComfyUI_00071_.png", (1024, 1024), art, _at(2025, 8, 12, 10, 5), _comfy_png(graphs)
        )
    )

    graphs = cu.flux_kontext_edit(
        "turn the person into a claymation character, plasticine texture, stop-motion style, keep the pose and the background",
        guidance=2.5,
    )
    art = [
        ("sky", "#ffcf7a", "#ff9f68"),
        ("oval", 0.25, 0.55, 0.75, 1.05, "#4f9de0"),
        ("critter", 0.5, 0.38, 0.2, "#f2b48c", "none"),
        ("oval", 0.32, 0.12, 0.68, 0.28, "#6b3b1f"),
        ("line", [(0.42, 0.5), (0.5, 0.54), (0.58, 0.5)], "#7a2e2e", 3),
    ]
    out.append(
        Sample(
            "comfyui/edits/ComfyUI_00075_.png",
            (1024, 1024),
            art,
            _at(2025, 8, 20, 16, 50),
            _comfy_png(graphs),
        )
    )
    return out


def invokeai_samples() -> list[Sample]:
    out: list[Sample] = []

    chunks = fm.invokeai_metadata(
        "a sleek exploration spaceship leaving a ringed gas giant, blue ion engines, colourful nebula in the background, cinematic sci-fi concept art",
        "lowres, blurry, text, watermark",
        model="Juggernaut XL v9",
        seed=3517845170,
        steps=30,
        cfg_scale=6.5,
        scheduler="dpmpp_2m_k",
        width=1216,
        height=832,
        loras=[("Sci-fi Environments XL", 0.6)],
        app_version="5.6.0",
    )
    art = [
        ("sky", "#05040c", "#1b1035"),
        ("scatter", 60, ["#ffffff", "#c8d8ff", "#ffe9c8"], 31, (0.002, 0.005)),
        ("oval", 0.05, 0.2, 0.25, 0.55, "#2a5d7a"),
        ("disc", 0.15, 0.5, 0.2, "#c98a4b"),
        ("line", [(0.0, 0.58), (0.3, 0.42)], "#e8d2a6", 2),
        ("poly", [(0.5, 0.5), (0.85, 0.4), (0.55, 0.58)], "#b9c2cc"),
        ("disc", 0.5, 0.54, 0.025, "#43b9ff"),
    ]
    out.append(
        Sample(
            "invokeai/8c5f1a2e-3b7d-4e9a-a1f0-6d2c9b4e7f13.png",
            (1216, 832),
            art,
            _at(2025, 7, 3, 20, 15),
            _png(chunks),
        )
    )

    chunks = fm.invokeai_metadata(
        "a rustic loaf of sourdough bread on a wooden board, butter and honey, morning light, food photography",
        "burnt, plastic, lowres",
        model="dreamshaper-xl-v2-turbo",
        base="sdxl",
        seed=2024061805,
        steps=8,
        cfg_scale=2.0,
        scheduler="dpmpp_sde_k",
        width=1024,
        height=1024,
        app_version="3.7.0",
        v3=True,
    )
    art = [
        ("sky", "#efe4d2", "#c9b49a"),
        ("box", 0.08, 0.45, 0.92, 0.92, "#9a6a3c"),
        ("oval", 0.2, 0.4, 0.7, 0.75, "#b9773c"),
        ("line", [(0.3, 0.5), (0.4, 0.62)], "#e9c68f", 3),
        ("line", [(0.45, 0.47), (0.55, 0.6)], "#e9c68f", 3),
        ("box", 0.72, 0.62, 0.86, 0.72, "#f6e27d"),
        ("disc", 0.8, 0.35, 0.07, "#e0a22a"),
    ]
    out.append(
        Sample(
            "invokeai/1d7e4b90-5c2a-4f8e-9b3d-7a6f0e1c2d45.png",
            (1024, 1024),
            art,
            _at(2024, 2, 17, 9, 0),
            _png(chunks),
        )
    )

    chunks = fm.invokeai_sd_metadata(
        "a fairytale castle on a floating island, waterfalls pouring into the clouds, rainbow, fantasy landscape, matte painting [blurry, lowres]",
        model_weights="stable-diffusion-1.5",
        sampler="k_euler_a",
        steps=40,
        cfg_scale=7.5,
        seed=3279497289,
    )
    art = [
        ("sky", "#6fb7ff", "#e8f4ff"),
        ("oval", 0.0, 0.7, 0.4, 0.85, "#ffffff"),
        ("oval", 0.6, 0.72, 1.0, 0.88, "#ffffff"),
        ("poly", [(0.2, 0.55), (0.8, 0.55), (0.5, 0.85)], "#6b5a44"),
        ("box", 0.2, 0.5, 0.8, 0.56, "#5c9a4a"),
        ("box", 0.38, 0.25, 0.62, 0.5, "#d8d2c8"),
        ("box", 0.3, 0.2, 0.37, 0.5, "#cfc8bc"),
        ("box", 0.63, 0.2, 0.7, 0.5, "#cfc8bc"),
        ("poly", [(0.29, 0.2), (0.335, 0.1), (0.38, 0.2)], "#4a5ea8"),
        ("poly", [(0.62, 0.2), (0.665, 0.1), (0.71, 0.2)], "#4a5ea8"),
        ("line", [(0.74, 0.56), (0.76, 0.95)], "#cfeaff", 3),
    ]
    out.append(
        Sample("invokeai/000142.3279497289.png", (512, 512), art, _at(2023, 5, 8, 14, 33), _png(chunks))
    )

    chunks = fm.invokeai_dream(
        "an old steam locomotive crossing a stone viaduct in the highlands, autumn colours, morning mist",
        steps=50,
        seed=2741853,
        width=512,
        height=512,
        cfg_scale=7.5,
        sampler="k_lms",
    )
    art = [
        ("sky", "#c7cfd6", "#e9e4d8", 0, 0.6),
        ("ridge", 0.5, 0.08, "#b9713c", 3),
        ("box", 0.0, 0.45, 1.0, 0.95, "#8d857a"),
        *[("oval", 0.05 + 0.2 * i, 0.58, 0.15 + 0.2 * i, 1.1, "#c98a4a") for i in range(5)],
        ("box", 0.0, 0.95, 1.0, 1.0, "#6b5a34"),
        ("box", 0.2, 0.33, 0.55, 0.45, "#1e1e1e"),
        ("box", 0.45, 0.26, 0.52, 0.33, "#1e1e1e"),
        ("scatter", 8, ["#dcdcdc", "#ececec"], 6, (0.02, 0.04), (0.45, 0.05, 0.6, 0.25)),
    ]
    out.append(Sample("invokeai/000017.2741853.png", (512, 512), art, _at(2023, 3, 12, 11, 11), _png(chunks)))
    return out


def other_samples() -> list[Sample]:
    out: list[Sample] = []

    chunks = fm.novelai_chunks(
        "1girl, silver hair, round glasses, reading a book, cozy library, tall bookshelves, warm lamp light, best quality, amazing quality, very aesthetic, absurdres",
        "lowres, bad anatomy, bad hands, text, error, worst quality, jpeg artifacts, signature, watermark",
        seed=2984712,
        steps=28,
        scale=5.0,
        width=832,
        height=1216,
    )
    art = [
        ("sky", "#4a2f22", "#2a1a12"),
        *[("box", 0.05, 0.1 + 0.2 * i, 0.95, 0.12 + 0.2 * i, "#6b4630") for i in range(5)],
        (
            "scatter",
            40,
            ["#8c3b2e", "#2e5a8c", "#3f7a4a", "#c9a24a"],
            8,
            (0.01, 0.02),
            (0.05, 0.05, 0.95, 0.9),
        ),
        ("disc", 0.85, 0.2, 0.06, "#ffd77a"),
        ("oval", 0.3, 0.6, 0.7, 1.05, "#2f3b5a"),
        ("oval", 0.33, 0.22, 0.67, 0.6, "#dfe3ea"),
        ("disc", 0.5, 0.45, 0.14, "#f4d8c4"),
        ("box", 0.38, 0.62, 0.62, 0.72, "#a32a2a"),
    ]
    out.append(
        Sample(
            "other/novelai/1girl, silver hair, round glasses, reading a book s-2984712.png",
            (832, 1216),
            art,
            _at(2024, 4, 27, 23, 58),
            _png(chunks),
        )
    )

    chunks = fm.novelai_chunks(
        "a nine-tailed white fox spirit standing at a snowy mountain shrine, red torii gate, falling snow, moonlight, fantasy, very aesthetic",
        "lowres, blurry, bad anatomy, text",
        seed=3141592653,
        steps=23,
        scale=6.0,
        width=1216,
        height=832,
        sampler="k_euler_ancestral",
        source="NovelAI Diffusion V4.5 1229B44F",
        v4=True,
        legacy_keys=False,
    )
    art = [
        ("sky", "#0f1a3a", "#4a5f8c"),
        ("disc", 0.82, 0.2, 0.07, "#f4f1e0"),
        ("box", 0, 0.75, 1, 1, "#e9eef5"),
        ("box", 0.15, 0.25, 0.5, 0.3, "#c0282d"),
        ("box", 0.2, 0.3, 0.24, 0.78, "#c0282d"),
        ("box", 0.41, 0.3, 0.45, 0.78, "#c0282d"),
        ("critter", 0.7, 0.52, 0.08, "#f8f8fb", "cat"),
        ("scatter", 50, ["#ffffff"], 19, (0.003, 0.007)),
    ]
    out.append(
        Sample(
            "other/novelai/a nine-tailed white fox spirit s-3141592653.png",
            (1216, 832),
            art,
            _at(2025, 6, 14, 0, 12),
            _png(chunks),
        )
    )

    params = fm.fooocus_json(
        "isometric tiny island with a treehouse, waterfall, lush greenery, diorama, soft lighting",
        "unrealistic, saturated, high contrast, big nose, painting, drawing, sketch, cartoon, anime",
        seed=5521908776,
        steps=30,
        guidance_scale=4.0,
        resolution=(1152, 896),
        loras=[("sd_xl_offset_example-lora_1.0.safetensors", 0.1, "4852686128")],
    )
    art = [
        ("sky", "#bfe6f2", "#7cc4dc"),
        ("oval", 0.2, 0.45, 0.8, 0.85, "#3c8f4a"),
        ("oval", 0.24, 0.6, 0.76, 0.92, "#8a6a4a"),
        ("box", 0.47, 0.25, 0.52, 0.6, "#6b4a2e"),
        ("disc", 0.5, 0.25, 0.13, "#4aa35a"),
        ("box", 0.42, 0.33, 0.58, 0.42, "#b07a48"),
        ("line", [(0.72, 0.62), (0.74, 0.9)], "#dff4ff", 4),
    ]
    out.append(
        Sample(
            "other/fooocus/2025-02-16_19-42-07_5521.png",
            (1152, 896),
            art,
            _at(2025, 2, 16, 19, 42),
            _png(fm.fooocus_png_chunks(params)),
        )
    )

    params = fm.fooocus_a1111_parameters(
        "a vintage red sports car on a winding coastal road at sunset, cinematic, 35mm film",
        "modern, cartoon, lowres",
        base_model="juggernautXL_v8Rundiffusion",
        seed=1187003142,
        steps=30,
        guidance_scale=4.5,
        resolution=(1216, 832),
        sampler="DPM++ 2M SDE Karras",
    )
    art = [
        ("sky", "#f2a35e", "#8e4b7a", 0, 0.55),
        ("disc", 0.75, 0.5, 0.07, "#ffd27a"),
        ("box", 0, 0.5, 1, 0.7, "#3a4f7a"),
        ("poly", [(0, 0.85), (1, 0.7), (1, 0.8), (0, 1)], "#4a4a4a"),
        ("box", 0.32, 0.72, 0.6, 0.8, "#c0262d"),
        ("poly", [(0.38, 0.72), (0.42, 0.66), (0.52, 0.66), (0.56, 0.72)], "#c0262d"),
        ("disc", 0.38, 0.8, 0.03, "#151515"),
        ("disc", 0.54, 0.8, 0.03, "#151515"),
    ]
    out.append(
        Sample(
            "other/fooocus/2025-02-16_20-05-33_1187.jpg",
            (1216, 832),
            art,
            _at(2025, 2, 16, 20, 5),
            partial(fm.write_jpeg, exif=fm.fooocus_exif(params, "a1111")),
        )
    )

    created = datetime(2025, 3, 30, 18, 4, 11, tzinfo=UTC)
    art = [
        ("sky", "#ffffff", "#f6f6f6"),
        ("poly", [(0.25, 0.3), (0.35, 0.1), (0.45, 0.35)], "#ee7a21"),
        ("poly", [(0.55, 0.35), (0.65, 0.1), (0.75, 0.3)], "#ee7a21"),
        ("poly", [(0.22, 0.3), (0.78, 0.3), (0.5, 0.85)], "#ee7a21"),
        ("poly", [(0.3, 0.45), (0.5, 0.6), (0.5, 0.85)], "#ffffff"),
        ("poly", [(0.7, 0.45), (0.5, 0.6), (0.5, 0.85)], "#ffffff"),
        ("disc", 0.5, 0.8, 0.035, "#2b2b2b"),
    ]
    out.append(
        Sample(
            "other/midjourney/fox_maker_minimalist_logo_of_a_fox_head_flat_vector_3b9e0c52-7a14-4d2f-9c61-0e8f5a2b7d43.png",
            (1024, 1024),
            art,
            created,
            partial(
                fm.write_midjourney_png,
                prompt="minimalist logo of a fox head, flat vector, geometric, orange on white, negative space",
                job_id="3b9e0c52-7a14-4d2f-9c61-0e8f5a2b7d43",
                params="--v 6.1 --style raw",
                created=created,
            ),
        )
    )

    created = datetime(2025, 9, 2, 7, 26, 40, tzinfo=UTC)
    art = [
        ("sky", "#0a1030", "#2a3a6a", 0, 0.7),
        ("scatter", 45, ["#ffffff", "#dfe8ff"], 23, (0.002, 0.005), (0, 0, 1, 0.6)),
        ("disc", 0.6, 0.38, 0.2, "#f3ecd0"),
        ("ridge", 0.68, 0.05, "#b07a45", 14),
        ("ridge", 0.8, 0.04, "#8c5a30", 15),
        *[("oval", 0.2 + 0.12 * i, 0.62, 0.28 + 0.12 * i, 0.68, "#1a1410") for i in range(4)],
        *[("box", 0.235 + 0.12 * i, 0.56, 0.25 + 0.12 * i, 0.63, "#1a1410") for i in range(4)],
    ]
    out.append(
        Sample(
            "other/midjourney/fox_maker_a_desert_caravan_of_camels_under_a_giant_full_moon_5d21a7e9-0b3c-4c8e-a1f2-9e7d6c5b4a31.png",
            (1456, 816),
            art,
            created,
            partial(
                fm.write_midjourney_png,
                prompt="a desert caravan of camels under a giant full moon, sand dunes, starry night, cinematic",
                job_id="5d21a7e9-0b3c-4c8e-a1f2-9e7d6c5b4a31",
                params="--ar 16:9 --v 7 --stylize 250",
                created=created,
            ),
        )
    )

    # a camera photo with only descriptive metadata (XMP, IPTC, EXIF), no generator
    shot = datetime(2023, 9, 17, 19, 42, 5, tzinfo=UTC)
    title = "Harbour at dusk"
    caption = "Fishing boats moored in a small harbour at dusk, lights reflecting on the calm water."
    keywords = ["harbour", "boats", "dusk", "sea", "travel"]
    art = [
        ("sky", "#2c3e6e", "#e89a6a", 0, 0.55),
        ("box", 0, 0.55, 1, 1, "#25344f"),
        ("poly", [(0.15, 0.6), (0.4, 0.6), (0.36, 0.67), (0.18, 0.67)], "#e8e2d4"),
        ("line", [(0.27, 0.6), (0.27, 0.35)], "#222222", 2),
        ("poly", [(0.55, 0.62), (0.85, 0.62), (0.8, 0.7), (0.58, 0.7)], "#3a6ea5"),
        ("line", [(0.68, 0.62), (0.68, 0.4)], "#222222", 2),
        ("scatter", 12, ["#ffd36a", "#ffb84a"], 10, (0.004, 0.008), (0, 0.5, 1, 0.55)),
        ("scatter", 12, ["#ffd36a"], 11, (0.002, 0.004), (0, 0.72, 1, 0.95)),
    ]
    out.append(
        Sample(
            "other/photos/Hafen in der Dämmerung.jpg",
            (4032, 3024),
            art,
            shot,
            partial(
                fm.write_jpeg,
                exif=fm.descriptive_exif(description=caption, date_time_original=shot, artist="Lena Brandt"),
                xmp=fm.xmp_packet(
                    title=title,
                    description=caption,
                    subject=keywords,
                    creator=["Lena Brandt"],
                    date_created=shot,
                ),
                iptc={
                    "ObjectName": title,
                    "Caption-Abstract": caption,
                    "Keywords": keywords,
                    "DateCreated": "20230917",
                    "TimeCreated": "194205+0000",
                    "By-line": "Lena Brandt",
                },
            ),
        )
    )

    shot = datetime(2024, 10, 20, 15, 3, 0, tzinfo=UTC)
    art = [
        ("sky", "#e9a04a", "#7a3a1e"),
        ("poly", [(0.4, 1), (0.48, 0.45), (0.52, 0.45), (0.6, 1)], "#b58a5a"),
        *[("box", x, 0.1, x + 0.04, 1, "#3a2516") for x in (0.08, 0.25, 0.7, 0.88)],
        ("scatter", 60, ["#d9541e", "#f2a12e", "#b8321a", "#f7c948"], 27, (0.02, 0.05), (0, 0, 1, 0.5)),
    ]
    out.append(
        Sample(
            "other/photos/autumn forest path.webp",
            (3000, 2000),
            art,
            shot,
            partial(
                fm.write_webp,
                xmp=fm.xmp_packet(
                    title="Autumn forest path",
                    description="A dirt path through a beech forest in full autumn colour.",
                    subject=["autumn", "forest", "path", "leaves"],
                    create_date=shot,
                ),
            ),
        )
    )

    # no metadata at all: only the file name and the pixels to go by
    art = [
        ("sky", "#1d2b53", "#7e2553"),
        ("disc", 0.3, 0.35, 0.18, "#ff77a8"),
        ("box", 0.5, 0.5, 0.9, 0.9, "#29adff"),
        ("poly", [(0.1, 0.9), (0.3, 0.6), (0.5, 0.9)], "#ffec27"),
    ]
    out.append(
        Sample(
            "other/screenshot 2024-08-02 at 21.14.07.png",
            (1024, 1024),
            art,
            _at(2024, 8, 2, 21, 14),
            _no_metadata,
        )
    )
    return out


def all_samples() -> list[Sample]:
    return [*a1111_samples(), *comfyui_samples(), *invokeai_samples(), *other_samples()]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder [./samples]")
    args = parser.parse_args(argv)
    out: Path = args.out

    samples = all_samples()
    wanted = {out / s.path for s in samples}
    if len(wanted) != len(samples):
        raise SystemExit("duplicate sample paths")
    if out.resolve() == DEFAULT_OUT and out.exists():  # drop images an older version of this script wrote
        for stale in sorted(
            p for p in out.rglob("*") if p.suffix.lower() in IMAGE_SUFFIXES and p not in wanted
        ):
            stale.unlink()
    for sample in samples:
        path = out / sample.path
        path.parent.mkdir(parents=True, exist_ok=True)
        image = draw(sample.art, thumb_size(*sample.gen_size))
        sample.write(path, image)
        stamp = sample.when.timestamp()
        os.utime(path, (stamp, stamp))
    total = sum(p.stat().st_size for p in wanted)
    print(f"wrote {len(samples)} images ({total / 1024:.0f} KiB) to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
