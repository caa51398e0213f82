"""Midjourney: prompt, parameters and Job ID in the description (XMP, PNG, IPTC, EXIF)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from readers_support import raw_of

from latentdam.extract.metadata import read_generation
from latentdam.extract.readers.midjourney import MidjourneyReader, parse_parameters
from latentdam.extract.record import GenerationRecord, Tool
from latentdam.testing.formats import (
    descriptive_exif,
    make_image,
    midjourney_description,
    write_jpeg,
    write_midjourney_png,
    write_png,
    xmp_packet,
)

READER = MidjourneyReader()
JOB = "9f1c6a8e-3b1d-4d6f-a2b0-7c0f7e0e1a2b"


def test_downloaded_png(tmp_path: Path) -> None:
    created = datetime(2024, 11, 5, 18, 30, 12, tzinfo=UTC)
    path = write_midjourney_png(
        tmp_path / "mj.png",
        make_image(1),
        "a red fox in snow, golden hour",
        JOB,
        params="--ar 16:9 --v 6.1 --stylize 250 --seed 4242 --no people, cars",
        created=created,
    )
    meta = raw_of(path)
    assert meta.text["Author"] == "fox_maker"
    assert READER.can_read(meta)
    expected = GenerationRecord(
        tool=Tool.MIDJOURNEY,
        prompt="a red fox in snow, golden hour",
        negative_prompt="people, cars",
        model="Midjourney v6.1",
        seed=4242,
        job_id=JOB,
        software="Midjourney",
    )
    assert READER.read(meta) == expected
    extraction = read_generation(meta)
    assert extraction.warnings == []
    record = extraction.record
    assert (record.tool, record.prompt, record.negative_prompt, record.model, record.seed, record.job_id) == (
        Tool.MIDJOURNEY,
        expected.prompt,
        "people, cars",
        "Midjourney v6.1",
        4242,
        JOB,
    )
    # descriptive fields come from the XMP packet
    assert record.created_at == created
    assert record.description == (
        f"a red fox in snow, golden hour --ar 16:9 --v 6.1 --stylize 250 --seed 4242 --no people, cars Job ID: {JOB}"
    )


def test_jpeg_with_iptc_caption_only(tmp_path: Path) -> None:
    caption = midjourney_description("a koi pond, ukiyo-e --niji 6 --ar 2:3", JOB, params="")
    path = write_jpeg(tmp_path / "mj.jpg", make_image(2), iptc={"Caption-Abstract": caption})
    record = read_generation(raw_of(path)).record
    assert (record.tool, record.prompt, record.model, record.seed, record.job_id) == (
        Tool.MIDJOURNEY,
        "a koi pond, ukiyo-e",
        "Niji 6",
        None,
        JOB,
    )


def test_jpeg_with_exif_description_only(tmp_path: Path) -> None:
    text = midjourney_description("城の上の月 --v 7", JOB, params="")
    path = write_jpeg(tmp_path / "mj.jpg", make_image(3), exif=descriptive_exif(description=text))
    record = read_generation(raw_of(path)).record
    assert (record.tool, record.prompt, record.model, record.job_id) == (
        Tool.MIDJOURNEY,
        "城の上の月",
        "Midjourney v7",
        JOB,
    )


def test_named_in_creator_tool_without_job_id(tmp_path: Path) -> None:
    xmp = xmp_packet(description="a teapot", creator_tool="Midjourney")
    path = write_png(tmp_path / "mj.png", make_image(4), xmp=xmp)
    record = read_generation(raw_of(path)).record
    assert (record.tool, record.prompt, record.job_id, record.model) == (
        Tool.MIDJOURNEY,
        "a teapot",
        None,
        None,
    )


def test_named_in_iptc_credit(tmp_path: Path) -> None:
    iptc = {"Caption-Abstract": "a paper boat --ar 1:1", "Credit": "Midjourney"}
    meta = raw_of(write_jpeg(tmp_path / "mj.jpg", make_image(6), iptc=iptc))
    assert meta.iptc["Credit"] == "Midjourney"
    assert READER.read(meta) == GenerationRecord(
        tool=Tool.MIDJOURNEY, prompt="a paper boat", software="Midjourney"
    )


def test_plain_description_is_not_midjourney(tmp_path: Path) -> None:
    path = write_png(tmp_path / "p.png", make_image(5), xmp=xmp_packet(description="holiday --ar photo"))
    meta = raw_of(path)
    assert not READER.can_read(meta)
    assert read_generation(meta).record.tool is Tool.UNKNOWN


def test_parameter_parsing() -> None:
    assert parse_parameters(
        "https://s.mj.run/abc a cat::2 dog --ar 3:2 --style raw --no red--blue --no fur"
    ) == (
        "https://s.mj.run/abc a cat::2 dog",
        {"ar": "3:2", "style": "raw", "no": "red--blue, fur"},
    )
    assert parse_parameters("no params at all") == ("no params at all", {})
