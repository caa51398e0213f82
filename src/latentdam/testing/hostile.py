"""A corpus of hostile files, generated (not stored): every format and chunk type latentdam
reads, broken every way a file from the wild or an attacker can be, mixed with good files that
must land. Deterministic for a seed, so a failure names a file that can be made again.

`write_corpus(folder, n)` writes about `n` files; `Corpus.good` are the ones whose image must be
in the library afterwards (their metadata may be odd: that is a warning, never a skip).
"""

from __future__ import annotations

import io
import json
import os
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from latentdam.testing import comfyui as graphs
from latentdam.testing.formats import (
    a1111_parameters,
    drawthings_xmp,
    exif_with_user_comment,
    invokeai_metadata,
    make_image,
    novelai_chunks,
    stealth_image,
    swarmui_parameters,
    write_png,
)


@dataclass(slots=True)
class Corpus:
    good: list[Path] = field(default_factory=list)  # valid images: must land, whatever their metadata
    hostile: list[Path] = field(default_factory=list)  # may be skipped, never crash or hang an ingest

    @property
    def files(self) -> list[Path]:
        return [*self.good, *self.hostile]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _png_bytes(image: Image.Image, chunks: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    write_png(buffer, image, chunks)  # type: ignore[arg-type]
    return buffer.getvalue()


def _deep(rng: random.Random) -> str:
    depth = rng.choice([1_000, 5_000, 50_000, 200_000])
    opener, closer = rng.choice([("[", "]"), ('{"a":', "}")])
    return opener * depth + "1" + closer * depth


def _run(rng: random.Random) -> str:
    """A long run that a careless regular expression backtracks over."""
    unit = rng.choice(
        ["1", "a-", "<lora:", "(", "[", "by ", "embedding:", "__", "::", "a:1.", "\\(", ",", " AND "]
    )
    return unit * rng.choice([10_000, 50_000, 150_000])


def _text(rng: random.Random) -> str:
    """Text with what columns and tokenizers refuse: lone surrogates, NULs, control bytes."""
    parts = ["a fox", "\ud800", "\x00", "\udfff x", "\x1b[31m", "😀", "é", "\u202e", "\ufeff"]
    return " ".join(rng.choice(parts) for _ in range(rng.randrange(2, 30)))


class _Writer:
    def __init__(self, folder: Path, seed: int) -> None:
        self.folder = folder
        self.rng = random.Random(seed)
        self.corpus = Corpus()
        self.count = 0

    def _path(self, kind: str, suffix: str) -> Path:
        self.count += 1
        return self.folder / f"{self.count:05d}-{kind}{suffix}"

    def image(self, side: int = 32) -> Image.Image:
        return make_image(self.rng.randrange(10_000), (side, side))

    def good(self, kind: str, data: bytes, suffix: str = ".png") -> None:
        path = self._path(kind, suffix)
        path.write_bytes(data)
        self.corpus.good.append(path)

    def bad(self, kind: str, data: bytes, suffix: str = ".png") -> None:
        path = self._path(kind, suffix)
        path.write_bytes(data)
        self.corpus.hostile.append(path)


# Each family writes one file per call; good_* families write valid images with odd metadata.


def good_a1111(w: _Writer) -> None:
    settings = {
        "Steps": 20,
        "Sampler": "Euler a",
        "CFG scale": 7,
        "Seed": w.rng.randrange(2**32),
        "Size": "32x32",
    }
    w.good(
        "a1111",
        _png_bytes(w.image(), {"parameters": a1111_parameters(f"a good picture {w.count}", "", settings)}),
    )


def good_comfyui(w: _Writer) -> None:
    builders: list[Callable[[], tuple[graphs.Graph, graphs.Graph]]] = [
        graphs.sd15_txt2img,
        graphs.sdxl_base_refiner,
        graphs.flux_dev,
    ]
    prompt, workflow = w.rng.choice(builders)()
    w.good("comfyui", _png_bytes(w.image(), {"prompt": json.dumps(prompt), "workflow": json.dumps(workflow)}))


def good_jpeg_webp(w: _Writer) -> None:
    fmt = w.rng.choice(["JPEG", "WEBP"])
    buffer = io.BytesIO()
    exif = exif_with_user_comment(a1111_parameters(f"a jpeg {w.count}", "", {"Steps": 12, "Seed": 3}))
    w.image().save(buffer, fmt, exif=exif)
    w.good("usercomment", buffer.getvalue(), ".jpg" if fmt == "JPEG" else ".webp")


def good_odd_metadata(w: _Writer) -> None:
    """Valid images whose metadata is broken or absurd: the image must land, with warnings."""
    rng = w.rng
    choice = rng.randrange(10)
    if choice == 0:
        chunks = {
            "parameters": a1111_parameters(
                "big numbers",
                "",
                {"Steps": 2**40, "Seed": 2**80, "Size": "99999999999x1", "CFG scale": "nan"},
            )
        }
    elif choice == 1:
        chunks = {
            rng.choice(["prompt", "workflow", "invokeai_metadata", "Comment", "sd-metadata"]): _deep(rng)
        }
    elif choice == 2:
        chunks = {"parameters": "a cat\nSteps: 20, Hashes: " + _deep(rng)}
    elif choice == 3:
        chunks = {"parameters": _run(rng) + "\nSteps: 20, Seed: 1"}
    elif choice == 4:
        text = json.dumps(_text(rng))  # JSON escapes of surrogates and NULs
        graph = {"1": {"class_type": "KSampler", "inputs": {"seed": 1, "positive": ["2", 0]}}}
        graph["2"] = {"class_type": "CLIPTextEncode", "inputs": {"text": json.loads(text)}}
        chunks = {"prompt": json.dumps(graph)}
    elif choice == 5:
        chunks = novelai_chunks(_text(rng)) | {
            "Comment": json.dumps({"prompt": _text(rng), "steps": 2**70, "seed": -5})
        }
    elif choice == 6:
        chunks = invokeai_metadata(_text(rng)) | {
            "invokeai_metadata": json.dumps({"positive_prompt": _run(rng), "width": 2**63})
        }
    elif choice == 7:
        chunks = {"parameters": swarmui_parameters(_text(rng)).replace('"steps": 30', '"steps": 1e308')}
    elif choice == 8:
        chain: dict[str, Any] = graphs.sd15_txt2img()[0]
        previous: list[object] = ["5", 0]
        for i in range(1000, 1000 + rng.choice([500, 5_000])):
            inputs = {**chain["3"]["inputs"], "latent_image": previous}
            chain[str(i)] = {"class_type": "KSampler", "inputs": inputs}
            previous = [str(i), 0]
        chain["8"]["inputs"]["samples"] = previous
        chunks = {"prompt": json.dumps(chain)}
    else:
        chunks = {"parameters": a1111_parameters("a kite " * rng.choice([20_000, 150_000]))}
    w.good(
        "odd-metadata",
        _png_bytes(
            w.image(),
            {k: v.encode("utf-8", "surrogatepass").decode("utf-8", "replace") for k, v in chunks.items()},
        ),
    )


def good_odd_exif(w: _Writer) -> None:
    rng = w.rng
    exif = Image.Exif()
    choice = rng.randrange(5)
    if choice == 0:
        exif.get_ifd(0x8769)[0x9286] = (1, 2, 3)  # UserComment as SHORT values
    elif choice == 1:
        exif.get_ifd(0x8769)[0x9286] = b"UNICODE\x00\xff\xfe" + "a \ud800 b".encode(
            "utf-16-le", "surrogatepass"
        )
    elif choice == 2:
        exif[0x0132] = rng.choice(["0001:01:01 00:00:00", "9999:12:31 23:59:59", "2024:13:45 99:99:99"])
        exif.get_ifd(0x8769)[0x9003] = "9999:12:31 23:59:59"
        exif.get_ifd(0x8769)[0x9011] = "+14:00"
    elif choice == 3:
        exif[0x010E] = _run(rng)[:30_000]  # ImageDescription (a JPEG's EXIF holds 64 kB)
    else:
        exif[0x0112] = rng.choice([0, 9, 65535])  # orientation values that mean nothing
    buffer = io.BytesIO()
    w.image().save(buffer, rng.choice(["JPEG", "PNG", "WEBP"]), exif=exif)
    w.good("odd-exif", buffer.getvalue(), ".jpg")


def good_odd_xmp(w: _Writer) -> None:
    rng = w.rng
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
        + ']><x:xmpmeta xmlns:x="adobe:ns:meta/"><d>&i;</d></x:xmpmeta>'
    )
    drawthings = drawthings_xmp(_text(rng), loras=[("a.ckpt", 1e308)] * rng.choice([1, 500]))
    xmp = rng.choice(
        [
            laughs,
            "<x:xmpmeta>" * 5000,
            '<?xpacket begin="' + _text(rng) + '"?><broken',
            _run(rng),
            drawthings.replace('"steps":30', '"steps":' + "9" * 400),
            drawthings.replace('{"c":', '{"c":' + "[" * 5000 + ","),  # nested past any parser's depth
        ]
    )
    w.good("odd-xmp", _with_xmp(w.image(), xmp))


def _with_xmp(image: Image.Image, xmp: str) -> bytes:
    buffer = io.BytesIO()
    write_png(buffer, image, None, xmp=xmp.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))  # type: ignore[arg-type]
    return buffer.getvalue()


def good_stealth_garbage(w: _Writer) -> None:
    """Alpha LSBs that start like stealth info and then lie about their length or content."""
    image = stealth_image(w.image(64), a1111_parameters("hidden"), compressed=w.rng.random() < 0.5)
    pixels = image.load()
    assert pixels is not None
    for _ in range(w.rng.randrange(1, 200)):  # flip bits in the header and body
        x, y = w.rng.randrange(8), w.rng.randrange(64)
        r, g, b, a = pixels[x, y]  # type: ignore[misc]
        pixels[x, y] = (r, g, b, a ^ 1)
    w.good("stealth-garbage", _png_bytes(image))


def bad_bytes(w: _Writer) -> None:
    rng = w.rng
    choice = rng.randrange(6)
    if choice == 0:
        w.bad("empty", b"")
    elif choice == 1:
        w.bad("random", rng.randbytes(rng.randrange(1, 20_000)), rng.choice([".png", ".jpg", ".webp"]))
    elif choice == 2:
        w.bad("text", b"not an image at all\n" * 50, ".jpg")
    elif choice == 3:
        good = _png_bytes(w.image(), {"parameters": "a cat\nSteps: 1"})
        w.bad("truncated", good[: rng.randrange(8, len(good) - 1)])
    elif choice == 4:
        flipped = bytearray(_png_bytes(w.image(), {"parameters": "a cat\nSteps: 1"}))
        for _ in range(rng.randrange(1, 30)):
            flipped[rng.randrange(len(flipped))] = rng.randrange(256)
        w.bad("bitflip", bytes(flipped))
    else:
        side = rng.choice([50_000, 200_000, 2**31 - 1])
        ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
        data = b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\x00" * 10_000))
        w.bad("bomb", data + _chunk(b"IEND", b""))


def bad_chunks(w: _Writer) -> None:
    """Well-formed PNG framing around chunks no writer makes: a garbage eXIf, a zTXt that
    inflates to a lot, an iTXt with a broken language tag, a c2pa JUMBF of noise."""
    rng = w.rng
    head = _png_bytes(w.image())
    body, end = head[:-12], head[-12:]
    choice = rng.randrange(4)
    if choice == 0:
        extra = _chunk(b"eXIf", rng.randbytes(rng.randrange(1, 4000)))
    elif choice == 1:
        extra = _chunk(b"zTXt", b"parameters\x00\x00" + zlib.compress(b"a" * 30_000_000, 9))
    elif choice == 2:
        extra = _chunk(b"iTXt", b"prompt\x00\x01\x00\xff\xfe\x00" + rng.randbytes(500))
    else:
        extra = _chunk(b"caBX", b"jumb" + rng.randbytes(rng.randrange(16, 3000)))
    # these are valid images; their metadata is what is broken
    path = w._path("odd-chunk", ".png")
    path.write_bytes(body + extra + end)
    w.corpus.good.append(path)


def bad_names_and_kinds(w: _Writer) -> None:
    """Names no column likes, and files that are not regular files."""
    rng = w.rng
    choice = rng.randrange(6)
    image = _png_bytes(w.image(), {"parameters": "a named thing\nSteps: 3"})
    if choice == 0:  # skipped with its reason: the library stores paths as UTF-8 text
        name = os.fsdecode(b"\xff\xfe-not-utf8-%d.png" % w.count)
        (w.folder / name).write_bytes(image)
        w.corpus.hostile.append(w.folder / name)
    elif choice == 1:
        path = w.folder / f"line\nbreak {w.count}.png"
        path.write_bytes(image)
        w.corpus.good.append(path)
    elif choice == 2:
        path = w.folder / (f"{w.count}-" + "x" * 240 + ".png")
        path.write_bytes(image)
        w.corpus.good.append(path)
    elif choice == 3:
        path = w.folder / f"{w.count}-pipe.png"
        os.mkfifo(path)
        w.corpus.hostile.append(path)
    elif choice == 4:
        path = w.folder / f"{w.count}-zero.png"
        path.symlink_to("/dev/zero")
        w.corpus.hostile.append(path)
    else:
        path = w.folder / f"{w.count}-loop.png"
        path.symlink_to(path.name)  # a link to itself
        w.corpus.hostile.append(path)
    w.count += 1


FAMILIES: list[tuple[Callable[[_Writer], None], int]] = [
    (good_a1111, 6),
    (good_comfyui, 3),
    (good_jpeg_webp, 3),
    (good_odd_metadata, 30),
    (good_odd_exif, 12),
    (good_odd_xmp, 6),
    (good_stealth_garbage, 6),
    (bad_bytes, 20),
    (bad_chunks, 8),
    (bad_names_and_kinds, 6),
]


def write_corpus(folder: Path, n: int = 1_000, seed: int = 0) -> Corpus:
    """About `n` files in `folder` (created), drawn from FAMILIES by weight."""
    folder.mkdir(parents=True, exist_ok=True)
    writer = _Writer(folder, seed)
    for _ in range(2):  # 20 MB prompts: once took 3.7 GB through a tokenizer
        writer.good(
            "giant-prompt",
            _png_bytes(writer.image(), {"parameters": a1111_parameters("a kite " * 3_000_000)}),
        )
    families = [f for f, weight in FAMILIES for _ in range(weight)]
    while len(writer.corpus.files) < n:
        writer.rng.choice(families)(writer)
    return writer.corpus
