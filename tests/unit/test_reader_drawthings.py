"""Draw Things: XMP with the settings JSON in exif:UserComment and the A1111-like text in
dc:description, written as latentdam.testing.formats.drawthings_xmp describes it (Draw Things'
saving code is not public: the format is what readers built from its real files agree on)."""

from __future__ import annotations

from pathlib import Path

import pytest
from readers_support import raw_of, read_both

from latentdam.extract.metadata import read_generation
from latentdam.extract.readers.drawthings import DrawThingsReader
from latentdam.extract.record import LoRA, Tool
from latentdam.testing.formats import drawthings_xmp, make_image, write_jpeg, write_png, xmp_packet

READER = DrawThingsReader()
PROMPT = "digital artwork in the style of ckgr, a lighthouse on a cliff, Inkpunk Anime"
LORAS = [("flux_faetastic_details_v1.0_lora_f16.ckpt", 0.6), ("aidmamj6.1_flux_v0.5_lora_f16.ckpt", 0.35)]


def _check(path: Path) -> None:
    record = read_both(READER, path, Tool.DRAWTHINGS)
    assert record.prompt == PROMPT
    assert record.negative_prompt == "blurry, text"
    assert record.model == "flux_1_dev_q5p.ckpt"
    assert record.loras == [LoRA(name, weight) for name, weight in LORAS]
    assert (record.sampler, record.steps, record.cfg, record.seed) == ("DPM++ 2M AYS", 30, 5.0, 1105283975)
    assert (record.width, record.height) == (512, 768)
    assert record.software == "Draw Things"


@pytest.mark.parametrize("comment_as_alt", [True, False])
def test_png_xmp(tmp_path: Path, comment_as_alt: bool) -> None:
    xmp = drawthings_xmp(PROMPT, "blurry, text", loras=LORAS, comment_as_alt=comment_as_alt)
    _check(write_png(tmp_path / "dt.png", make_image(1), xmp=xmp))


def test_jpeg_xmp(tmp_path: Path) -> None:
    _check(
        write_jpeg(
            tmp_path / "dt.jpg", make_image(2), xmp=drawthings_xmp(PROMPT, "blurry, text", loras=LORAS)
        )
    )


def test_description_alone(tmp_path: Path) -> None:
    """A file whose UserComment was stripped still has the description's text."""
    xmp = drawthings_xmp(PROMPT, "blurry, text", loras=LORAS).replace("exif:UserComment", "exif:Dropped")
    _check(write_png(tmp_path / "dt.png", make_image(3), xmp=xmp))


def test_broken_json_falls_back_to_the_description(tmp_path: Path) -> None:
    xmp = drawthings_xmp(PROMPT, "blurry, text", loras=LORAS).replace('{"c":', '{"c" ')
    _check(write_png(tmp_path / "dt.png", make_image(4), xmp=xmp))


def test_broken_json_alone_is_a_warning(tmp_path: Path) -> None:
    xmp = drawthings_xmp(PROMPT).replace('{"c":', '{"c" ').replace("dc:description", "dc:dropped")
    result = read_generation(raw_of(write_png(tmp_path / "dt.png", make_image(4), xmp=xmp)))
    assert any("not valid JSON" in w for w in result.warnings)


def test_other_xmp_is_not_draw_things(tmp_path: Path) -> None:
    """A packet that only mentions the app in its description is a plain description."""
    xmp = xmp_packet(description="made with draw things on my phone", creator_tool="Adobe Photoshop 26.0")
    result = read_generation(raw_of(write_png(tmp_path / "p.png", make_image(5), xmp=xmp)))
    assert result.record.tool is not Tool.DRAWTHINGS
