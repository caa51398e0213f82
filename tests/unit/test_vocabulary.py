from __future__ import annotations

import json
import tomllib
from importlib import resources

import pytest

from latentdam.extract.record import GenerationRecord, LoRA, Tool
from latentdam.testing.formats import a1111_parameters
from latentdam.vocabulary import KINDS, Glossary, GlossaryEntry, GlossaryError
from latentdam.vocabulary.glossary import compact, tokens

# one worker runs the module (pytest-xdist): its module-scoped fixture is built once
pytestmark = pytest.mark.xdist_group("vocabulary")


@pytest.fixture(scope="module")
def glossary() -> Glossary:
    return Glossary.load()


def _raw_toml() -> dict[str, object]:
    text = resources.files("latentdam.vocabulary").joinpath("glossary.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _terms(entries: list[GlossaryEntry]) -> list[str]:
    return [e.term for e in entries]


# --------------------------------------------------------------------------- the data


def test_toml_parses_and_every_entry_is_complete() -> None:
    entries = _raw_toml()["entry"]
    assert isinstance(entries, list)
    assert 80 <= len(entries) <= 130
    for entry in entries:
        assert entry["term"].strip(), entry
        assert entry["kind"] in KINDS, entry["term"]
        assert entry["meaning"].strip(), entry["term"]
        assert all(alias == alias.lower() and alias.strip() for alias in entry.get("aliases", [])), entry[
            "term"
        ]


def test_no_spelling_belongs_to_two_entries() -> None:
    """Matching ignores case, punctuation and spaces, so compare spellings as matched."""
    owner: dict[str, str] = {}
    for entry in _raw_toml()["entry"]:  # type: ignore[union-attr]
        keys = [compact(s) for s in [entry["term"], *entry.get("aliases", [])]]
        assert len(set(keys[1:])) == len(keys) - 1, f"{entry['term']}: an alias repeats a spelling"
        for key in set(keys):
            assert owner.setdefault(key, entry["term"]) == entry["term"], (
                f"{key!r}: {owner[key]} / {entry['term']}"
            )


def test_load_is_cached_and_covers_the_brief(glossary: Glossary) -> None:
    assert Glossary.load() is glossary
    assert len(glossary) == len(_raw_toml()["entry"])  # type: ignore[arg-type]
    for term in [
        "ControlNet depth", "ControlNet canny", "ControlNet openpose", "ControlNet scribble",
        "ControlNet lineart", "ControlNet lineart anime", "ControlNet softedge", "ControlNet MLSD",
        "ControlNet normal map", "ControlNet segmentation", "ControlNet tile", "ControlNet inpaint",
        "ControlNet shuffle", "ControlNet reference", "QR Code Monster", "ControlNet union",
        "IP-Adapter", "IP-Adapter FaceID", "T2I-Adapter", "LoRA", "LyCORIS", "Textual inversion",
        "Hypernetwork", "img2img", "Inpainting", "Outpainting", "Hires fix", "ESRGAN", "4x-UltraSharp",
        "SwinIR", "Latent upscale", "Refiner", "Euler", "Euler a", "DPM++ 2M Karras", "DDIM", "UniPC",
        "LCM", "Karras", "Exponential schedule", "SGM uniform", "CFG scale", "Denoising strength",
        "Clip skip", "Seed", "Steps", "SD 1.5", "SD 2.1", "SDXL", "SDXL Turbo", "SDXL Lightning",
        "Pony Diffusion", "Illustrious", "SD3", "FLUX.1 dev", "FLUX.1 schnell", "FLUX.1 Kontext",
        "Qwen-Image", "Playground v2.5", "Juggernaut", "DreamShaper", "Realistic Vision",
        "Prompt weighting", "Prompt editing", "Prompt alternation", "BREAK keyword", "LoRA tag",
        "Embedding syntax",
    ]:  # fmt: skip
        assert glossary[term].term == term


def test_loader_refuses_a_spelling_used_twice() -> None:
    toml = """
    [[entry]]
    term = "A"
    kind = "controlnet"
    aliases = ["depth_midas"]
    meaning = "one"
    [[entry]]
    term = "B"
    kind = "controlnet"
    aliases = ["Depth-MiDaS"]
    meaning = "two"
    """
    with pytest.raises(GlossaryError, match="belongs to both 'A' and 'B'"):
        Glossary.from_toml(toml)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('term = "A"\nkind = "gadget"\nmeaning = "x"', "unknown kind 'gadget'"),
        ('term = "A"\nkind = "setting"\nmeaning = " "', "empty meaning"),
        ('term = "A"\nkind = "setting"', "missing field 'meaning'"),
        ('term = "A"\nkind = "setting"\nmeaning = "x"\nalias = ["a"]', r"unknown fields \['alias'\]"),
    ],
)
def test_loader_refuses_malformed_entries(entry: str, message: str) -> None:
    with pytest.raises(GlossaryError, match=message):
        Glossary.from_toml(f"[[entry]]\n{entry}\n")


# --------------------------------------------------------------------------- matching


def test_tokens_split_file_names_and_camel_case() -> None:
    assert tokens("control_v11f1p_sd15_depth.pth") == ["control", "v11f1p", "sd15", "depth", "pth"]
    assert tokens("IPAdapterUnifiedLoader") == ["ip", "adapter", "unified", "loader"]
    assert tokens("4x-UltraSharp") == ["4x", "ultra", "sharp"]
    assert compact("DPM++ 2M Karras") == compact("dpm 2m karras") == "dpm2mkarras"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("control_v11f1p_sd15_depth.pth", ["ControlNet depth"]),
        ("control_v11f1p_sd15_depth [cfd03158]", ["ControlNet depth"]),
        ("ControlNet depth", ["ControlNet depth"]),
        ("controlnet-depth", ["ControlNet depth"]),
        ("depth controlnet", ["ControlNet depth"]),
        ("depth_midas", ["ControlNet depth"]),
        ("t2i-adapter depth", ["ControlNet depth"]),
        ("control_v11p_sd15s2_lineart_anime", ["ControlNet lineart anime"]),
        ("controlnet-canny-sdxl-1.0", ["ControlNet canny", "SDXL"]),
        ("thibaud_xl_openpose_256lora", ["ControlNet openpose"]),
        ("ip-adapter-plus_sd15", ["IP-Adapter"]),
        ("IPAdapterUnifiedLoader", ["IP-Adapter"]),
        ("DPM++ 2M Karras", ["DPM++ 2M Karras"]),
        ("DPM++ 2M SDE Karras", ["DPM++ SDE"]),  # the longest spelling wins
        ("dpmpp_2m", ["DPM++ 2M"]),
        ("euler_ancestral", ["Euler a"]),
        ("sd_xl_base_1.0", ["SDXL"]),
        ("v1-5-pruned-emaonly", ["SD 1.5"]),
        ("ponyDiffusionV6XL_v6StartWithThisOne", ["Pony Diffusion"]),
        ("flux1-dev-fp8.safetensors", ["FLUX.1 dev"]),
        ("R-ESRGAN 4x+ Anime6B", ["ESRGAN"]),
        ("a photo with hires fix and clip skip 2", ["Hires fix", "Clip skip"]),
    ],
)
def test_match_finds_jargon_in_names_and_text(glossary: Glossary, text: str, expected: list[str]) -> None:
    assert _terms(glossary.match(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "a portrait of a woman, depth of field, bokeh",
        "a pony in a meadow",
        "line art of a cat",
        "a woman in painting style",
        "lightning over the sea",
        "a seed sprouting, macro",
        "floral pattern",  # "lora" inside a word is not LoRA
        "photo, ultra sharp, 8k",
        "a juggernaut tank",
    ],
)
def test_ordinary_words_in_free_text_are_not_jargon(glossary: Glossary, text: str) -> None:
    assert glossary.match(text) == []


def test_ordinary_word_aliases_need_a_qualifier_or_a_setting_field(glossary: Glossary) -> None:
    assert glossary.match("depth") == []
    assert _terms(glossary.match("depth", setting=True)) == ["ControlNet depth"]
    assert _terms(glossary.match("canny preprocessor")) == ["ControlNet canny"]
    assert _terms(glossary.match("pony checkpoint")) == ["Pony Diffusion"]
    assert _terms(glossary.match("karras scheduler")) == ["Karras"]
    # the qualifier must be near: four words away is too far
    assert "ControlNet depth" not in _terms(glossary.match("depth of field photo with controlnet canny"))
    assert _terms(glossary.match("depth of field photo with controlnet canny")) == ["ControlNet canny"]


def test_match_can_be_limited_to_kinds(glossary: Glossary) -> None:
    assert _terms(glossary.match("controlnet-canny-sdxl-1.0", kinds=("controlnet",))) == ["ControlNet canny"]
    assert _terms(glossary.match("sd-v1-5-inpainting", setting=True, kinds=("model_family",))) == ["SD 1.5"]


# --------------------------------------------------------------------------- records


def test_meanings_for_a_depth_controlnet_record(glossary: Glossary) -> None:
    record = GenerationRecord(
        tool=Tool.A1111, prompt="a cat", controlnets=["control_v11f1p_sd15_depth [cfd03158]"]
    )
    assert glossary.meanings_for_record(record) == [
        "depth-guided composition control: the layout and spatial depth follow a depth map of a reference image"
    ]


def test_unknown_controlnet_model_still_reads_as_controlnet(glossary: Glossary) -> None:
    record = GenerationRecord(controlnets=["my_custom_cn_v2"])
    assert _terms(glossary.entries_for_record(record)) == ["ControlNet"]


def test_entries_for_record_reads_every_generation_field(glossary: Glossary) -> None:
    parameters = a1111_parameters(
        "a knight <lora:add_detail:0.8>",
        "",
        {
            "Steps": 25,
            "Sampler": "DPM++ 2M",
            "Schedule type": "Karras",
            "Model": "juggernautXL_v9",
            "Denoising strength": 0.4,
            "Hires upscale": 2,
            "Hires upscaler": "4x-UltraSharp",
            "ADetailer model": "face_yolov8n.pt",
        },
    )
    record = GenerationRecord(
        tool=Tool.A1111,
        prompt="a knight <lora:add_detail:0.8>",
        model="juggernautXL_v9",
        loras=[LoRA("add_detail", 0.8), LoRA("lcm-lora-sdxl", 1.0)],
        controlnets=["control_v11p_sd15_openpose", "ip-adapter_sd15"],
        sampler="DPM++ 2M",
        scheduler="Karras",
        raw={"png:parameters": parameters},
    )
    assert _terms(glossary.entries_for_record(record)) == [
        "ControlNet openpose",
        "IP-Adapter",
        "Hires fix",
        "ADetailer",
        "4x-UltraSharp",
        "Juggernaut",
        "LoRA",
        "LCM",  # from the LoRA name lcm-lora-sdxl
        "DPM++ 2M",
        "Karras",
        "Denoising strength",
    ]


def test_entries_for_a_comfyui_record_come_from_its_nodes(glossary: Glossary) -> None:
    prompt = {
        "1": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "flux1-dev.safetensors"}},
        "2": {"class_type": "UpscaleModelLoader", "inputs": {"model_name": "4x-UltraSharp.pth"}},
        "3": {
            "class_type": "ImageUpscaleWithModel",
            "inputs": {"upscale_model": ["2", 0], "image": ["4", 0]},
        },
        "4": {
            "class_type": "IPAdapterModelLoader",
            "inputs": {"ipadapter_file": "ip-adapter-plus_sdxl_vit-h.safetensors"},
        },
    }
    record = GenerationRecord(
        tool=Tool.COMFYUI,
        prompt="a castle, embedding:ink_style",
        model="flux1-dev.safetensors",
        raw={"png:prompt": json.dumps(prompt)},
    )
    assert _terms(glossary.entries_for_record(record)) == [
        "IP-Adapter",
        "Upscaler",
        "4x-UltraSharp",
        "FLUX.1 dev",
        "Textual inversion",
    ]


def test_plain_record_uses_no_tools(glossary: Glossary) -> None:
    parameters = a1111_parameters(
        "a red fox", "", {"Steps": 20, "CFG scale": 7, "Seed": 1, "Size": "512x512"}
    )
    record = GenerationRecord(
        tool=Tool.A1111, prompt="a red fox", steps=20, raw={"png:parameters": parameters}
    )
    assert glossary.entries_for_record(record) == []


# --------------------------------------------------------------------------- queries


def test_expand_query_finds_jargon_a_plain_query_paraphrases(glossary: Glossary) -> None:
    expansion = glossary.expand_query("depth-guided composition control")
    depth = glossary["ControlNet depth"]
    assert expansion.named == ()
    assert expansion.meanings == ()
    assert expansion.paraphrased == (depth,)
    assert expansion.terms == depth.spellings
    assert expansion.terms[:3] == ("ControlNet depth", "depth", "depth controlnet")
    assert "control_v11f1p_sd15_depth" in expansion.terms


def test_expand_query_gives_the_meaning_of_named_jargon(glossary: Glossary) -> None:
    expansion = glossary.expand_query("ControlNet depth")
    assert expansion.named == (glossary["ControlNet depth"],)
    assert expansion.meanings == (
        "depth-guided composition control: the layout and spatial depth follow a depth map of a reference image",
    )
    assert expansion.paraphrased == ()  # the named jargon is not also read as plain words
    assert expansion.terms == ()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("pose-guided composition", ["ControlNet openpose"]),
        ("made from a rough sketch", ["ControlNet scribble"]),
        ("two-pass high-resolution", ["Hires fix"]),
        ("extended beyond its borders", ["Outpainting"]),
        ("qr code illusion", ["QR Code Monster"]),
        ("portrait of a woman made with depth-guided composition control", ["ControlNet depth"]),
    ],
)
def test_paraphrases(glossary: Glossary, query: str, expected: list[str]) -> None:
    assert _terms(list(glossary.expand_query(query).paraphrased)) == expected


@pytest.mark.parametrize(
    "query",
    [
        "a red car in the rain",
        "a portrait of a woman, depth of field",
        "reference image",
        "a photo of a man holding a reference image",
        "a beautiful photorealistic portrait of a woman with depth of field, sharp focus, highly detailed",
    ],
)
def test_ordinary_queries_expand_to_nothing(glossary: Glossary, query: str) -> None:
    expansion = glossary.expand_query(query)
    assert not expansion
    assert expansion.meanings == () and expansion.terms == ()
