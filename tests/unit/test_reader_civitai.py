"""Civitai's generator: an A1111-format block whose checkpoint and LoRAs are in `Civitai
resources`, in a JPEG's UTF-16 EXIF UserComment (latentdam.testing.formats.civitai_parameters);
and A1111 blocks naming a refiner or a hires checkpoint."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from readers_support import read_both

from latentdam.extract.readers.a1111 import A1111Reader
from latentdam.extract.record import LoRA, Tool
from latentdam.testing.formats import (
    a1111_parameters,
    civitai_parameters,
    make_image,
    write_jpeg_with_usercomment,
    write_png,
)

READER = A1111Reader()


def test_generator_download(tmp_path: Path) -> None:
    text = civitai_parameters("a knight in ornate armor, <lora:add_detail:0.5>, dramatic light", "lowres")
    record = read_both(
        READER, write_jpeg_with_usercomment(tmp_path / "c.jpeg", make_image(1), text), Tool.CIVITAI
    )
    assert record.prompt == "a knight in ornate armor, <lora:add_detail:0.5>, dramatic light"
    assert record.model == "DreamShaper 8"  # from the resources: the block has no Model:
    assert record.loras == [LoRA("add_detail", 0.5), LoRA("Detail Tweaker LoRA v1.0", 0.8)]
    assert (record.sampler, record.steps, record.cfg, record.seed) == ("DPM++ 2M Karras", 25, 7.0, 2471902381)
    assert (record.width, record.height) == (832, 1216)
    assert record.created_at == datetime(2025, 2, 3, 18, 22, 41, 642000, tzinfo=UTC)


def test_an_a1111_upload_stays_a1111(tmp_path: Path) -> None:
    """Civitai keeps the parameters of images made elsewhere; only its own generator adds resources."""
    text = a1111_parameters(
        "a fox", "", {"Steps": 20, "Seed": 1, "Model": "dreamshaper_8", "Hashes": '{"model": "879db523c3"}'}
    )
    record = read_both(
        READER, write_jpeg_with_usercomment(tmp_path / "a.jpeg", make_image(2), text), Tool.A1111
    )
    assert record.model == "dreamshaper_8"


def test_refiner_and_hires_checkpoint_are_models_too(tmp_path: Path) -> None:
    settings = {
        "Steps": 30,
        "Seed": 7,
        "Model": "sd_xl_base_1.0",
        "Refiner": "sd_xl_refiner_1.0 [7440042bbd]",
        "Refiner switch at": 0.8,
        "Hires checkpoint": "juggernautXL_v9",
    }
    path = write_png(
        tmp_path / "r.png", make_image(3), {"parameters": a1111_parameters("a castle", "", settings)}
    )
    record = read_both(READER, path, Tool.A1111)
    assert record.model == "sd_xl_base_1.0"
    assert record.diffusion_models() == ["sd_xl_base_1.0", "sd_xl_refiner_1.0", "juggernautXL_v9"]
