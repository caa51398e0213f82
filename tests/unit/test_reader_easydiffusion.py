"""Easy Diffusion: one PNG text chunk per setting, written as its save_utils + sdkit save_dicts
embed them (latentdam.testing.formats.easydiffusion_chunks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from readers_support import read_both

from latentdam.extract.readers.easydiffusion import EasyDiffusionReader
from latentdam.extract.record import LoRA, Tool
from latentdam.testing.formats import easydiffusion_chunks, make_image, write_png

READER = EasyDiffusionReader()


@pytest.mark.parametrize("display_names", [False, True])
def test_png_chunks(tmp_path: Path, display_names: bool) -> None:
    chunks = easydiffusion_chunks(
        "a watercolor map of an imaginary island, compass rose",
        "text, signature",
        model="sd-v1-5",
        loras=[("fantasy_map_v2", 0.8), ("watercolor", 0.5)],
        display_names=display_names,
    )
    record = read_both(READER, write_png(tmp_path / "ed.png", make_image(1), chunks), Tool.EASYDIFFUSION)
    assert record.prompt == "a watercolor map of an imaginary island, compass rose"
    assert record.negative_prompt == "text, signature"
    assert record.model == "sd-v1-5"
    assert record.loras == [LoRA("fantasy_map_v2", 0.8), LoRA("watercolor", 0.5)]
    assert (record.sampler, record.steps, record.cfg, record.seed) == ("dpmpp_2m", 25, 7.5, 3720125469)
    assert (record.width, record.height) == (512, 768)


def test_one_lora_and_no_negative(tmp_path: Path) -> None:
    chunks = easydiffusion_chunks("a fox", loras=[("detail", 0.6)])
    record = read_both(READER, write_png(tmp_path / "one.png", make_image(2), chunks), Tool.EASYDIFFUSION)
    assert record.loras == [LoRA("detail", 0.6)] and record.negative_prompt == ""
