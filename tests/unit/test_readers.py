"""Plain EXIF/XMP/IPTC descriptive metadata, the dispatcher's order, and files with nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from readers_support import raw_of

from latentdam.extract.metadata import read_generation
from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers import GENERATOR_READERS
from latentdam.extract.readers.descriptive import (
    MAX_XMP_CHARS,
    parse_exif_datetime,
    parse_iptc_datetime,
    parse_png_time,
    read_descriptive,
    xmp_properties,
)
from latentdam.extract.record import GenerationRecord, Tool
from latentdam.testing.formats import (
    a1111_parameters,
    descriptive_exif,
    fooocus_json,
    invokeai_metadata,
    iptc_iim,
    make_image,
    novelai_chunks,
    photoshop_app13,
    write_jpeg,
    write_png,
    write_webp,
    xmp_packet,
)

CET = timezone(timedelta(hours=1))


# --------------------------------------------------------------------------- nothing at all


@pytest.mark.parametrize("suffix", ["png", "jpg", "webp"])
def test_file_without_metadata_is_unknown(tmp_path: Path, suffix: str) -> None:
    writer = {"png": write_png, "jpg": write_jpeg, "webp": write_webp}[suffix]
    meta = raw_of(writer(tmp_path / f"plain.{suffix}", make_image(1)))  # type: ignore[operator]
    extraction = read_generation(meta)
    assert extraction.warnings == []
    assert extraction.record == GenerationRecord(raw=meta.blocks())
    assert extraction.record.tool is Tool.UNKNOWN


# --------------------------------------------------------------------------- descriptive


def test_xmp_iptc_exif_in_one_jpeg_prefers_xmp(tmp_path: Path) -> None:
    xmp = xmp_packet(
        title="Évening harbour",
        description="Boats at dusk",
        subject=["harbour", "boats"],
        create_date="2023-07-14T21:05:00+02:00",
        creator_tool="Adobe Photoshop 25.0",
    )
    exif = descriptive_exif(
        description="exif description",
        date_time_original=datetime(2023, 7, 14, 20, 0, 0, tzinfo=CET),
        software="GIMP 2.10",
        xp_title="xp title",
        xp_keywords=["boats", "sea", "été"],
    )
    iptc = {"ObjectName": "iptc title", "Caption-Abstract": "iptc caption", "Keywords": ["dusk", "harbour"]}
    meta = raw_of(write_jpeg(tmp_path / "d.jpg", make_image(2), exif=exif, xmp=xmp, iptc=iptc))
    assert read_descriptive(meta) == GenerationRecord(
        title="Évening harbour",
        description="Boats at dusk",
        tags=["harbour", "boats", "dusk", "sea", "été"],
        # EXIF DateTimeOriginal (with OffsetTimeOriginal) is the capture time; it wins
        created_at=datetime(2023, 7, 14, 20, 0, 0, tzinfo=CET),
        software="GIMP 2.10",
    )
    extraction = read_generation(meta)
    assert (extraction.record.tool, extraction.record.title, extraction.record.tags) == (
        Tool.UNKNOWN,
        "Évening harbour",
        ["harbour", "boats", "dusk", "sea", "été"],
    )


def test_iptc_only(tmp_path: Path) -> None:
    iptc = {
        "ObjectName": "Morning fog",
        "Headline": "headline loses to ObjectName",
        "Caption-Abstract": "Fog over the river, Köln",
        "Keywords": ["fog", "river", "fog"],
        "DateCreated": "20220301",
        "TimeCreated": "063000+0100",
    }
    meta = raw_of(write_jpeg(tmp_path / "i.jpg", make_image(3), iptc=iptc))
    assert meta.iptc["Keywords"] == ["fog", "river", "fog"]
    assert read_descriptive(meta) == GenerationRecord(
        title="Morning fog",
        description="Fog over the river, Köln",
        tags=["fog", "river"],
        created_at=datetime(2022, 3, 1, 6, 30, tzinfo=CET),
    )


def test_exif_only_utf8_and_windows_xp_tags(tmp_path: Path) -> None:
    exif = descriptive_exif(
        description="Café terrace, 東京",
        date_time_original=datetime(2021, 5, 6, 7, 8, 9),
        software="Camera FW 1.2",
        artist="Anna",
        xp_title="Terrace",
        xp_keywords=["café", "night"],
    )
    meta = raw_of(write_jpeg(tmp_path / "e.jpg", make_image(4), exif=exif))
    assert (meta.exif["XPTitle"], meta.exif["Artist"]) == ("Terrace", "Anna")
    assert read_descriptive(meta) == GenerationRecord(
        title="Terrace",
        description="Café terrace, 東京",
        tags=["café", "night"],
        created_at=datetime(2021, 5, 6, 7, 8, 9),
        software="Camera FW 1.2",
    )


@pytest.mark.parametrize("suffix", ["png", "webp"])
def test_xmp_in_png_and_webp(tmp_path: Path, suffix: str) -> None:
    xmp = xmp_packet(title="Dune", subject=["sand"], create_date=datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC))
    writer = write_png if suffix == "png" else write_webp
    meta = raw_of(writer(tmp_path / f"x.{suffix}", make_image(5), xmp=xmp))  # type: ignore[operator]
    assert read_descriptive(meta) == GenerationRecord(
        title="Dune", tags=["sand"], created_at=datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    )


def test_xmp_attribute_form_other_prefixes_and_alt_languages() -> None:
    packet = """<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
      <rdf:Description rdf:about="" xmlns:d="http://purl.org/dc/elements/1.1/"
          xmlns:xap="http://ns.adobe.com/xap/1.0/" xap:CreatorTool="Lightroom" xap:CreateDate="2019-06">
        <d:title><rdf:Alt><rdf:li xml:lang="de">Titel</rdf:li><rdf:li xml:lang="x-default">Title</rdf:li></rdf:Alt></d:title>
        <d:subject><rdf:Bag><rdf:li>a</rdf:li><rdf:li> </rdf:li><rdf:li>b</rdf:li></rdf:Bag></d:subject>
      </rdf:Description></rdf:RDF></x:xmpmeta>"""
    assert xmp_properties(packet) == {
        "xmp:CreatorTool": ["Lightroom"],
        "xmp:CreateDate": ["2019-06"],
        "dc:title": ["Title", "Titel"],
        "dc:subject": ["a", "b"],
    }
    record = read_descriptive(RawMetadata("JPEG", 8, 8, xmp=packet))
    assert (record.title, record.tags, record.created_at, record.software) == (
        "Title",
        ["a", "b"],
        datetime(2019, 6, 1),
        "Lightroom",
    )


@pytest.mark.parametrize(
    "packet",
    [
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF",  # truncated
        "not xml at all",
        # entity tricks are refused outright (this one would otherwise yield a title)
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY t "boom">]><x:xmpmeta xmlns:x="adobe:ns:meta/">'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" dc:title="&t;"/></rdf:RDF></x:xmpmeta>',
        "<x>" + "a" * MAX_XMP_CHARS + "</x>",  # over the size cap
        "",
    ],
)
def test_odd_xmp_yields_nothing_and_never_raises(packet: str) -> None:
    assert xmp_properties(packet) == {}
    assert read_descriptive(RawMetadata("JPEG", 8, 8, xmp=packet)) == GenerationRecord()


def test_odd_values_never_raise() -> None:
    meta = RawMetadata(
        "JPEG",
        8,
        8,
        exif={
            "DateTimeOriginal": "0000:00:00 00:00:00",
            "DateTime": "2020:02:30 10:00:00",
            "XPKeywords": 5,
            "ImageDescription": '{"workflow": 1}',
            "Software": "   ",
        },
        iptc={"DateCreated": "2020", "Keywords": None, "ObjectName": ["not", "a", "string"]},
        text={"Creation Time": "yesterday-ish", "Title": "Fallback title"},
    )
    assert read_descriptive(meta) == GenerationRecord(title="Fallback title")


def test_bracketed_prose_is_a_description_but_json_is_not() -> None:
    meta = RawMetadata("JPEG", 8, 8, exif={"ImageDescription": "[draft] harbour at dusk"})
    assert read_descriptive(meta).description == "[draft] harbour at dusk"
    meta = RawMetadata("JPEG", 8, 8, exif={"ImageDescription": '[{"id": 1}]', "Make": "x"})
    assert read_descriptive(meta).description is None
    meta = RawMetadata("WEBP", 8, 8, exif={"ImageDescription": 'Workflow: {"nodes": []}'})
    assert read_descriptive(meta).description is None


def test_date_parsers() -> None:
    assert parse_exif_datetime("2024:03:01 12:34:56", "+05:30") == datetime(
        2024, 3, 1, 12, 34, 56, tzinfo=timezone(timedelta(hours=5, minutes=30))
    )
    assert parse_exif_datetime("2024-03-01 12:34:56") == datetime(2024, 3, 1, 12, 34, 56)
    assert parse_iptc_datetime("20240301", "bogus") == datetime(2024, 3, 1)
    assert parse_png_time("Sat, 02 Mar 2024 10:00:00 GMT") == datetime(2024, 3, 2, 10, tzinfo=UTC)
    assert parse_png_time("2024-03-02T10:00:00") == datetime(2024, 3, 2, 10)


def test_generator_record_keeps_its_own_fields_and_gains_descriptive_ones(tmp_path: Path) -> None:
    text = a1111_parameters(
        "a knight", "", {"Steps": 20, "Sampler": "Euler a", "Seed": 1, "Version": "v1.9.4"}
    )
    xmp = xmp_packet(
        title="Knight", subject=["armour"], create_date="2024-01-01T00:00:00", creator_tool="Bridge"
    )
    meta = raw_of(write_png(tmp_path / "k.png", make_image(6), {"parameters": text}, xmp=xmp))
    record = read_generation(meta).record
    assert (record.tool, record.prompt, record.title, record.tags, record.software) == (
        Tool.A1111,
        "a knight",
        "Knight",
        ["armour"],
        "AUTOMATIC1111 v1.9.4",  # the generator's own software wins
    )
    assert record.created_at == datetime(2024, 1, 1)
    assert record.raw == {"png:parameters": text, "xmp": xmp}


# --------------------------------------------------------------------------- dispatch


def test_reader_order() -> None:
    assert [str(r.tool) for r in GENERATOR_READERS] == [
        "comfyui",
        "invokeai",
        "novelai",
        "swarmui",
        "easydiffusion",
        "drawthings",
        "fooocus",
        "a1111",
        "midjourney",
    ]


def test_more_specific_markers_win(tmp_path: Path) -> None:
    # an InvokeAI image re-saved by a tool that added a `parameters` block stays InvokeAI
    chunks = {
        **invokeai_metadata("a fox"),
        "parameters": a1111_parameters("other", "", {"Steps": 1, "Seed": 2, "Sampler": "x"}),
    }
    assert (
        read_generation(raw_of(write_png(tmp_path / "a.png", make_image(7), chunks))).record.tool
        is Tool.INVOKEAI
    )
    # NovelAI's Description chunk is not mistaken for a Midjourney description
    nai = novelai_chunks("Job ID: is just words here")
    assert (
        read_generation(raw_of(write_png(tmp_path / "b.png", make_image(8), nai))).record.tool is Tool.NOVELAI
    )
    # Fooocus JSON in `parameters` is Fooocus, never an A1111 prompt
    foo = {"parameters": fooocus_json("a cabin")}
    record = read_generation(raw_of(write_png(tmp_path / "c.png", make_image(9), foo))).record
    assert (record.tool, record.prompt) == (Tool.FOOOCUS, "a cabin")


def test_a_corrupt_reader_falls_through_to_the_next_marker(tmp_path: Path) -> None:
    chunks = {"invokeai_metadata": "{broken", "parameters": "a cat\nSteps: 20, Sampler: Euler, Seed: 9"}
    extraction = read_generation(raw_of(write_png(tmp_path / "a.png", make_image(10), chunks)))
    assert (extraction.record.tool, extraction.record.seed) == (Tool.A1111, 9)
    assert len(extraction.warnings) == 1 and extraction.warnings[0].startswith(
        "invokeai metadata is unreadable"
    )


# --------------------------------------------------------------------------- writers


def test_iptc_writer_bytes() -> None:
    iim = iptc_iim({"ObjectName": "éa", "Keywords": ["a", "b"]})
    assert iim == (
        b"\x1c\x01\x5a\x00\x03\x1b%G"
        b"\x1c\x02\x00\x00\x02\x00\x04"
        b"\x1c\x02\x05\x00\x03\xc3\xa9a"
        b"\x1c\x02\x19\x00\x01a"
        b"\x1c\x02\x19\x00\x01b"
    )
    segment = photoshop_app13(iim)
    assert segment[:4] == b"\xff\xed" + (len(segment) - 2).to_bytes(2, "big")
    assert segment[4:18] == b"Photoshop 3.0\x00"
    assert segment[18:30] == b"8BIM\x04\x04\x00\x00" + len(iim).to_bytes(4, "big")
    assert len(iim) % 2 == 1 and segment[30:] == iim + b"\x00"  # resource data padded to even


def test_iptc_segment_follows_the_app_segments(tmp_path: Path) -> None:
    path = write_jpeg(tmp_path / "a.jpg", make_image(11), xmp=xmp_packet(title="t"), iptc={"ObjectName": "o"})
    data = path.read_bytes()
    markers = []
    pos = 2
    while data[pos + 1] != 0xDA:  # up to start of scan
        markers.append(data[pos + 1])
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
    assert markers[:3] == [0xE0, 0xE1, 0xED]  # JFIF, XMP, then our APP13


def test_xmp_packet_is_well_formed_and_escaped() -> None:
    packet = xmp_packet(title="a < b & c", description='say "hi"', subject=["x&y"], credit="Me & Co")
    assert xmp_properties(packet) == {
        "photoshop:Credit": ["Me & Co"],
        "dc:title": ["a < b & c"],
        "dc:description": ['say "hi"'],
        "dc:subject": ["x&y"],
    }


def test_novelai_comment_is_json_with_the_request_keys() -> None:
    comment = json.loads(novelai_chunks("p", "n", seed=3)["Comment"])
    assert (comment["prompt"], comment["uc"], comment["seed"], comment["request_type"]) == (
        "p",
        "n",
        3,
        "PromptGenerateRequest",
    )
