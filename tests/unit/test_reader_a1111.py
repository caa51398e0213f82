"""A1111 / Forge: the `parameters` block in PNG (tEXt/iTXt), JPEG and WebP (EXIF UserComment)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from readers_support import read_both
from sd_parsers import ParserManager
from sd_parsers.extractors._get_exif_value import get_exif_value

from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers.a1111 import A1111Reader, parse_parameters, parse_settings, prompt_loras
from latentdam.extract.record import GenerationRecord, LoRA, Tool
from latentdam.testing.formats import (
    a1111_controlnet,
    a1111_parameters,
    make_image,
    write_jpeg_with_usercomment,
    write_png,
    write_webp_with_usercomment,
)

READER = A1111Reader()
PROMPT = (
    "masterpiece, best quality, <lora:add_detail:0.8>, a girl in a red coat,\n"
    "snowy street at night, <lyco:film_grain:0.6:0.4>"
)
NEGATIVE = "lowres, bad anatomy, (worst quality:1.4)\nwatermark"
SETTINGS: dict[str, object] = {
    "Steps": 28,
    "Sampler": "DPM++ 2M",
    "Schedule type": "Karras",
    "CFG scale": 6.5,
    "Seed": 3456789012,
    "Size": "512x768",
    "Model hash": "6ce0161689",
    "Model": "dreamshaper_8, pruned",  # a comma: A1111 quotes the value
    "VAE hash": "735e4c3a44",
    "VAE": "vae-ft-mse-840000-ema-pruned.safetensors",
    "Denoising strength": 0.45,
    "Clip skip": 2,
    "Hires upscale": 2,
    "Hires upscaler": "4x-UltraSharp",
    "ControlNet 0": a1111_controlnet("depth_midas", "control_v11f1p_sd15_depth [cfd03158]"),
    "ControlNet 1": a1111_controlnet("openpose_full", "control_v11p_sd15_openpose [cab727d4]", 0.8),
    "Lora hashes": "add_detail: 7c6bad76eb54, film_grain: 1a2b3c4d5e6f, detail_tweaker: 0f9e8d7c6b5a",
    "TI hashes": "easynegative: c74b4e810b03",
    "Version": "v1.10.1",
}
EXPECTED = GenerationRecord(
    tool=Tool.A1111,
    prompt=PROMPT,
    negative_prompt=NEGATIVE,
    model="dreamshaper_8, pruned",
    model_hash="6ce0161689",
    loras=[LoRA("add_detail", 0.8), LoRA("film_grain", 0.4), LoRA("detail_tweaker", None)],
    controlnets=["control_v11f1p_sd15_depth", "control_v11p_sd15_openpose"],
    sampler="DPM++ 2M",
    scheduler="Karras",
    steps=28,
    cfg=6.5,
    seed=3456789012,
    width=512,
    height=768,
    software="AUTOMATIC1111 v1.10.1",
)


def _chunk_types(path: Path) -> list[bytes]:
    data = path.read_bytes()
    pos, out = 8, []
    while pos < len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        out.append(data[pos + 4 : pos + 8] + b":" + data[pos + 8 : pos + 8 + min(length, 10)].split(b"\0")[0])
        pos += 12 + length
    return out


def test_text_block_is_byte_exact() -> None:
    text = a1111_parameters(
        "a cat", "ugly", {"Steps": 20, "Sampler": "Euler a", "Model": "a, b", "Hires": None}
    )
    assert text == 'a cat\nNegative prompt: ugly\nSteps: 20, Sampler: Euler a, Model: "a, b"'
    assert a1111_parameters("a cat", "", {"Steps": 20}) == "a cat\nSteps: 20"


def test_png_full_field_set(tmp_path: Path) -> None:
    text = a1111_parameters(PROMPT, NEGATIVE, SETTINGS)
    path = write_png(tmp_path / "a.png", make_image(1), {"parameters": text})
    assert b"tEXt:parameters" in _chunk_types(path)  # latin-1 text stays tEXt, as A1111 writes it
    assert read_both(READER, path, Tool.A1111) == EXPECTED


def test_png_non_ascii_prompt_is_itxt(tmp_path: Path) -> None:
    prompt = "猫の少女, café au lait, <lora:ニャン:0.7>"
    text = a1111_parameters(prompt, "ぼやけた", SETTINGS)
    path = write_png(tmp_path / "jp.png", make_image(2), {"parameters": text})
    assert b"iTXt:parameters" in _chunk_types(path)
    record = read_both(READER, path, Tool.A1111)
    assert (record.prompt, record.negative_prompt) == (prompt, "ぼやけた")
    assert record.loras[0] == LoRA("ニャン", 0.7)


@pytest.mark.parametrize("writer", [write_jpeg_with_usercomment, write_webp_with_usercomment])
def test_jpeg_and_webp_user_comment(tmp_path: Path, writer: object) -> None:
    prompt = "雪の中の赤い狐, <lora:add_detail:0.8>, <lyco:film_grain:0.6:0.4>"
    text = a1111_parameters(prompt, NEGATIVE, SETTINGS)
    path = writer(tmp_path / "a.img", make_image(3), text)  # type: ignore[operator]
    with Image.open(path) as image:
        # exactly what piexif's UserComment.dump(text, encoding="unicode") writes
        assert image.getexif().get_ifd(0x8769)[0x9286] == b"UNICODE\x00" + text.encode("utf-16-be")
        assert get_exif_value(image, "UserComment") == text  # sd-parsers reads it back too
    record = read_both(READER, path, Tool.A1111)
    assert record == replace(EXPECTED, prompt=prompt)


def test_sd_parsers_recognises_the_written_png(tmp_path: Path) -> None:
    text = a1111_parameters(
        "a lighthouse", "fog", {"Steps": 20, "Sampler": "Euler a", "CFG scale": 7, "Seed": 5}
    )
    path = write_png(tmp_path / "a.png", make_image(4), {"parameters": text})
    info = ParserManager().parse(path)
    assert info is not None
    assert (info.generator.name, info.full_prompt, info.full_negative_prompt) == (
        "AUTOMATIC1111",
        "a lighthouse",
        "fog",
    )


def test_forge_version_and_hires_size(tmp_path: Path) -> None:
    settings = {
        "Steps": 25,
        "Sampler": "Euler",
        "Schedule type": "Simple",
        "CFG scale": 1,
        "Seed": 7,
        "Size": "896x1152",
        "Model": "flux1-dev-bnb-nf4-v2",
        "Version": "f2.0.1v1.10.1-previous-313-g8a042934",
    }
    path = write_png(
        tmp_path / "f.png", make_image(5), {"parameters": a1111_parameters("a bridge", "", settings)}
    )
    record = read_both(READER, path, Tool.A1111)
    assert record.software == "Forge f2.0.1v1.10.1-previous-313-g8a042934"
    assert (record.width, record.height, record.cfg, record.negative_prompt) == (896, 1152, 1.0, "")


def test_block_without_settings_line_is_all_prompt(tmp_path: Path) -> None:
    path = write_png(tmp_path / "p.png", make_image(6), {"parameters": "just a prompt, with: colons"})
    record = read_both(READER, path, Tool.A1111)
    assert (record.prompt, record.steps, record.sampler) == ("just a prompt, with: colons", None, None)


def test_quoted_values_escaped_quotes_and_bare_json() -> None:
    line = (
        'Steps: 20, Template: "a \\"quoted\\", thing: yes", Hashes: {"model": "abc", "lora:foo": "d1"}, '
        'Lora hashes: "bar: 1234", Sampler: Euler, NGMS: 0.2, Emphasis: Original'
    )
    assert parse_settings(line) == {
        "Steps": "20",
        "Template": 'a "quoted", thing: yes',
        "Hashes": '{"model": "abc", "lora:foo": "d1"}',
        "Lora hashes": "bar: 1234",
        "Sampler": "Euler",
        "NGMS": "0.2",
        "Emphasis": "Original",
    }
    record = READER.read(RawMetadata("PNG", 8, 8, text={"parameters": "a cat\n" + line}))
    assert record.loras == [LoRA("bar"), LoRA("foo")]  # from Lora hashes, then Civitai's Hashes


def test_settings_line_is_found_before_trailing_lines() -> None:
    parsed = parse_parameters("a cat\nNegative prompt: dog\nSteps: 20, Sampler: Euler, Seed: 1\nextra line")
    assert (parsed.prompt, parsed.negative_prompt, parsed.settings["Seed"]) == ("a cat", "dog", "1")


def test_lora_tag_weights() -> None:
    assert prompt_loras(
        "<lora:a:0.5> <LORA:b> <lora:c:te=0.3:unet=0.9> <lyco:d:1:0.25> <lora:e:0.7:dyn=8>"
    ) == [
        LoRA("a", 0.5),
        LoRA("b", None),
        LoRA("c", 0.9),
        LoRA("d", 0.25),
        LoRA("e", 0.7),
    ]


def test_old_controlnet_keys() -> None:
    text = "a cat\nSteps: 20, Sampler: Euler, ControlNet-0 Enabled: True, ControlNet-0 Model: control_sd15_canny [fef5e48e]"
    record = READER.read(RawMetadata("PNG", 8, 8, text={"parameters": text}))
    assert record.controlnets == ["control_sd15_canny"]


def test_user_comment_without_settings_is_not_a1111() -> None:
    meta = RawMetadata("JPEG", 8, 8, exif={"UserComment": "shot on holiday"})
    assert not READER.can_read(meta)
    assert READER.can_read(
        RawMetadata("JPEG", 8, 8, exif={"UserComment": "a\nSteps: 2, Sampler: x, Seed: 1"})
    )
