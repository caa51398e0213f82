"""InvokeAI: `invokeai_metadata` (3.x-5.x), `sd-metadata` (2.x) and `Dream` (1.x) chunks."""

from __future__ import annotations

from pathlib import Path

import pytest
from readers_support import raw_of, read_both

from latentdam.errors import CorruptMetadata
from latentdam.extract.metadata import read_generation
from latentdam.extract.readers.invokeai import InvokeAIReader, parse_dream, split_negative
from latentdam.extract.record import GenerationRecord, LoRA, Tool
from latentdam.testing.formats import (
    invokeai_dream,
    invokeai_metadata,
    invokeai_sd_metadata,
    make_image,
    write_png,
)

READER = InvokeAIReader()
HASH = "blake3:2f1a0a5f7f5e4d8c0b1a9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b"


def test_v4_metadata_full_field_set(tmp_path: Path) -> None:
    chunks = invokeai_metadata(
        "a lighthouse on a cliff, dramatic sky",
        "blurry, text",
        model_hash=HASH,
        loras=[("detail_slider", 0.5), ("watercolor_xl", 0.85)],
        controlnets=["controlnet-depth-sdxl", "controlnet-canny-sdxl"],
    )
    path = write_png(tmp_path / "i.png", make_image(1), chunks)
    assert read_both(READER, path, Tool.INVOKEAI) == GenerationRecord(
        tool=Tool.INVOKEAI,
        prompt="a lighthouse on a cliff, dramatic sky",
        negative_prompt="blurry, text",
        model="Juggernaut XL v9",
        model_hash=HASH,
        loras=[LoRA("detail_slider", 0.5), LoRA("watercolor_xl", 0.85)],
        controlnets=["controlnet-depth-sdxl", "controlnet-canny-sdxl"],
        sampler="dpmpp_2m_k",
        scheduler="dpmpp_2m_k",
        steps=30,
        cfg=6.5,
        seed=3517845170,
        width=1024,
        height=1024,
        software="InvokeAI 4.2.9",
    )


def test_v3_metadata_model_name_and_lora_key(tmp_path: Path) -> None:
    chunks = invokeai_metadata(
        "a red barn",
        "",
        model="stable-diffusion-v1-5",
        base="sd-1",
        v3=True,
        app_version="3.4.0",
        loras=[("add_detail", 0.75)],
        controlnets=["control_v11p_sd15_canny"],
        scheduler="euler",
        width=512,
    )
    record = read_both(READER, write_png(tmp_path / "i.png", make_image(2), chunks), Tool.INVOKEAI)
    assert (record.model, record.model_hash, record.loras, record.controlnets, record.software) == (
        "stable-diffusion-v1-5",
        None,
        [LoRA("add_detail", 0.75)],
        ["control_v11p_sd15_canny"],
        "InvokeAI 3.4.0",
    )
    assert (record.prompt, record.negative_prompt, record.sampler, record.width) == (
        "a red barn",
        "",
        "euler",
        512,
    )


def test_v2_sd_metadata_with_bracketed_negative(tmp_path: Path) -> None:
    chunks = invokeai_sd_metadata("a fantasy castle, sunset [ugly, blurry] highly detailed [watermark]")
    record = read_both(READER, write_png(tmp_path / "i.png", make_image(3), chunks), Tool.INVOKEAI)
    assert record == GenerationRecord(
        tool=Tool.INVOKEAI,
        prompt="a fantasy castle, sunset highly detailed",
        negative_prompt="ugly, blurry, watermark",
        model="stable-diffusion-1.5",
        model_hash="cc6cb27103417325ff94f52b7a5d2dde45a7515b25c255d8e396c90014281516",
        sampler="k_lms",
        steps=50,
        cfg=7.5,
        seed=3279497289,
        width=512,
        height=512,
        software="InvokeAI 2.2.5",
    )


def test_v2_string_prompt(tmp_path: Path) -> None:
    chunks = invokeai_sd_metadata("an owl [lowres]", prompt_as_list=False, app_version="2.0.0")
    record = read_both(READER, write_png(tmp_path / "i.png", make_image(4), chunks), Tool.INVOKEAI)
    assert (record.prompt, record.negative_prompt, record.software) == ("an owl", "lowres", "InvokeAI 2.0.0")


def test_v1_dream_command(tmp_path: Path) -> None:
    chunks = invokeai_dream(
        'a "neon" city at night [people]', steps=40, seed=987, width=640, height=448, cfg_scale=9.0
    )
    assert chunks["Dream"] == '"a "neon" city at night [people]" -s 40 -S 987 -W 640 -H 448 -C 9.0 -A k_lms'
    record = read_both(READER, write_png(tmp_path / "i.png", make_image(5), chunks), Tool.INVOKEAI)
    assert record == GenerationRecord(
        tool=Tool.INVOKEAI,
        prompt='a "neon" city at night',
        negative_prompt="people",
        sampler="k_lms",
        steps=40,
        cfg=9.0,
        seed=987,
        width=640,
        height=448,
        software="InvokeAI",
    )


def test_dream_parsing_edge_cases() -> None:
    assert parse_dream('"a cat" -s 10 -S -1 -F') == ("a cat", {"s": "10", "S": "-1", "F": ""})
    assert parse_dream("a dog -s 5") == ("a dog", {"s": "5"})
    with pytest.raises(CorruptMetadata):
        parse_dream('"unterminated -s 5')


def test_split_negative() -> None:
    assert split_negative("a, b [c] d [e, f]") == ("a, b d", "c, e, f")
    assert split_negative("no negative") == ("no negative", "")


@pytest.mark.parametrize(
    ("chunk", "text", "message"),
    [
        ("invokeai_metadata", '{"positive_prompt": "a ca', "InvokeAI invokeai_metadata is not valid JSON"),
        ("invokeai_metadata", '["a list"]', "InvokeAI invokeai_metadata JSON is not an object"),
        ("sd-metadata", '{"model_weights": "x"}', "InvokeAI sd-metadata has no image entry"),
        ("sd-metadata", '{"image": {"prompt": 5}}', "InvokeAI sd-metadata prompt is neither text"),
        ("Dream", "   ", "InvokeAI Dream command is empty"),
    ],
)
def test_broken_chunks_are_corrupt_and_only_a_warning(
    tmp_path: Path, chunk: str, text: str, message: str
) -> None:
    meta = raw_of(write_png(tmp_path / "i.png", make_image(6), {chunk: text}))
    with pytest.raises(CorruptMetadata, match=message):
        READER.read(meta)
    extraction = read_generation(meta)
    assert extraction.record.tool is Tool.UNKNOWN
    assert len(extraction.warnings) == 1
    assert extraction.warnings[0].startswith(f"invokeai metadata is unreadable ({message}")
