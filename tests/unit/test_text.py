from __future__ import annotations

import pytest

from latentdam.extract.record import GenerationRecord, LoRA, Tool
from latentdam.extract.text import clean_prompt, embedding_text, keyword_text


@pytest.mark.parametrize(
    ("prompt", "expected"),
    [
        ("a (red:1.3) fox, ((masterpiece)), [blurry]", "a red fox, masterpiece, blurry"),
        ("portrait <lora:add_detail:0.8> of a knight <lyco:style:1>", "portrait of a knight"),
        ("a [cat:dog:0.5] in a field", "a cat dog in a field"),
        ("castle BREAK night sky", "castle, night sky"),
        ("a [red|blue] car", "a red blue car"),
        ("  , , leading commas ,, and gaps  ", "leading commas, and gaps"),
    ],
)
def test_clean_prompt_keeps_words_drops_syntax(prompt: str, expected: str) -> None:
    assert clean_prompt(prompt) == expected


def test_embedding_text_leaves_out_negative_prompt_and_model_names() -> None:
    record = GenerationRecord(
        tool=Tool.A1111,
        prompt="a (lighthouse:1.2) at dusk",
        negative_prompt="blurry, lowres",
        model="sdxl_base_1.0",
        loras=[LoRA("film_grain", 0.7)],
        title="Coast study",
        tags=["sea", "light"],
    )
    assert embedding_text(record) == "a lighthouse at dusk. Coast study. sea, light"
    keywords = keyword_text(record, "/renders/coast_042.png")
    for word in ("lighthouse", "sdxl_base_1.0", "film_grain", "a1111", "coast_042", "sea light"):
        assert word in keywords
    assert "blurry" not in keywords
