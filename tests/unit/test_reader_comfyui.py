"""ComfyUI: the `prompt` API graph (PNG tEXt or WebP EXIF), the `workflow` UI graph as fallback.

A multi-pass graph is described by the sampler that made the saved image (the last one on the
way to the first Save node); every pass is kept in `stages` (test_comfyui_stages.py).

Measured against sd-parsers 0.6's ComfyUIParser with a throwaway script (not a test): each graph
below saved as a ComfyUI PNG with both chunks, facts = the non-empty expected fields (prompt,
negative, model, every diffusion model, LoRAs with weights, ControlNets, sampler, scheduler,
steps, cfg/guidance, seed, width/height). sd-parsers lists every sampler without saying which
made the image, so it was scored generously: a fact counts if *any* of its samplers, or its
leftover-node metadata, holds the right value.

    graph                          facts  sd-parsers  ours   sd-parsers misses
    sd15                              11          11    11
    sdxl_refiner                      11          11    11
    hires_fix                         12          10    12   LoRA weight, height (1.5x upscale)
    latent_upscale_new_checkpoint     11          11    11
    stable_cascade                    10          10    10
    unclip_two_pass                   11          11    11
    noisy_latent_composition          11          11    11
    area_composition                  11          11    11
    model_merge                       11          10    11   the second merged model
    hidream_e1                         9           4     9   prompt, negative, model, sampler
    lora_stack                        12           9    12   model (takes LoraLoader's `model` link), LoRAs
    flux_dev                          10           6    10   prompt, model, sampler
    flux_power_lora                   11           7    11   same as flux_dev
    controlnet                        12          12    12
    primitives                        11          10    11   prompt (linked text)
    qwen_edit                          9           6     9   prompt (`prompt` input), model
    kontext                            8           5     8   model, cfg (FluxGuidance)
    total                            181   155 (86%)   181

With only one of the two chunks (prompt-only or workflow-only files) sd-parsers returns nothing.
"""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from readers_support import GENERATION_FIELDS as READER_FIELDS
from readers_support import raw_of

from latentdam.errors import CorruptMetadata
from latentdam.extract.metadata import read_generation
from latentdam.extract.raw import RawMetadata
from latentdam.extract.readers.comfyui import ComfyUIReader
from latentdam.extract.record import GenerationRecord, LoRA, Tool
from latentdam.testing import comfyui as graphs
from latentdam.testing.comfyui import write_comfyui_png, write_comfyui_webp

READER = ComfyUIReader()
Builder = Callable[[], tuple[dict[str, Any], dict[str, Any]]]


def _flux_power_lora() -> tuple[dict[str, Any], dict[str, Any]]:
    loras = [
        ("flux/realism_lora.safetensors", 0.8, True),
        ("flux/anime_style.safetensors", 1.0, False),  # switched off in the UI
        ("flux/film_grain.safetensors", 0.35, True),
    ]
    return graphs.flux_dev(power_loras=loras)


# builder -> every generation field the reader must produce, exactly
CASES: dict[str, tuple[Builder, dict[str, Any]]] = {
    "sd15": (
        graphs.sd15_txt2img,
        {
            "prompt": "beautiful scenery nature glass bottle landscape, purple galaxy bottle",
            "negative_prompt": "text, watermark",
            "model": "v1-5-pruned-emaonly-fp16.safetensors",
            "sampler": "euler",
            "scheduler": "normal",
            "steps": 20,
            "cfg": 8.0,
            "seed": 156680208700286,
            "width": 512,
            "height": 512,
        },
    ),
    "sdxl_refiner": (
        graphs.sdxl_base_refiner,
        {
            # the refiner made the saved image; it adds no noise, so its seed is the base's
            "prompt": "a majestic snow leopard on a rocky ledge, golden hour, national geographic",
            "negative_prompt": "cartoon, painting, blurry, deformed",
            "model": "sd_xl_refiner_1.0.safetensors",
            "models": ["sd_xl_base_1.0.safetensors", "sd_xl_refiner_1.0.safetensors"],
            "sampler": "euler",
            "scheduler": "normal",
            "steps": 25,
            "cfg": 8.0,
            "seed": 721897303308196,
            "width": 1024,
            "height": 1024,
        },
    ),
    "hires_fix": (
        graphs.sd15_hires_fix,
        {
            # the hires pass's settings, at the upscaled size (512x768 by 1.5)
            "prompt": "a red fox in a misty autumn forest, highly detailed",
            "negative_prompt": "lowres, bad anatomy",
            "model": "dreamshaper_8.safetensors",
            "loras": [LoRA("detail_tweaker_xl.safetensors", 0.5)],
            "sampler": "euler_ancestral",
            "scheduler": "normal",
            "steps": 15,
            "cfg": 5.0,
            "seed": 9902,
            "width": 768,
            "height": 1152,
        },
    ),
    "latent_upscale_new_checkpoint": (
        graphs.latent_upscale_new_checkpoint,
        {
            "prompt": "a medieval castle on a hill, sharp stone detail, banners, golden hour",
            "negative_prompt": "blurry, lowres",
            "model": "epicrealism_naturalSinRC1VAE.safetensors",
            "models": ["v1-5-pruned-emaonly.safetensors", "epicrealism_naturalSinRC1VAE.safetensors"],
            "sampler": "dpmpp_2m",
            "scheduler": "karras",
            "steps": 14,
            "cfg": 5.5,
            "seed": 2222,
            "width": 1024,
            "height": 1024,
        },
    ),
    "stable_cascade": (
        graphs.stable_cascade,
        {
            "prompt": "an evil looking robot in a cyberpunk city, neon signs, rain",
            "model": "stable_cascade_stage_b.safetensors",
            "models": ["stable_cascade_stage_c.safetensors", "stable_cascade_stage_b.safetensors"],
            "sampler": "euler_ancestral",
            "scheduler": "simple",
            "steps": 10,
            "cfg": 1.1,
            "seed": 676767,
            "width": 1024,
            "height": 1024,
        },
    ),
    "unclip_two_pass": (
        graphs.unclip_two_pass,
        {
            "prompt": "a portrait of a woman in a field of sunflowers",
            "negative_prompt": "ugly, deformed",
            "model": "v2-1_768-ema-pruned.safetensors",
            "models": ["sd21-unclip-h.ckpt", "v2-1_768-ema-pruned.safetensors"],
            "sampler": "dpmpp_2m",
            "scheduler": "karras",
            "steps": 14,
            "cfg": 7.0,
            "seed": 5151,
            "width": 1152,
            "height": 1152,
        },
    ),
    "noisy_latent_composition": (
        graphs.noisy_latent_composition,
        {
            # the finishing pass adds no noise: the seed is the background's, whose latent it continues
            "prompt": "a girl with long blue hair and a red fox in a beautiful forest, river, sunlight, masterpiece",
            "negative_prompt": "(hands), text, error, cropped",
            "model": "Anything-V3.0.ckpt",
            "sampler": "dpmpp_sde",
            "scheduler": "normal",
            "steps": 30,
            "cfg": 8.0,
            "seed": 335608130539327,
            "width": 1024,
            "height": 512,
        },
    ),
    "area_composition": (
        graphs.area_composition,
        {
            "prompt": "\n".join(
                [
                    "a beautiful winter landscape at night, masterpiece, best quality",
                    "night sky full of stars, milky way",
                    "snow covered mountains, pine trees",
                    "a frozen lake reflecting the sky",
                ]
            ),
            "negative_prompt": "(worst quality, low quality:1.4)",
            "model": "AOM3A1.safetensors",
            "sampler": "dpmpp_2m",
            "scheduler": "karras",
            "steps": 25,
            "cfg": 7.5,
            "seed": 8566257,
            "width": 1280,
            "height": 704,
        },
    ),
    "model_merge": (
        graphs.model_merge,
        {
            "prompt": "a watercolor hummingbird, white background",
            "negative_prompt": "photo",
            "model": "dreamshaper_8.safetensors",
            "models": ["dreamshaper_8.safetensors", "realisticVisionV60B1_v51HyperVAE.safetensors"],
            "sampler": "euler_ancestral",
            "scheduler": "normal",
            "steps": 24,
            "cfg": 6.0,
            "seed": 777,
            "width": 512,
            "height": 512,
        },
    ),
    "hidream_e1": (
        graphs.hidream_e1_edit,
        {
            "prompt": "Convert the image into a Ghibli style",  # not cond2's negative text
            "negative_prompt": "low resolution, blur",
            "model": "hidream_e1_1_bf16.safetensors",
            "sampler": "euler",
            "scheduler": "normal",
            "steps": 28,
            "cfg": 5.0,
            "seed": 3141592,
        },
    ),
    "lora_stack": (
        graphs.lora_stack,
        {
            "prompt": "portrait of an old fisherman, detailed skin, rim light",
            "negative_prompt": "(worst quality:1.4), lowres",
            "model": "realisticVisionV60B1_v51HyperVAE.safetensors",
            "loras": [
                LoRA("add_detail.safetensors", 0.8),
                LoRA("epi_noiseoffset2.safetensors", 0.6),
                LoRA("sliders/age_slider_v2.safetensors", -1.5),
                LoRA("lcm-lora-sdv1-5.safetensors", 1.0),
            ],
            "sampler": "lcm",
            "scheduler": "sgm_uniform",
            "steps": 8,
            "cfg": 1.5,
            "seed": 42,
            "width": 512,
            "height": 768,
        },
    ),
    "flux_dev": (
        graphs.flux_dev,
        {
            "prompt": "a cozy cabin in a snowy forest at night, warm light in the windows, film photo",
            "model": "flux1-dev.safetensors",
            "sampler": "euler",
            "scheduler": "simple",
            "steps": 20,
            "cfg": 3.5,  # FluxGuidance: BasicGuider has no cfg of its own
            "seed": 219670278747233,
            "width": 1024,
            "height": 1024,
        },
    ),
    "flux_power_lora": (
        _flux_power_lora,
        {
            "prompt": "a cozy cabin in a snowy forest at night, warm light in the windows, film photo",
            "model": "flux1-dev.safetensors",
            "loras": [LoRA("flux/realism_lora.safetensors", 0.8), LoRA("flux/film_grain.safetensors", 0.35)],
            "sampler": "euler",
            "scheduler": "simple",
            "steps": 20,
            "cfg": 3.5,
            "seed": 219670278747233,
            "width": 1024,
            "height": 1024,
        },
    ),
    "controlnet": (
        graphs.controlnet_depth,
        {
            "prompt": "a scandinavian living room, oak floor, soft daylight, interior photography",
            "negative_prompt": "cluttered, dark, low quality",
            "model": "dreamshaper_8.safetensors",  # not the depth preprocessor's ckpt_name
            "controlnets": ["control_v11f1p_sd15_depth.pth"],
            "sampler": "dpmpp_2m",
            "scheduler": "karras",
            "steps": 28,
            "cfg": 6.5,
            "seed": 1234567,
            "width": 768,
            "height": 512,
        },
    ),
    "primitives": (
        graphs.primitive_prompt,
        {
            "prompt": "a lighthouse on a cliff at dusk, dramatic clouds, volumetric light",
            "negative_prompt": "blurry, lowres, jpeg artifacts",
            "model": "SDXL/juggernautXL_v9Rdphoto2Lightning.safetensors",
            "sampler": "dpmpp_sde",
            "scheduler": "karras",
            "steps": 6,
            "cfg": 2.0,
            "seed": 8675309,
            "width": 832,
            "height": 1216,
        },
    ),
    "qwen_edit": (
        graphs.qwen_image_edit,
        {
            "prompt": "replace the red car with a vintage blue bicycle, keep the street unchanged",
            "model": "qwen_image_edit_fp8_e4m3fn.safetensors",
            "loras": [LoRA("Qwen-Image-Lightning-4steps-V1.0.safetensors", 1.0)],
            "sampler": "euler",
            "scheduler": "simple",
            "steps": 4,
            "cfg": 1.0,
            "seed": 508473291,
            # img2img: the size is the input image's, which the graph does not hold
        },
    ),
    "kontext": (
        graphs.flux_kontext_edit,
        {
            "prompt": "make it a watercolor painting while keeping the composition",
            "negative_prompt": "",  # ConditioningZeroOut of the positive: no negative text
            "model": "flux1-dev-kontext_fp8_scaled.safetensors",
            "sampler": "euler",
            "scheduler": "simple",
            "steps": 20,
            "cfg": 2.5,  # KSampler runs at cfg 1; FluxGuidance is the set value
            "seed": 1049732,
        },
    ),
}

# the generation fields every case pins (ComfyUI graphs carry no model hash or software name)
GENERATION_FIELDS = (
    *(f for f in READER_FIELDS if f not in ("tool", "model_hash", "software")),
    "models",
)


def expected_record(facts: dict[str, Any]) -> dict[str, Any]:
    empty = GenerationRecord(tool=Tool.COMFYUI)
    if "models" not in facts:  # one diffusion model: the one `model` names
        facts = facts | {"models": [facts["model"]] if facts.get("model") else []}
    return {name: facts.get(name, getattr(empty, name)) for name in GENERATION_FIELDS}


def generation(record: GenerationRecord) -> dict[str, Any]:
    return {name: getattr(record, name) for name in GENERATION_FIELDS}


def png_meta(tmp_path: Path, prompt: dict[str, Any] | None, workflow: dict[str, Any] | None) -> RawMetadata:
    path = write_comfyui_png(tmp_path / "ComfyUI_00001_.png", Image.new("RGB", (16, 16)), prompt, workflow)
    return raw_of(path)


def text_meta(**chunks: str) -> RawMetadata:
    return RawMetadata(format="PNG", width=16, height=16, text=dict(chunks))


def read_api(prompt: dict[str, Any]) -> GenerationRecord:
    return READER.read(text_meta(prompt=json.dumps(prompt)))


# --------------------------------------------------------------------------- realistic graphs


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("chunks", ["prompt+workflow", "prompt only", "workflow only"])
def test_graphs_through_png(tmp_path: Path, case: str, chunks: str) -> None:
    """Same facts whether the file holds both graphs, only the API graph (output types unknown:
    links are followed by input name), or only the UI graph (widgets named by class)."""
    build, facts = CASES[case]
    prompt, workflow = build()
    meta = png_meta(
        tmp_path,
        None if chunks == "workflow only" else prompt,
        None if chunks == "prompt only" else workflow,
    )
    assert READER.can_read(meta)
    record = READER.read(meta)
    assert record.tool is Tool.COMFYUI
    assert generation(record) == expected_record(facts)


def test_png_chunks_are_written_as_comfyui_does(tmp_path: Path) -> None:
    prompt, workflow = graphs.sd15_txt2img()
    meta = png_meta(tmp_path, prompt, workflow)
    assert meta.text["prompt"] == json.dumps(prompt)
    assert meta.text["workflow"] == json.dumps(workflow)
    # API graph: widgets inline, links as [source id, output index]
    assert prompt["3"]["inputs"]["model"] == ["4", 0]
    assert prompt["3"]["class_type"] == "KSampler"
    # UI graph: the seed widget carries the frontend's control_after_generate value
    ksampler = next(n for n in workflow["nodes"] if n["id"] == 3)
    assert ksampler["widgets_values"][:2] == [156680208700286, "randomize"]


def test_webp_exif_as_save_animated_webp_writes_it(tmp_path: Path) -> None:
    prompt, workflow = graphs.flux_dev()
    path = write_comfyui_webp(tmp_path / "ComfyUI_00001_.webp", Image.new("RGB", (16, 16)), prompt, workflow)
    meta = raw_of(path)
    assert meta.exif["Model"].startswith("prompt:{")
    assert meta.exif["Make"].startswith("workflow:{")
    assert READER.can_read(meta)
    assert generation(READER.read(meta)) == expected_record(CASES["flux_dev"][1])


def test_dispatcher_picks_comfyui(tmp_path: Path) -> None:
    prompt, workflow = graphs.controlnet_depth()
    extraction = read_generation(png_meta(tmp_path, prompt, workflow))
    assert extraction.warnings == []
    assert extraction.record.tool is Tool.COMFYUI
    assert generation(extraction.record) == expected_record(CASES["controlnet"][1])
    assert extraction.record.raw["png:prompt"] == json.dumps(prompt)


# --------------------------------------------------------------------------- broken files


def test_truncated_prompt_is_corrupt(tmp_path: Path) -> None:
    prompt, _ = graphs.sd15_txt2img()
    meta = text_meta(prompt=json.dumps(prompt)[:200])
    assert READER.can_read(meta)
    with pytest.raises(CorruptMetadata, match="not valid JSON"):
        READER.read(meta)


def test_truncated_prompt_and_workflow_is_corrupt() -> None:
    prompt, workflow = graphs.sd15_txt2img()
    meta = text_meta(prompt=json.dumps(prompt)[:200], workflow=json.dumps(workflow)[:300])
    with pytest.raises(CorruptMetadata):
        READER.read(meta)


def test_truncated_prompt_falls_back_to_the_workflow() -> None:
    prompt, workflow = graphs.sd15_txt2img()
    meta = text_meta(prompt=json.dumps(prompt)[:200], workflow=json.dumps(workflow))
    assert generation(READER.read(meta)) == expected_record(CASES["sd15"][1])


def test_dispatcher_turns_corrupt_graph_into_a_warning(tmp_path: Path) -> None:
    prompt, _ = graphs.sd15_txt2img()
    extraction = read_generation(text_meta(prompt=json.dumps(prompt)[:-40]))
    assert extraction.record.tool is not Tool.COMFYUI
    assert any("comfyui" in w for w in extraction.warnings)


def test_json_without_nodes_is_corrupt() -> None:
    with pytest.raises(CorruptMetadata, match="no nodes"):
        READER.read(text_meta(prompt=json.dumps({"seed": 1, "steps": 20})))
    with pytest.raises(CorruptMetadata, match="no node list"):
        READER.read(text_meta(workflow=json.dumps({"version": 0.4})))


def test_plain_text_prompt_chunk_is_not_comfyui() -> None:
    assert not READER.can_read(text_meta(prompt="a cat sitting on a windowsill"))
    assert not READER.can_read(text_meta(parameters="a cat\nSteps: 20, Sampler: Euler"))


def test_cycles_end_the_walk() -> None:
    """A ConditioningCombine fed by itself, two LoRA loaders feeding each other, and two samplers
    feeding each other's latent: every walk stops at a node it has seen."""
    prompt, _ = graphs.sd15_txt2img()
    g = copy.deepcopy(prompt)
    g["20"] = {
        "class_type": "ConditioningCombine",
        "inputs": {"conditioning_1": ["6", 0], "conditioning_2": ["20", 0]},
    }
    g["21"] = {
        "class_type": "LoraLoader",
        "inputs": {
            "lora_name": "a.safetensors",
            "strength_model": 0.7,
            "strength_clip": 1.0,
            "model": ["22", 0],
        },
    }
    g["22"] = {
        "class_type": "LoraLoader",
        "inputs": {
            "lora_name": "b.safetensors",
            "strength_model": 0.4,
            "strength_clip": 1.0,
            "model": ["21", 0],
        },
    }
    g["3"]["inputs"] |= {"positive": ["20", 0], "model": ["21", 0]}
    g["30"] = copy.deepcopy(g["3"])
    g["3"]["inputs"]["latent_image"] = ["30", 0]
    g["30"]["inputs"]["latent_image"] = ["3", 0]
    record = read_api(g)
    assert record.prompt == CASES["sd15"][1]["prompt"]
    assert record.negative_prompt == "text, watermark"
    assert record.model is None  # the chain never reaches a loader
    assert record.loras == [LoRA("b.safetensors", 0.4), LoRA("a.safetensors", 0.7)]
    assert (record.width, record.height) == (None, None)


def test_dangling_links_are_best_effort() -> None:
    prompt, _ = graphs.sd15_txt2img()
    g = copy.deepcopy(prompt)
    g["3"]["inputs"] |= {"negative": ["99", 0], "model": ["98", 0]}
    del g["5"]  # the empty latent
    record = read_api(g)
    facts = CASES["sd15"][1] | {"negative_prompt": "", "model": None, "width": None, "height": None}
    assert generation(record) == expected_record(facts)


def test_dangling_ui_links_are_best_effort() -> None:
    _, workflow = graphs.sd15_txt2img()
    wf = copy.deepcopy(workflow)
    wf["links"] = [link for link in wf["links"] if link[3] != 7]  # negative encoder's CLIP link gone
    wf["nodes"] = [n for n in wf["nodes"] if n["id"] != 7]  # and the negative encoder itself
    record = READER.read(text_meta(workflow=json.dumps(wf)))
    assert generation(record) == expected_record(CASES["sd15"][1] | {"negative_prompt": ""})


# --------------------------------------------------------------------------- UI-graph details


def test_workflow_only_honours_bypass_and_mute() -> None:
    """Bypassed nodes pass their input through (the API graph would not contain them); muted
    nodes are gone, so links from them dangle."""
    _, workflow = graphs.lora_stack()
    wf = copy.deepcopy(workflow)
    nodes = {n["id"]: n for n in wf["nodes"]}
    loaders = [nid for nid, n in nodes.items() if n["type"] == "LoraLoader"]
    nodes[loaders[1]]["mode"] = 4  # bypass epi_noiseoffset2
    record = READER.read(text_meta(workflow=json.dumps(wf)))
    assert [lora.name for lora in record.loras] == [
        "add_detail.safetensors",
        "sliders/age_slider_v2.safetensors",
        "lcm-lora-sdv1-5.safetensors",
    ]
    assert record.model == "realisticVisionV60B1_v51HyperVAE.safetensors"
    nodes[loaders[1]]["mode"] = 2  # muted: the model chain is cut there
    record = READER.read(text_meta(workflow=json.dumps(wf)))
    assert record.model is None
    assert [lora.name for lora in record.loras] == [
        "sliders/age_slider_v2.safetensors",
        "lcm-lora-sdv1-5.safetensors",
    ]


def test_workflow_reroute_is_looked_through() -> None:
    _, workflow = graphs.sd15_txt2img()
    wf = copy.deepcopy(workflow)
    model_link = next(link for link in wf["links"] if link[3] == 3 and link[5] == "MODEL")
    reroute = {
        "id": 50,
        "type": "Reroute",
        "mode": 0,
        "inputs": [{"name": "", "type": "*", "link": 900}],
        "outputs": [{"name": "", "type": "MODEL", "links": [model_link[0]]}],
    }
    wf["nodes"].append(reroute)
    wf["links"].append([900, 4, 0, 50, 0, "MODEL"])
    model_link[1], model_link[2] = 50, 0
    record = READER.read(text_meta(workflow=json.dumps(wf)))
    assert record.model == "v1-5-pruned-emaonly-fp16.safetensors"


# --------------------------------------------------------------------------- node coverage


def test_custom_sampling_nodes() -> None:
    """SamplerCustomAdvanced with CFGGuider (real cfg, negative), a class-named sampler, a
    KarrasScheduler behind SplitSigmas, and DisableNoise (no seed); SDXL text_g/text_l that
    differ, joined by ConditioningCombine with a second encoder."""
    g: dict[str, Any] = {
        "1": {
            "class_type": "CheckpointLoaderSimple",
            "inputs": {"ckpt_name": "ponyDiffusionV6XL.safetensors"},
        },
        "2": {
            "class_type": "CLIPTextEncodeSDXL",
            "inputs": {
                "width": 1024,
                "height": 1024,
                "text_g": "a castle",
                "text_l": "oil painting",
                "clip": ["1", 1],
            },
        },
        "3": {"class_type": "CLIPTextEncode", "inputs": {"text": "stormy sky", "clip": ["1", 1]}},
        "4": {
            "class_type": "ConditioningCombine",
            "inputs": {"conditioning_1": ["2", 0], "conditioning_2": ["3", 0]},
        },
        "5": {"class_type": "CLIPTextEncode", "inputs": {"text": "blurry", "clip": ["1", 1]}},
        "6": {
            "class_type": "CFGGuider",
            "inputs": {"cfg": 4.5, "model": ["1", 0], "positive": ["4", 0], "negative": ["5", 0]},
        },
        "7": {
            "class_type": "SamplerDPMPP_2M_SDE",
            "inputs": {"solver_type": "midpoint", "eta": 1.0, "s_noise": 1.0},
        },
        "8": {
            "class_type": "KarrasScheduler",
            "inputs": {"steps": 30, "sigma_max": 14.6, "sigma_min": 0.03, "rho": 7.0},
        },
        "9": {"class_type": "SplitSigmas", "inputs": {"step": 0, "sigmas": ["8", 0]}},
        "10": {"class_type": "DisableNoise", "inputs": {}},
        "11": {"class_type": "EmptyLatentImage", "inputs": {"width": 896, "height": 1152, "batch_size": 1}},
        "12": {
            "class_type": "SamplerCustomAdvanced",
            "inputs": {
                "noise": ["10", 0],
                "guider": ["6", 0],
                "sampler": ["7", 0],
                "sigmas": ["9", 1],
                "latent_image": ["11", 0],
            },
        },
        "13": {"class_type": "VAEDecode", "inputs": {"samples": ["12", 0], "vae": ["1", 2]}},
        "14": {"class_type": "SaveImage", "inputs": {"filename_prefix": "x", "images": ["13", 0]}},
    }
    record = read_api(g)
    assert record.prompt == "a castle\noil painting\nstormy sky"
    assert record.negative_prompt == "blurry"
    assert (record.model, record.cfg, record.seed) == ("ponyDiffusionV6XL.safetensors", 4.5, None)
    assert (record.sampler, record.scheduler, record.steps) == ("dpmpp_2m_sde", "karras", 30)
    assert (record.width, record.height) == (896, 1152)


def test_flux_text_encoder_guidance_and_gguf() -> None:
    g: dict[str, Any] = {
        "1": {"class_type": "UnetLoaderGGUF", "inputs": {"unet_name": "flux1-dev-Q8_0.gguf"}},
        "2": {
            "class_type": "CLIPTextEncodeFlux",
            "inputs": {
                "clip_l": "neon sign",
                "t5xxl": "a neon sign reading OPEN in the rain",
                "guidance": 4.0,
                "clip": ["9", 0],
            },
        },
        "3": {
            "class_type": "KSampler",
            "inputs": _ksampler_inputs(model=["1", 0], positive=["2", 0], negative=["2", 0], cfg=1.0),
        },
        "4": {"class_type": "EmptySD3LatentImage", "inputs": {"width": 1344, "height": 768, "batch_size": 1}},
        "5": {"class_type": "SaveImage", "inputs": {"images": ["3", 0]}},
    }
    record = read_api(g)
    assert record.prompt == "a neon sign reading OPEN in the rain\nneon sign"
    assert (record.model, record.cfg, record.width) == ("flux1-dev-Q8_0.gguf", 4.0, 1344)


def test_real_cfg_is_kept_over_flux_guidance() -> None:
    prompt, _ = graphs.flux_kontext_edit()
    g = copy.deepcopy(prompt)
    sampler = next(n for n in g.values() if n["class_type"] == "KSampler")
    sampler["inputs"]["cfg"] = 3.0  # true CFG on a distilled model: that is what ran
    assert read_api(g).cfg == 3.0


def test_custom_sampler_with_lora_stack_nodes() -> None:
    """A sampler class we do not know, recognised by its inputs; CR LoRA Stack chain applied by
    CR Apply LoRA Stack (upstream stack first, `Off` switches skipped); linked sampler name."""
    g: dict[str, Any] = {
        "1": {
            "class_type": "CheckpointLoader|pysssss",
            "inputs": {"ckpt_name": {"content": "animagineXL.safetensors", "image": None}},
        },
        "2": {
            "class_type": "CR LoRA Stack",
            "inputs": {
                "switch_1": "On",
                "lora_name_1": "first.safetensors",
                "model_weight_1": 0.9,
                "clip_weight_1": 1.0,
                "switch_2": "Off",
                "lora_name_2": "skipped.safetensors",
                "model_weight_2": 1.0,
                "clip_weight_2": 1.0,
                "switch_3": "On",
                "lora_name_3": "None",
                "model_weight_3": 1.0,
                "clip_weight_3": 1.0,
            },
        },
        "3": {
            "class_type": "CR LoRA Stack",
            "inputs": {
                "switch_1": "On",
                "lora_name_1": "second.safetensors",
                "model_weight_1": 0.5,
                "clip_weight_1": 0.5,
                "lora_stack": ["2", 0],
            },
        },
        "4": {
            "class_type": "CR Apply LoRA Stack",
            "inputs": {"model": ["1", 0], "clip": ["1", 1], "lora_stack": ["3", 0]},
        },
        "5": {"class_type": "CLIPTextEncode", "inputs": {"text": "1girl, solo", "clip": ["4", 1]}},
        "6": {"class_type": "Sampler Selector", "inputs": {"sampler_name": "euler_ancestral"}},
        "7": {
            "class_type": "KSampler (Efficient)",
            "inputs": _ksampler_inputs(
                model=["4", 0], positive=["5", 0], negative=["5", 0], sampler_name=["6", 0]
            ),
        },
        "8": {"class_type": "Image Save", "inputs": {"images": ["7", 5]}},
    }
    record = read_api(g)
    assert record.model == "animagineXL.safetensors"
    assert record.loras == [LoRA("first.safetensors", 0.9), LoRA("second.safetensors", 0.5)]
    assert (record.prompt, record.sampler) == ("1girl, solo", "euler_ancestral")


def test_graph_without_sampler_gives_an_empty_comfyui_record() -> None:
    g = {
        "1": {"class_type": "LoadImage", "inputs": {"image": "photo.png", "upload": "image"}},
        "2": {"class_type": "UpscaleModelLoader", "inputs": {"model_name": "4x-UltraSharp.pth"}},
        "3": {
            "class_type": "ImageUpscaleWithModel",
            "inputs": {"upscale_model": ["2", 0], "image": ["1", 0]},
        },
        "4": {"class_type": "SaveImage", "inputs": {"filename_prefix": "up", "images": ["3", 0]}},
    }
    record = read_api(g)
    assert generation(record) == expected_record({})
    assert record.tool is Tool.COMFYUI


def _ksampler_inputs(**links: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "seed": 7,
        "steps": 20,
        "cfg": 7.0,
        "sampler_name": "euler",
        "scheduler": "normal",
        "denoise": 1.0,
        "latent_image": ["4", 0],
    }
    return base | links


def test_computed_text_is_not_guessed() -> None:
    """Text produced by an LLM or a random pick is not in the file: its instruction/template is
    not reported as the prompt. Impact's wildcard nodes do store their result."""
    prompt, _ = graphs.sd15_txt2img()
    g = copy.deepcopy(prompt)
    g["40"] = {
        "class_type": "OllamaGenerate",
        "inputs": {
            "prompt": "describe a fantasy landscape",
            "model": "llama3",
            "url": "http://127.0.0.1:11434",
        },
    }
    g["41"] = {
        "class_type": "ImpactWildcardProcessor",
        "inputs": {
            "wildcard_text": "a {red|blue} car",
            "populated_text": "a blue car",
            "mode": "fixed",
            "seed": 3,
        },
    }
    g["6"]["inputs"]["text"] = ["40", 0]
    g["7"]["inputs"]["text"] = ["41", 0]
    record = read_api(g)
    assert (record.prompt, record.negative_prompt) == ("", "a blue car")


def test_long_chains_do_not_exhaust_the_stack() -> None:
    prompt, _ = graphs.sd15_txt2img()
    g = copy.deepcopy(prompt)
    previous_cond, previous_model = ["6", 0], ["4", 0]
    for i in range(100, 2100):
        g[str(i)] = {
            "class_type": "ConditioningSetTimestepRange",
            "inputs": {"start": 0.0, "end": 1.0, "conditioning": previous_cond},
        }
        previous_cond = [str(i), 0]
    for i in range(3000, 5000):
        g[str(i)] = {
            "class_type": "ModelSamplingDiscrete",
            "inputs": {"sampling": "eps", "model": previous_model},
        }
        previous_model = [str(i), 0]
    g["3"]["inputs"] |= {"positive": previous_cond, "model": previous_model}
    record = read_api(g)
    assert record.prompt == ""  # beyond the walk's depth limit: given up, not crashed
    assert record.model == "v1-5-pruned-emaonly-fp16.safetensors"  # the model walk is iterative


JUNK: list[Any] = [
    None,
    [],
    {},
    "x",
    -1,
    1.5,
    True,
    ["999", 0],
    ["3", 0],
    [["6", 0]],
    {"on": True},
    ["6", "0"],
]


@pytest.mark.parametrize("case", ["sdxl_refiner", "flux_power_lora", "controlnet", "primitives", "kontext"])
def test_mangled_graphs_never_crash(case: str) -> None:
    """Deterministically mangle inputs, node entries and UI links: the reader returns a record or
    raises CorruptMetadata, nothing else."""
    prompt, workflow = CASES[case][0]()
    rng = random.Random(case)
    for _ in range(60):
        g = copy.deepcopy(prompt)
        for node in rng.sample(list(g.values()), k=min(4, len(g))):
            for key in rng.sample(list(node["inputs"]), k=min(2, len(node["inputs"]))):
                node["inputs"][key] = rng.choice(JUNK)
        g[rng.choice(list(g))] = rng.choice(JUNK)
        wf = copy.deepcopy(workflow)
        for link in rng.sample(wf["links"], k=min(3, len(wf["links"]))):
            link[rng.randrange(6)] = rng.choice(JUNK)
        wf["nodes"][rng.randrange(len(wf["nodes"]))]["inputs"] = rng.choice(JUNK)
        for meta in (
            text_meta(prompt=json.dumps(g), workflow=json.dumps(wf)),
            text_meta(workflow=json.dumps(wf)),
        ):
            try:
                record = READER.read(meta)
            except CorruptMetadata:
                continue
            assert record.tool is Tool.COMFYUI


def test_efficiency_loader_and_sampler() -> None:
    """Efficient Loader encodes its own prompt widgets (outputs MODEL, CONDITIONING+,
    CONDITIONING-, LATENT, VAE, CLIP...), takes a LoRA and a LoRA Stacker, and sizes the latent."""
    g: dict[str, Any] = {
        "1": {
            "class_type": "LoRA Stacker",
            "inputs": {
                "input_mode": "simple",
                "lora_count": 2,
                "lora_name_1": "stacked_a.safetensors",
                "lora_wt_1": 0.6,
                "model_str_1": 1.0,
                "lora_name_2": "stacked_b.safetensors",
                "lora_wt_2": 0.3,
                "model_str_2": 1.0,
                "lora_name_3": "beyond_count.safetensors",
                "lora_wt_3": 1.0,
                "model_str_3": 1.0,
            },
        },
        "2": {
            "class_type": "Efficient Loader",
            "inputs": {
                "ckpt_name": "epicrealism_naturalSinRC1VAE.safetensors",
                "vae_name": "Baked VAE",
                "clip_skip": -1,
                "lora_name": "None",
                "lora_model_strength": 1.0,
                "lora_clip_strength": 1.0,
                "positive": "a vintage car on a desert road",
                "negative": "cartoon, cgi",
                "token_normalization": "none",
                "weight_interpretation": "comfy",
                "empty_latent_width": 640,
                "empty_latent_height": 960,
                "batch_size": 1,
                "lora_stack": ["1", 0],
            },
        },
        "3": {
            "class_type": "KSampler (Efficient)",
            "inputs": {
                "seed": 99,
                "steps": 30,
                "cfg": 5.5,
                "sampler_name": "dpmpp_2m_sde",
                "scheduler": "karras",
                "denoise": 1.0,
                "preview_method": "auto",
                "vae_decode": "true",
                "model": ["2", 0],
                "positive": ["2", 1],
                "negative": ["2", 2],
                "latent_image": ["2", 3],
                "optional_vae": ["2", 4],
            },
        },
        "4": {"class_type": "SaveImage", "inputs": {"filename_prefix": "eff", "images": ["3", 5]}},
    }
    record = read_api(g)
    assert (record.prompt, record.negative_prompt) == ("a vintage car on a desert road", "cartoon, cgi")
    assert record.model == "epicrealism_naturalSinRC1VAE.safetensors"
    assert record.loras == [LoRA("stacked_a.safetensors", 0.6), LoRA("stacked_b.safetensors", 0.3)]
    assert (record.seed, record.steps, record.cfg, record.width, record.height) == (99, 30, 5.5, 640, 960)
