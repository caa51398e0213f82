"""NovelAI: Software/Source/Description/Comment PNG chunks, v3 and v4 comments."""

from __future__ import annotations

from pathlib import Path

import pytest
from readers_support import raw_of, read_both

from latentdam.errors import CorruptMetadata
from latentdam.extract.metadata import read_generation
from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers.novelai import NovelAIReader
from latentdam.extract.record import GenerationRecord, Tool
from latentdam.testing.formats import make_image, novelai_chunks, write_png

READER = NovelAIReader()
PROMPT = "1girl, silver hair, starry sky, {{masterpiece}}, 星空"
NEGATIVE = "lowres, bad anatomy, bad hands"
EXPECTED = GenerationRecord(
    tool=Tool.NOVELAI,
    prompt=PROMPT,
    negative_prompt=NEGATIVE,
    model="Stable Diffusion XL",
    model_hash="C1E1DE52",
    sampler="k_euler_ancestral",
    scheduler="karras",
    steps=28,
    cfg=5.0,
    seed=1234567890,
    width=832,
    height=1216,
    software="NovelAI",
)


def test_v3_full_field_set(tmp_path: Path) -> None:
    path = write_png(tmp_path / "n.png", make_image(1), novelai_chunks(PROMPT, NEGATIVE))
    assert read_both(READER, path, Tool.NOVELAI) == EXPECTED


def test_v4_base_captions_when_flat_keys_are_missing(tmp_path: Path) -> None:
    chunks = novelai_chunks(
        PROMPT,
        NEGATIVE,
        v4=True,
        legacy_keys=False,
        source="NovelAI Diffusion V4 4F49EC75",
        sampler="k_euler",
    )
    chunks["Description"] = "stale description"  # the Comment wins over the Description chunk
    path = write_png(tmp_path / "n.png", make_image(2), chunks)
    record = read_both(READER, path, Tool.NOVELAI)
    assert (record.prompt, record.negative_prompt) == (PROMPT, NEGATIVE)
    assert (record.model, record.model_hash, record.sampler) == (
        "NovelAI Diffusion V4",
        "4F49EC75",
        "k_euler",
    )


def test_v4_prefers_flat_prompt_keys() -> None:
    chunks = novelai_chunks("flat prompt", "flat uc", v4=True)
    chunks["Comment"] = chunks["Comment"].replace(
        '"base_caption": "flat prompt"', '"base_caption": "v4 prompt"'
    )
    record = READER.read(RawMetadata("PNG", 8, 8, text=chunks))
    assert (record.prompt, record.negative_prompt) == ("flat prompt", "flat uc")


def test_dispatch_fills_title_and_description_from_standard_chunks(tmp_path: Path) -> None:
    path = write_png(tmp_path / "n.png", make_image(3), novelai_chunks(PROMPT, NEGATIVE))
    record = read_generation(raw_of(path)).record
    assert (record.title, record.description) == ("NovelAI generated image", PROMPT)


def test_garbled_comment_is_corrupt_and_only_a_warning(tmp_path: Path) -> None:
    chunks = novelai_chunks(PROMPT, NEGATIVE)
    chunks["Comment"] = chunks["Comment"][:-40]
    path = write_png(tmp_path / "n.png", make_image(4), chunks)
    meta = raw_of(path)
    with pytest.raises(CorruptMetadata):
        READER.read(meta)
    extraction = read_generation(meta)
    assert extraction.record.tool is Tool.UNKNOWN
    assert len(extraction.warnings) == 1
    assert extraction.warnings[0].startswith(
        "novelai metadata is unreadable (NovelAI Comment is not valid JSON"
    )
    # the plain chunks still describe the image
    assert (extraction.record.description, extraction.record.software) == (PROMPT, "NovelAI")


def test_without_comment_the_description_is_the_prompt() -> None:
    text = {"Software": "NovelAI", "Description": "a castle", "Source": "Stable Diffusion 1D44365E"}
    record = READER.read(RawMetadata("PNG", 8, 8, text=text))
    assert (record.prompt, record.model, record.model_hash, record.steps) == (
        "a castle",
        "Stable Diffusion",
        "1D44365E",
        None,
    )


def test_only_novelai_software_is_claimed() -> None:
    assert not READER.can_read(RawMetadata("PNG", 8, 8, text={"Software": "GIMP", "Comment": "{}"}))
