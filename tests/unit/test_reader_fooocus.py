"""Fooocus: its JSON scheme and its A1111 scheme, in PNG chunks and in JPEG/WebP EXIF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from readers_support import GENERATION_FIELDS, raw_of, read_both

from latentdam.errors import CorruptMetadata
from latentdam.extract.metadata import read_generation
from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers.a1111 import A1111Reader
from latentdam.extract.readers.fooocus import FooocusReader
from latentdam.extract.record import GenerationRecord, LoRA, Tool
from latentdam.testing.formats import (
    fooocus_a1111_parameters,
    fooocus_exif,
    fooocus_json,
    fooocus_png_chunks,
    make_image,
    write_jpeg,
    write_png,
    write_webp,
)

READER = FooocusReader()
PROMPT = "a cozy cabin in a snowy forest, warm light, cinematic"
NEGATIVE = "blurry, lowres"
LORAS = [("sd_xl_offset_example-lora_1.0", 0.1, "4852686128"), ("add-detail-xl", 0.5, "0d9bd1b873")]
EXPECTED = GenerationRecord(
    tool=Tool.FOOOCUS,
    prompt=PROMPT,
    negative_prompt=NEGATIVE,
    model="juggernautXL_v8Rundiffusion",
    model_hash="aeb7e9e689",
    loras=[LoRA("sd_xl_offset_example-lora_1.0", 0.1), LoRA("add-detail-xl", 0.5)],
    sampler="dpmpp_2m_sde_gpu",
    scheduler="karras",
    steps=30,
    cfg=4.0,
    seed=1234567890,
    width=1152,
    height=896,
    software="Fooocus v2.5.5",
)


def test_json_scheme_png(tmp_path: Path) -> None:
    chunks = fooocus_png_chunks(fooocus_json(PROMPT, NEGATIVE, loras=LORAS))
    path = write_png(tmp_path / "f.png", make_image(1), chunks)
    assert read_both(READER, path, Tool.FOOOCUS) == EXPECTED


def test_json_without_scheme_chunk_is_still_fooocus_not_a1111(tmp_path: Path) -> None:
    # older Fooocus wrote only `parameters`; A1111 must not take JSON for a prompt
    path = write_png(
        tmp_path / "f.png", make_image(2), {"parameters": fooocus_json(PROMPT, NEGATIVE, loras=LORAS)}
    )
    meta = raw_of(path)
    assert not A1111Reader().can_read(meta)
    assert read_both(READER, path, Tool.FOOOCUS) == EXPECTED


def test_a1111_scheme_png_uses_raw_prompt_and_lora_weights(tmp_path: Path) -> None:
    text = fooocus_a1111_parameters(PROMPT, NEGATIVE, loras=LORAS)
    # the prompt line is the styled prompt; the user's prompt is `Raw prompt`
    assert text.startswith(f"{PROMPT}, highly detailed, sharp focus\nNegative prompt: {NEGATIVE}\nSteps: 30,")
    path = write_png(tmp_path / "f.png", make_image(3), fooocus_png_chunks(text, "a1111"))
    record = read_both(READER, path, Tool.FOOOCUS)
    expected = GenerationRecord(**{f: getattr(EXPECTED, f) for f in GENERATION_FIELDS})
    expected.sampler = "DPM++ 2M SDE Karras"
    assert record == expected


def test_a1111_scheme_without_scheme_chunk_dispatches_to_fooocus(tmp_path: Path) -> None:
    text = fooocus_a1111_parameters(PROMPT, NEGATIVE)
    path = write_png(tmp_path / "f.png", make_image(4), {"parameters": text})
    extraction = read_generation(raw_of(path))
    assert (extraction.record.tool, extraction.record.prompt) == (Tool.FOOOCUS, PROMPT)


@pytest.mark.parametrize("suffix", ["jpg", "webp"])
def test_exif_json_scheme(tmp_path: Path, suffix: str) -> None:
    exif = fooocus_exif(fooocus_json(PROMPT, NEGATIVE, loras=LORAS))
    writer = write_jpeg if suffix == "jpg" else write_webp
    path = writer(tmp_path / f"f.{suffix}", make_image(5), exif=exif)
    meta = raw_of(path)
    assert (meta.exif["Software"], meta.exif["MakerNote"]) == ("Fooocus v2.5.5", "fooocus")
    assert read_both(READER, path, Tool.FOOOCUS) == EXPECTED


def test_exif_a1111_scheme(tmp_path: Path) -> None:
    exif = fooocus_exif(fooocus_a1111_parameters(PROMPT, NEGATIVE, loras=LORAS), "a1111")
    path = write_jpeg(tmp_path / "f.jpg", make_image(6), exif=exif)
    record = read_both(READER, path, Tool.FOOOCUS)
    assert (record.tool, record.prompt, record.loras, record.seed) == (
        Tool.FOOOCUS,
        PROMPT,
        EXPECTED.loras,
        1234567890,
    )


def test_lora_combined_keys_when_loras_list_is_missing() -> None:
    data = json.loads(fooocus_json(PROMPT, loras=LORAS))
    del data["loras"]
    data["lora_combined_3"] = "True : extra-lora : 0.25"
    meta = RawMetadata("PNG", 8, 8, text={"parameters": json.dumps(data)})
    assert READER.read(meta).loras == [*EXPECTED.loras, LoRA("extra-lora", 0.25)]


def test_truncated_json_is_corrupt_and_only_a_warning(tmp_path: Path) -> None:
    text = fooocus_json(PROMPT, NEGATIVE)[:120]
    path = write_png(tmp_path / "f.png", make_image(7), fooocus_png_chunks(text))
    meta = raw_of(path)
    assert READER.can_read(meta)
    with pytest.raises(CorruptMetadata):
        READER.read(meta)
    extraction = read_generation(meta)
    assert extraction.record.tool is Tool.UNKNOWN
    assert extraction.record.prompt == ""
    assert len(extraction.warnings) == 1
    assert extraction.warnings[0].startswith(
        "fooocus metadata is unreadable (Fooocus parameters are not valid JSON"
    )
    assert extraction.record.raw["png:parameters"] == text


def test_other_json_parameters_are_not_fooocus() -> None:
    swarm = json.dumps({"sui_image_params": {"prompt": "a cat", "seed": 1}})
    meta = RawMetadata("PNG", 8, 8, text={"parameters": swarm})
    assert not READER.can_read(meta)
    assert not A1111Reader().can_read(meta)
    assert read_generation(meta).record.tool is Tool.SWARMUI  # test_reader_swarmui.py
