from __future__ import annotations

from pathlib import Path

import pytest

from latentdam import Library, Signal
from latentdam.extract.record import GenerationRecord, LoRA, Tool
from latentdam.extract.text import (
    clean_prompt,
    embedding_text,
    keyword_text,
    prompt_embeddings,
    without_attribution,
)
from latentdam.testing.formats import a1111_controlnet, a1111_parameters, make_image, write_png
from latentdam.vocabulary import Glossary


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


# --------------------------------------------------------------------------- the glossary at ingest

DEPTH_MEANING = (
    "depth-guided composition control: the layout and spatial depth follow a depth map of a reference image"
)


def _syntax_examples() -> list[tuple[str, str, str]]:
    return [
        (entry.term, prompt, cleaned)
        for entry in Glossary.load().entries
        if entry.kind == "syntax"
        for prompt, cleaned in entry.examples
    ]


def test_every_syntax_entry_has_examples() -> None:
    syntax = [e for e in Glossary.load().entries if e.kind == "syntax"]
    assert syntax and all(e.examples for e in syntax)


@pytest.mark.parametrize(("term", "prompt", "expected"), _syntax_examples())
def test_clean_prompt_handles_every_syntax_the_glossary_lists(term: str, prompt: str, expected: str) -> None:
    assert clean_prompt(prompt) == expected, term


@pytest.mark.parametrize(
    "prompt",
    [
        "car Ash Thorp :: ford : in oil liquid organic architecture style : 7 u x y o pattern",
        "BLACK AND WHITE PHOTO OF A HARBOUR",
        "a city made of Rubik\\'s cubes, 25mm f/1.7 lens",
        "a poster in 16:9 format, time 10:30",
    ],
)
def test_clean_prompt_leaves_look_alikes_of_syntax_alone(prompt: str) -> None:
    assert clean_prompt(prompt) == prompt


def test_prompt_embeddings_names_textual_inversions() -> None:
    prompt = "a castle, embedding:EasyNegative, (embedding:style_ink.pt:1.2), <lora:x:1>"
    assert prompt_embeddings(prompt) == ["EasyNegative", "style_ink"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ecosystem, acrylic painting by Beeple and CGSociety", "ecosystem, acrylic painting"),
        ("a prison near a river by peter doig, muted colors", "a prison near a river, muted colors"),
        ("a knight painted by greg rutkowski and alphonse mucha, 8k", "a knight, 8k"),
        ("castle in the style of studio ghibli, sunset", "castle, sunset"),
        ("Illustration of a girl, art by christopher vacher", "Illustration of a girl, art"),
        # not attributions: passive voice, places, times, hyphenated words
        ("the bastille surrounded by marmots", "the bastille surrounded by marmots"),
        ("swans by a lake, by night, lit by candles", "swans by a lake, by night, lit by candles"),
        ("stand-by mode, made by hand", "stand-by mode, made by hand"),
        ("by greg rutkowski", ""),
    ],
)
def test_without_attribution_drops_who_a_prompt_imitates(text: str, expected: str) -> None:
    assert without_attribution(text) == expected


def test_artist_names_are_searched_by_keyword_not_embedded() -> None:
    record = GenerationRecord(tool=Tool.A1111, prompt="a lighthouse at dusk, by Beeple")
    assert embedding_text(record) == "a lighthouse at dusk"
    assert "Beeple" in keyword_text(record, "/x/a.png")
    # a prompt that is nothing but a credit keeps it: something must be embedded
    assert embedding_text(GenerationRecord(tool=Tool.A1111, prompt="by Beeple")) == "by Beeple"


def test_embedding_text_of_a_plain_record_is_unchanged_by_the_glossary() -> None:
    """Model, sampler, schedule and settings are no tools: the text is the prompt alone."""
    parameters = a1111_parameters(
        "a (red fox:1.2) in the snow",
        "blurry",
        {"Steps": 20, "Sampler": "DPM++ 2M", "Schedule type": "Karras", "CFG scale": 7, "Seed": 1,
         "Size": "512x512", "Model hash": "31e35c80fc", "Model": "v1-5-pruned-emaonly"},
    )  # fmt: skip
    record = GenerationRecord(
        tool=Tool.A1111,
        prompt="a (red fox:1.2) in the snow",
        negative_prompt="blurry",
        model="v1-5-pruned-emaonly",
        sampler="DPM++ 2M",
        scheduler="Karras",
        steps=20,
        cfg=7,
        seed=1,
        raw={"png:parameters": parameters},
    )
    assert embedding_text(record) == "a red fox in the snow"


def test_embedding_text_says_what_the_tools_did() -> None:
    record = GenerationRecord(
        tool=Tool.A1111,
        prompt="a cat on a sofa",
        model="v1-5-pruned-emaonly",
        controlnets=["control_v11f1p_sd15_depth [cfd03158]"],
        tags=["pets"],
    )
    assert embedding_text(record) == f"a cat on a sofa. pets. Made with {DEPTH_MEANING}"
    record.raw = {
        "png:parameters": a1111_parameters(
            "a cat on a sofa", "", {"Steps": 20, "Seed": 1, "Hires upscale": 2}
        )
    }
    hires = Glossary.load()["Hires fix"].meaning
    assert embedding_text(record) == f"a cat on a sofa. pets. Made with {DEPTH_MEANING}; {hires}"


def test_keyword_text_carries_the_jargon_of_the_tools_used() -> None:
    record = GenerationRecord(
        tool=Tool.COMFYUI,
        prompt="a cat, embedding:ink_style",
        model="sd_xl_base_1.0",
        controlnets=["control_v11f1p_sd15_depth"],
    )
    keywords = keyword_text(record, "/renders/cat.png").split("\n")
    assert keywords[0] == "a cat"  # the embedding tag is syntax, not words
    assert "ink_style" in keywords
    jargon = keywords[-1].split()
    for word in ("controlnet", "depth", "midas", "control", "sdxl", "stable", "textual", "inversion"):
        assert word in jargon, word
    assert len(jargon) == len(set(jargon))  # each word once: no BM25 weight from repetition
    assert keywords[-1].startswith("controlnet depth controlnetdepth depthcontrolnet control v11f1p sd15 ")


def test_search_in_plain_words_finds_the_controlnet_image(library: Library, tmp_path: Path) -> None:
    """End to end: ingest two A1111 PNGs alike but for a depth ControlNet; a plain-words query
    for what the ControlNet did finds that image first (its embedded text says so)."""
    folder = tmp_path / "renders"
    folder.mkdir()
    settings: dict[str, object] = {
        "Steps": 20,
        "Sampler": "DPM++ 2M",
        "Schedule type": "Karras",
        "CFG scale": 7,
        "Seed": 42,
        "Size": "512x512",
        "Model hash": "31e35c80fc",
        "Model": "v1-5-pruned-emaonly",
    }
    with_cn = {
        **settings,
        "ControlNet 0": a1111_controlnet("depth_midas", "control_v11f1p_sd15_depth [cfd03158]"),
    }
    write_png(
        folder / "plain.png",
        make_image(1),
        {"parameters": a1111_parameters("a cozy living room with a sofa and a lamp", "", settings)},
    )
    write_png(
        folder / "depth.png",
        make_image(2),
        {"parameters": a1111_parameters("a cozy living room with a sofa and a reading lamp", "", with_cn)},
    )
    library.ingest([folder])

    result = library.search("depth-guided composition control", limit=1)
    assert [Path(hit.path).name for hit in result.results] == ["depth.png"]
    assert result.results[0].asset.record.controlnets == ["control_v11f1p_sd15_depth"]
    assert result.results[0].asset.record.prompt == "a cozy living room with a sofa and a reading lamp"
    # the semantic signal on its own already prefers it: its embedded text carries the meaning
    semantic = library.search(
        "depth-guided composition control", limit=2, signals=["semantic"], include_all=True
    )
    assert [Path(hit.path).name for hit in semantic.results] == ["depth.png", "plain.png"]

    # and the other way round: the jargon finds it, by keyword (aliases) and by meaning
    jargon = library.search("ControlNet depth", limit=1)
    assert [Path(hit.path).name for hit in jargon.results] == ["depth.png"]
    assert jargon.results[0].signals.keys() >= {Signal.SEMANTIC, Signal.KEYWORD}
    by_meaning = library.search("ControlNet depth", limit=2, signals=["semantic"], include_all=True)
    assert [Path(hit.path).name for hit in by_meaning.results] == ["depth.png", "plain.png"]
