"""Stealth PNG info: A1111 parameters (and NovelAI's chunks) hidden in the pixels' least
significant bits, for files whose text chunks a site stripped. Test files are written the way
sd-webui-stealth-pnginfo's `add_data` writes them (latentdam.testing.formats.stealth_image)."""

from __future__ import annotations

import gzip
import json
import random
from pathlib import Path

import pytest
from PIL import Image
from readers_support import raw_of, read_both

from latentdam.extract.file import extract_file
from latentdam.extract.metadata import read_generation
from latentdam.extract.raw import RawMetadata
from latentdam.extract.raw_reader import read_raw
from latentdam.extract.readers.a1111 import A1111Reader
from latentdam.extract.readers.novelai import NovelAIReader
from latentdam.extract.record import Tool
from latentdam.extract.stealth import MAX_HIDDEN, read_stealth
from latentdam.testing.formats import (
    a1111_parameters,
    make_image,
    novelai_chunks,
    stealth_image,
    write_png,
)

PARAMETERS = a1111_parameters(
    "a lighthouse on a stormy coast, crashing waves, <lora:film_grain:0.6>",
    "blurry, lowres",
    {
        "Steps": 28,
        "Sampler": "DPM++ 2M",
        "CFG scale": 6.5,
        "Seed": 3141,
        "Size": "512x768",
        "Model": "dreamshaper_8",
    },
)


@pytest.mark.parametrize("mode", ["alpha", "rgb"])
@pytest.mark.parametrize("compressed", [True, False])
def test_hidden_parameters_read_as_the_chunk_would(tmp_path: Path, mode: str, compressed: bool) -> None:
    chunk = write_png(tmp_path / "chunk.png", make_image(1, (128, 128)), {"parameters": PARAMETERS})
    hidden = stealth_image(make_image(1, (128, 128)), PARAMETERS, mode=mode, compressed=compressed)
    stripped = write_png(tmp_path / "stripped.png", hidden)  # no text chunk at all
    record = read_both(A1111Reader(), stripped, Tool.A1111)
    assert record == read_both(A1111Reader(), chunk, Tool.A1111)
    assert record.prompt.startswith("a lighthouse") and record.seed == 3141
    assert list(raw_of(stripped).blocks()) == ["stealth:parameters"]  # says where it was found


def test_a_chunk_wins_over_hidden_text(tmp_path: Path) -> None:
    hidden = stealth_image(make_image(2, (96, 96)), a1111_parameters("an old hidden prompt"))
    path = write_png(tmp_path / "both.png", hidden, {"parameters": PARAMETERS})
    meta = raw_of(path)
    assert meta.hidden == frozenset() and meta.text["parameters"] == PARAMETERS


def test_novelai_alpha_copy_of_its_chunks(tmp_path: Path) -> None:
    """NovelAI hides the JSON of its whole chunk dict the same way (stealth_pngcomp)."""
    chunks = novelai_chunks("1girl, silver hair, starry sky", "lowres")
    path = write_png(tmp_path / "nai.png", stealth_image(make_image(3, (256, 256)), json.dumps(chunks)))
    record = read_both(NovelAIReader(), path, Tool.NOVELAI)
    assert record.prompt == "1girl, silver hair, starry sky" and record.seed == 1234567890


def test_ingest_reads_a_stripped_file(tmp_path: Path) -> None:
    path = write_png(tmp_path / "s.png", stealth_image(make_image(4, (128, 128)), PARAMETERS))
    item = extract_file(path, max_pixels=10**7, thumbnail_size=64)
    assert item.record.tool is Tool.A1111 and item.record.model == "dreamshaper_8"
    assert item.warnings == []


def _with_bits(image: Image.Image, bits: str) -> Image.Image:
    """Raw bits written in the extension's order into the alpha LSBs (for broken headers)."""
    out = image.convert("RGBA")
    out.putalpha(255)
    pixels = out.load()
    assert pixels is not None
    for i, bit in enumerate(bits):
        x, y = divmod(i, out.height)
        r, g, b, a = pixels[x, y]  # type: ignore[misc]
        pixels[x, y] = (r, g, b, (a & ~1) | int(bit))
    return out


def _bits(data: bytes) -> str:
    return "".join(format(byte, "08b") for byte in data)


@pytest.mark.parametrize(
    "case",
    ["noise", "count past the image", "count not whole bytes", "not gzip", "gzip bomb", "no alpha, tiny"],
)
def test_broken_hidden_data_is_no_metadata(case: str) -> None:
    rng = random.Random(case)
    image = make_image(5, (64, 64))
    if case == "noise":
        image = _with_bits(image, "".join(rng.choice("01") for _ in range(64 * 64)))
    elif case == "count past the image":
        image = _with_bits(image, _bits(b"stealth_pnginfo" + (10**6).to_bytes(4, "big")))
    elif case == "count not whole bytes":
        image = _with_bits(image, _bits(b"stealth_pnginfo" + (13).to_bytes(4, "big")) + "1" * 13)
    elif case == "not gzip":
        image = _with_bits(image, _bits(b"stealth_pngcomp" + (64).to_bytes(4, "big") + b"notgzip!"))
    elif case == "gzip bomb":
        bomb = gzip.compress(b"a" * (50 * MAX_HIDDEN))  # 50 MB of text in ~50 kB
        header = b"stealth_pngcomp" + (len(bomb) * 8).to_bytes(4, "big")
        image = _with_bits(Image.new("RGBA", (512, 1024)), _bits(header + bomb))
        text = read_stealth(image)
        assert text is not None and len(text) == MAX_HIDDEN  # inflated only up to the cap
        return
    else:
        image = Image.new("RGB", (4, 4))
    assert read_stealth(image) is None
    assert read_generation(raw_of_image(image)).record.tool is Tool.UNKNOWN


def raw_of_image(image: Image.Image) -> RawMetadata:
    image.format = "PNG"  # as if opened from a PNG file
    return read_raw(image)
