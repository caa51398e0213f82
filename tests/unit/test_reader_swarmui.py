"""SwarmUI: `sui_image_params` JSON in the PNG `parameters` chunk or a JPEG's EXIF UserComment,
written as SwarmUI saves it (latentdam.testing.formats.swarmui_parameters)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from readers_support import read_both

from latentdam.extract.readers.swarmui import SwarmUIReader
from latentdam.extract.record import LoRA, Tool
from latentdam.testing.formats import make_image, swarmui_parameters, write_jpeg_with_usercomment, write_png

READER = SwarmUIReader()
TEXT = swarmui_parameters(
    "a cozy reading nook, rain on the window, warm lamp light",
    "people, text",
    loras=[("styles/watercolor_v2", 0.7), ("detail/add_detail", 1.0)],
    refiner="OfficialStableDiffusion/sd_xl_refiner_1.0",
)


def _check(path: Path) -> None:
    record = read_both(READER, path, Tool.SWARMUI)
    assert record.prompt == "a cozy reading nook, rain on the window, warm lamp light"
    assert record.negative_prompt == "people, text"
    assert record.model == "OfficialStableDiffusion/sd_xl_base_1.0"
    assert record.diffusion_models() == [
        "OfficialStableDiffusion/sd_xl_base_1.0",
        "OfficialStableDiffusion/sd_xl_refiner_1.0",
    ]
    assert record.loras == [LoRA("styles/watercolor_v2", 0.7), LoRA("detail/add_detail", 1.0)]
    assert (record.sampler, record.scheduler, record.steps, record.cfg) == ("dpmpp_2m", "karras", 30, 7.0)
    assert (record.seed, record.width, record.height) == (1893712649, 1024, 1024)
    assert record.software == "SwarmUI 0.9.5.2"
    assert record.created_at is not None and record.created_at.date() == date(2025, 3, 14)


def test_png_parameters_chunk(tmp_path: Path) -> None:
    _check(write_png(tmp_path / "swarm.png", make_image(1), {"parameters": TEXT}))


def test_jpeg_user_comment(tmp_path: Path) -> None:
    _check(write_jpeg_with_usercomment(tmp_path / "swarm.jpg", make_image(2), TEXT))


def test_not_fooocus_or_a1111(tmp_path: Path) -> None:
    """Fooocus also writes JSON into `parameters`; SwarmUI's marker decides."""
    from readers_support import raw_of

    from latentdam.extract.metadata import read_generation

    path = write_png(tmp_path / "s.png", make_image(3), {"parameters": swarmui_parameters("a fox")})
    assert read_generation(raw_of(path)).record.tool is Tool.SWARMUI
