"""ComfyUI graphs and files the way ComfyUI writes them, for tests and the sample library.

Every builder returns `(prompt_graph, workflow)`:

- `prompt_graph` is the API-format graph the server executes and `SaveImage` stores in the
  `prompt` chunk: `{"<id>": {"inputs": {...}, "class_type": ..., "_meta": {"title": ...}}}`,
  widget values inline and links as `["<source id>", <output index>]`.
- `workflow` is the UI graph stored in the `workflow` chunk: `nodes` with `inputs`/`outputs`
  slot lists and `widgets_values`, and `links` as `[id, from, from_slot, to, to_slot, type]`.

Both come from one description (`GraphBuilder`), so they always agree, and both follow the
frontend's serialisation: API inputs list widgets first, then links; a widget converted to an
input keeps its (stale) value in `widgets_values`; seed widgets carry the extra
`control_after_generate` value; a `PrimitiveNode` exists only in the UI graph, its value inlined
into the API graph (the frontend resolves it before queueing). Node names, inputs and default
values follow ComfyUI's own templates (default graph, SDXL refiner example, Flux dev example,
Qwen-Image-Edit and Flux Kontext templates) and the custom nodes named.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image
from PIL.PngImagePlugin import PngInfo

Graph = dict[str, Any]

# Output slots (name, type) of the node classes the builders use, as ComfyUI declares them.
_MODEL, _CLIP, _VAE = ("MODEL", "MODEL"), ("CLIP", "CLIP"), ("VAE", "VAE")
_COND, _LATENT, _IMAGE = ("CONDITIONING", "CONDITIONING"), ("LATENT", "LATENT"), ("IMAGE", "IMAGE")
_STRING = ("STRING", "STRING")
OUTPUTS: dict[str, list[tuple[str, str]]] = {
    "CheckpointLoaderSimple": [_MODEL, _CLIP, _VAE],
    "UNETLoader": [_MODEL],
    "DualCLIPLoader": [_CLIP],
    "CLIPLoader": [_CLIP],
    "VAELoader": [_VAE],
    "LoraLoader": [_MODEL, _CLIP],
    "LoraLoaderModelOnly": [_MODEL],
    "Power Lora Loader (rgthree)": [_MODEL, _CLIP],
    "ModelSamplingFlux": [_MODEL],
    "ModelSamplingAuraFlow": [_MODEL],
    "CFGNorm": [_MODEL],
    "CLIPTextEncode": [_COND],
    "CLIPTextEncodeSDXL": [_COND],
    "CLIPTextEncodeSDXLRefiner": [_COND],
    "TextEncodeQwenImageEdit": [_COND],
    "FluxGuidance": [_COND],
    "ReferenceLatent": [_COND],
    "ConditioningZeroOut": [_COND],
    "ControlNetLoader": [("CONTROL_NET", "CONTROL_NET")],
    "ControlNetApplyAdvanced": [("positive", "CONDITIONING"), ("negative", "CONDITIONING")],
    "EmptyLatentImage": [_LATENT],
    "EmptySD3LatentImage": [_LATENT],
    "KSampler": [_LATENT],
    "KSamplerAdvanced": [_LATENT],
    "SamplerCustomAdvanced": [("output", "LATENT"), ("denoised_output", "LATENT")],
    "BasicGuider": [("GUIDER", "GUIDER")],
    "KSamplerSelect": [("SAMPLER", "SAMPLER")],
    "BasicScheduler": [("SIGMAS", "SIGMAS")],
    "RandomNoise": [("NOISE", "NOISE")],
    "VAEDecode": [_IMAGE],
    "VAEEncode": [_LATENT],
    "LatentUpscaleBy": [_LATENT],
    "LoadImage": [_IMAGE, ("MASK", "MASK")],
    "ImageScaleToTotalPixels": [_IMAGE],
    "FluxKontextImageScale": [_IMAGE],
    "DepthAnythingV2Preprocessor": [_IMAGE],
    "PrimitiveStringMultiline": [_STRING],
    "String Literal": [_STRING],
    "StringConcatenate": [_STRING],
    "Seed (rgthree)": [("SEED", "INT")],
    "SaveImage": [],
    "PreviewImage": [],
    "LatentUpscale": [_LATENT],
    "LatentComposite": [_LATENT],
    "ConditioningSetArea": [_COND],
    "ConditioningCombine": [_COND],
    "ModelMergeSimple": [_MODEL],
    "StableCascade_EmptyLatentImage": [("stage_c", "LATENT"), ("stage_b", "LATENT")],
    "StableCascade_StageB_Conditioning": [_COND],
    "unCLIPCheckpointLoader": [_MODEL, _CLIP, _VAE, ("CLIP_VISION", "CLIP_VISION")],
    "CLIPVisionEncode": [("CLIP_VISION_OUTPUT", "CLIP_VISION_OUTPUT")],
    "unCLIPConditioning": [_COND],
    "QuadrupleCLIPLoader": [_CLIP],
    "ModelSamplingSD3": [_MODEL],
    "DualCFGGuider": [("GUIDER", "GUIDER")],
}
# Default titles the frontend puts in the API graph's `_meta` (the node's display name).
_DISPLAY_NAMES = {
    "CheckpointLoaderSimple": "Load Checkpoint",
    "UNETLoader": "Load Diffusion Model",
    "CLIPLoader": "Load CLIP",
    "VAELoader": "Load VAE",
    "LoraLoader": "Load LoRA",
    "CLIPTextEncode": "CLIP Text Encode (Prompt)",
    "EmptyLatentImage": "Empty Latent Image",
    "KSamplerAdvanced": "KSampler (Advanced)",
    "VAEDecode": "VAE Decode",
    "VAEEncode": "VAE Encode",
    "SaveImage": "Save Image",
    "LoadImage": "Load Image",
    "ControlNetLoader": "Load ControlNet Model",
    "ControlNetApplyAdvanced": "Apply ControlNet",
    "LatentUpscaleBy": "Upscale Latent By",
    "ImageScaleToTotalPixels": "Scale Image to Total Pixels",
    "PrimitiveStringMultiline": "String (Multiline)",
    "StringConcatenate": "Concatenate",
    "TextEncodeQwenImageEdit": "TextEncodeQwenImageEdit",
    "LatentUpscale": "Upscale Latent",
    "ConditioningSetArea": "Conditioning (Set Area)",
    "ConditioningCombine": "Conditioning (Combine)",
    "StableCascade_EmptyLatentImage": "StableCascade_EmptyLatentImage",
    "unCLIPCheckpointLoader": "unCLIPCheckpointLoader",
}
# Node classes whose seed widget is followed by the frontend's `control_after_generate` value.
_SEED_CONTROL = {"KSampler", "KSamplerAdvanced", "RandomNoise", "SamplerCustom"}
_PRIMITIVE_TYPES = {"STRING", "INT", "FLOAT", "BOOLEAN", "COMBO"}


@dataclass(frozen=True, slots=True)
class Out:
    """A node's output slot, used as an input value to make a link."""

    node: int
    slot: int = 0


@dataclass(frozen=True, slots=True)
class Primitive:
    """A widget driven by a UI-only `PrimitiveNode` (inlined into the API graph)."""

    value: Any


@dataclass(slots=True)
class _Node:
    id: int
    class_type: str
    inputs: dict[str, Any]
    title: str | None


class GraphBuilder:
    """Describe nodes once; emit both the API graph and the UI workflow."""

    def __init__(self) -> None:
        self._nodes: dict[int, _Node] = {}
        self._next_id = 1

    def add(
        self,
        class_type: str,
        inputs: dict[str, Any],
        *,
        node_id: int | None = None,
        title: str | None = None,
    ) -> int:
        """Add a node; `inputs` in the node's declared order, links as `Out(...)`."""
        nid = node_id if node_id is not None else self._next_id
        if nid in self._nodes:
            raise ValueError(f"node id {nid} is taken")
        self._next_id = max(self._next_id, nid + 1)
        self._nodes[nid] = _Node(nid, class_type, dict(inputs), title)
        return nid

    def _type_of(self, out: Out) -> str:
        return OUTPUTS[self._nodes[out.node].class_type][out.slot][1]

    def _is_widget(self, value: Any) -> bool:
        """Widgets are plain values, primitives, and links from primitive-typed outputs
        (a widget converted to an input)."""
        return not isinstance(value, Out) or self._type_of(value) in _PRIMITIVE_TYPES

    def build(self) -> tuple[Graph, Graph]:
        prompt: Graph = {}
        for node in self._nodes.values():
            ordered = [k for k, v in node.inputs.items() if self._is_widget(v)]
            ordered += [k for k, v in node.inputs.items() if not self._is_widget(v)]
            api_inputs: dict[str, Any] = {}
            for name in ordered:
                value = node.inputs[name]
                if isinstance(value, Out):
                    api_inputs[name] = [str(value.node), value.slot]
                elif isinstance(value, Primitive):
                    api_inputs[name] = value.value
                else:
                    api_inputs[name] = value
            prompt[str(node.id)] = {
                "inputs": api_inputs,
                "class_type": node.class_type,
                "_meta": {"title": node.title or _DISPLAY_NAMES.get(node.class_type, node.class_type)},
            }
        return prompt, self._workflow()

    def _workflow(self) -> Graph:
        nodes = {nid: self._ui_node(n) for nid, n in self._nodes.items()}
        links: list[list[Any]] = []
        next_id = max(self._nodes, default=0) + 1
        for node in self._nodes.values():
            for name, value in node.inputs.items():
                if isinstance(value, Primitive):
                    # the UI-only PrimitiveNode that drives this widget
                    src_type = "STRING" if isinstance(value.value, str) else "INT"
                    widgets = [value.value] if src_type == "STRING" else [value.value, "fixed"]
                    nodes[next_id] = _ui_shell(next_id, "PrimitiveNode", name, widgets)
                    nodes[next_id]["outputs"] = [
                        {"name": src_type, "type": src_type, "links": [], "widget": {"name": name}}
                    ]
                    out = Out(next_id, 0)
                    next_id += 1
                elif isinstance(value, Out):
                    out, src_type = value, self._type_of(value)
                else:
                    continue
                link_id = len(links) + 1
                target = nodes[node.id]["inputs"]
                links.append([link_id, out.node, out.slot, node.id, len(target), src_type])
                slot: dict[str, Any] = {"name": name, "type": src_type, "link": link_id}
                if src_type in _PRIMITIVE_TYPES:
                    slot["widget"] = {"name": name}  # a widget converted to an input
                target.append(slot)
                nodes[out.node]["outputs"][out.slot]["links"].append(link_id)
        return {
            "id": "5c3a9f0e-7d41-4c6b-9b2e-0f1d2a3b4c5d",
            "revision": 0,
            "last_node_id": max(nodes, default=0),
            "last_link_id": len(links),
            "nodes": [nodes[k] for k in sorted(nodes)],
            "links": links,
            "groups": [],
            "config": {},
            "extra": {"ds": {"scale": 1.0, "offset": [0, 0]}, "frontendVersion": "1.25.11"},
            "version": 0.4,
        }

    def _ui_node(self, node: _Node) -> dict[str, Any]:
        widgets: list[Any] = []
        for name, value in node.inputs.items():
            if isinstance(value, Out):
                if self._type_of(value) not in _PRIMITIVE_TYPES:
                    continue
                widgets.append("" if self._type_of(value) == "STRING" else 0)  # stale value
            else:
                widgets.append(value.value if isinstance(value, Primitive) else value)
            if name in ("seed", "noise_seed") and node.class_type in _SEED_CONTROL:
                widgets.append("randomize")
        ui = _ui_shell(node.id, node.class_type, node.title, widgets)
        ui["outputs"] = [
            {"name": name, "type": typ, "links": [], "slot_index": i}
            for i, (name, typ) in enumerate(OUTPUTS[node.class_type])
        ]
        return ui


def _ui_shell(nid: int, class_type: str, title: str | None, widgets: list[Any]) -> dict[str, Any]:
    node: dict[str, Any] = {
        "id": nid,
        "type": class_type,
        "pos": [100 + 40 * nid, 100 + 25 * nid],
        "size": [315, 106],
        "flags": {},
        "order": nid,
        "mode": 0,
        "inputs": [],
        "outputs": [],
        "properties": {"Node name for S&R": class_type},
        "widgets_values": widgets,
    }
    if title:
        node["title"] = title
    return node


# --------------------------------------------------------------------------- graphs


def sd15_txt2img(
    prompt: str = "beautiful scenery nature glass bottle landscape, purple galaxy bottle",
    negative: str = "text, watermark",
    *,
    ckpt: str = "v1-5-pruned-emaonly-fp16.safetensors",
    seed: int = 156680208700286,
    steps: int = 20,
    cfg: float = 8.0,
    sampler: str = "euler",
    scheduler: str = "normal",
    size: tuple[int, int] = (512, 512),
) -> tuple[Graph, Graph]:
    """ComfyUI's default graph, with its node ids."""
    b = GraphBuilder()
    b.add("CheckpointLoaderSimple", {"ckpt_name": ckpt}, node_id=4, title="Load Checkpoint")
    b.add("EmptyLatentImage", {"width": size[0], "height": size[1], "batch_size": 1}, node_id=5)
    b.add("CLIPTextEncode", {"text": prompt, "clip": Out(4, 1)}, node_id=6)
    b.add("CLIPTextEncode", {"text": negative, "clip": Out(4, 1)}, node_id=7)
    b.add(
        "KSampler",
        ksampler_inputs(seed, steps, cfg, sampler, scheduler, Out(4), Out(6), Out(7), Out(5)),
        node_id=3,
    )
    b.add("VAEDecode", {"samples": Out(3), "vae": Out(4, 2)}, node_id=8)
    b.add("SaveImage", {"filename_prefix": "ComfyUI", "images": Out(8)}, node_id=9)
    return b.build()


def sdxl_base_refiner(
    text_g: str = "a majestic snow leopard on a rocky ledge, golden hour, national geographic",
    text_l: str = "a majestic snow leopard on a rocky ledge, golden hour, national geographic",
    negative: str = "cartoon, painting, blurry, deformed",
    *,
    seed: int = 721897303308196,
) -> tuple[Graph, Graph]:
    """The SDXL refiner example: base KSamplerAdvanced (steps 0-20 of 25, leftover noise) into a
    refiner KSamplerAdvanced (20-end, no added noise) with the refiner checkpoint."""
    b = GraphBuilder()
    b.add("CheckpointLoaderSimple", {"ckpt_name": "sd_xl_base_1.0.safetensors"}, node_id=4)
    b.add("CheckpointLoaderSimple", {"ckpt_name": "sd_xl_refiner_1.0.safetensors"}, node_id=12)
    b.add("EmptyLatentImage", {"width": 1024, "height": 1024, "batch_size": 1}, node_id=5)
    sdxl_size = {"width": 4096, "height": 4096, "crop_w": 0, "crop_h": 0}
    sdxl_size |= {"target_width": 4096, "target_height": 4096}
    b.add(
        "CLIPTextEncodeSDXL", {**sdxl_size, "text_g": text_g, "text_l": text_l, "clip": Out(4, 1)}, node_id=75
    )
    b.add(
        "CLIPTextEncodeSDXL",
        {**sdxl_size, "text_g": negative, "text_l": negative, "clip": Out(4, 1)},
        node_id=82,
    )
    refiner_prompt = text_g if text_g == text_l else f"{text_g}, {text_l}"
    refiner = {"ascore": 6.0, "width": 2048, "height": 2048, "text": refiner_prompt, "clip": Out(12, 1)}
    b.add("CLIPTextEncodeSDXLRefiner", refiner, node_id=81)
    refiner_neg = {"ascore": 2.5, "width": 2048, "height": 2048, "text": negative, "clip": Out(12, 1)}
    b.add("CLIPTextEncodeSDXLRefiner", refiner_neg, node_id=83)
    stage = {"cfg": 8.0, "sampler_name": "euler", "scheduler": "normal"}
    base = {"add_noise": "enable", "noise_seed": seed, "steps": 25, **stage, "start_at_step": 0}
    base |= {"end_at_step": 20, "return_with_leftover_noise": "enable"}
    base |= {"model": Out(4), "positive": Out(75), "negative": Out(82), "latent_image": Out(5)}
    b.add("KSamplerAdvanced", base, node_id=10, title="KSampler (Advanced) - BASE")
    ref = {"add_noise": "disable", "noise_seed": 0, "steps": 25, **stage, "start_at_step": 20}
    ref |= {"end_at_step": 10000, "return_with_leftover_noise": "disable"}
    ref |= {"model": Out(12), "positive": Out(81), "negative": Out(83), "latent_image": Out(10)}
    b.add("KSamplerAdvanced", ref, node_id=11, title="KSampler (Advanced) - REFINER")
    b.add("VAEDecode", {"samples": Out(11), "vae": Out(12, 2)}, node_id=17)
    b.add("SaveImage", {"filename_prefix": "ComfyUI", "images": Out(17)}, node_id=19)
    return b.build()


def sd15_hires_fix(
    prompt: str = "a red fox in a misty autumn forest, highly detailed",
    negative: str = "lowres, bad anatomy",
) -> tuple[Graph, Graph]:
    """Two-pass hires fix: KSampler at 512x768 -> LatentUpscaleBy 1.5 -> second KSampler (denoise
    0.5, its own seed) whose model adds a detail LoRA the first pass does not use."""
    b = GraphBuilder()
    ckpt = b.add("CheckpointLoaderSimple", {"ckpt_name": "dreamshaper_8.safetensors"})
    pos = b.add("CLIPTextEncode", {"text": prompt, "clip": Out(ckpt, 1)})
    neg = b.add("CLIPTextEncode", {"text": negative, "clip": Out(ckpt, 1)})
    latent = b.add("EmptyLatentImage", {"width": 512, "height": 768, "batch_size": 1})
    first = b.add(
        "KSampler",
        ksampler_inputs(3301, 25, 7.0, "dpmpp_2m", "karras", Out(ckpt), Out(pos), Out(neg), Out(latent)),
    )
    up = b.add("LatentUpscaleBy", {"upscale_method": "nearest-exact", "scale_by": 1.5, "samples": Out(first)})
    detail = {"lora_name": "detail_tweaker_xl.safetensors", "strength_model": 0.5, "model": Out(ckpt)}
    lora = b.add("LoraLoaderModelOnly", detail)
    second = ksampler_inputs(
        9902, 15, 5.0, "euler_ancestral", "normal", Out(lora), Out(pos), Out(neg), Out(up)
    )
    second["denoise"] = 0.5
    hires = b.add("KSampler", second, title="KSampler (hires)")
    dec = b.add("VAEDecode", {"samples": Out(hires), "vae": Out(ckpt, 2)})
    b.add("SaveImage", {"filename_prefix": "hires", "images": Out(dec)})
    return b.build()


def lora_stack(
    loras: Sequence[tuple[str, float, float]] = (
        ("add_detail.safetensors", 0.8, 0.8),
        ("epi_noiseoffset2.safetensors", 0.6, 1.0),
        ("sliders/age_slider_v2.safetensors", -1.5, -1.5),
    ),
    model_only: tuple[str, float] = ("lcm-lora-sdv1-5.safetensors", 1.0),
    prompt: str = "portrait of an old fisherman, detailed skin, rim light",
    negative: str = "(worst quality:1.4), lowres",
) -> tuple[Graph, Graph]:
    """Checkpoint -> chained LoraLoader x N -> LoraLoaderModelOnly -> KSampler; the text encoders
    take the CLIP from the last LoraLoader, as wired in practice."""
    b = GraphBuilder()
    ckpt = b.add("CheckpointLoaderSimple", {"ckpt_name": "realisticVisionV60B1_v51HyperVAE.safetensors"})
    model, clip = Out(ckpt, 0), Out(ckpt, 1)
    for name, strength_model, strength_clip in loras:
        lora = b.add(
            "LoraLoader",
            {
                "lora_name": name,
                "strength_model": strength_model,
                "strength_clip": strength_clip,
                "model": model,
                "clip": clip,
            },
        )
        model, clip = Out(lora, 0), Out(lora, 1)
    only = b.add(
        "LoraLoaderModelOnly",
        {"lora_name": model_only[0], "strength_model": model_only[1], "model": model},
    )
    pos = b.add("CLIPTextEncode", {"text": prompt, "clip": clip})
    neg = b.add("CLIPTextEncode", {"text": negative, "clip": clip})
    latent = b.add("EmptyLatentImage", {"width": 512, "height": 768, "batch_size": 1})
    ks = b.add(
        "KSampler",
        ksampler_inputs(42, 8, 1.5, "lcm", "sgm_uniform", Out(only), Out(pos), Out(neg), Out(latent)),
    )
    dec = b.add("VAEDecode", {"samples": Out(ks), "vae": Out(ckpt, 2)})
    b.add("SaveImage", {"filename_prefix": "lora_stack", "images": Out(dec)})
    return b.build()


def flux_dev(
    prompt: str = "a cozy cabin in a snowy forest at night, warm light in the windows, film photo",
    *,
    guidance: float = 3.5,
    seed: int = 219670278747233,
    power_loras: Sequence[tuple[str, float, bool]] = (),
) -> tuple[Graph, Graph]:
    """The Flux dev example: UNETLoader + DualCLIPLoader, CLIPTextEncode -> FluxGuidance ->
    BasicGuider, KSamplerSelect, BasicScheduler, RandomNoise, EmptySD3LatentImage,
    SamplerCustomAdvanced. `power_loras` (name, strength, on) inserts an rgthree Power Lora Loader
    between the loaders and the rest of the graph."""
    b = GraphBuilder()
    b.add("UNETLoader", {"unet_name": "flux1-dev.safetensors", "weight_dtype": "default"}, node_id=12)
    clip_names = {"clip_name1": "t5xxl_fp16.safetensors", "clip_name2": "clip_l.safetensors"}
    b.add("DualCLIPLoader", {**clip_names, "type": "flux", "device": "default"}, node_id=11)
    b.add("VAELoader", {"vae_name": "ae.safetensors"}, node_id=10)
    model, clip = Out(12), Out(11)
    if power_loras:
        inputs: dict[str, Any] = {"PowerLoraLoaderHeaderWidget": {"type": "PowerLoraLoaderHeaderWidget"}}
        for i, (name, strength, on) in enumerate(power_loras, start=1):
            inputs[f"lora_{i}"] = {"on": on, "lora": name, "strength": strength, "strengthTwo": None}
        inputs |= {"➕ Add Lora": "", "model": model, "clip": clip}
        b.add("Power Lora Loader (rgthree)", inputs, node_id=40)
        model, clip = Out(40, 0), Out(40, 1)
    b.add(
        "CLIPTextEncode",
        {"text": prompt, "clip": clip},
        node_id=6,
        title="CLIP Text Encode (Positive Prompt)",
    )
    b.add("FluxGuidance", {"guidance": guidance, "conditioning": Out(6)}, node_id=26)
    sampling = {"max_shift": 1.15, "base_shift": 0.5, "width": 1024, "height": 1024, "model": model}
    b.add("ModelSamplingFlux", sampling, node_id=30)
    b.add("BasicGuider", {"model": Out(30), "conditioning": Out(26)}, node_id=22)
    b.add("KSamplerSelect", {"sampler_name": "euler"}, node_id=16)
    b.add(
        "BasicScheduler", {"scheduler": "simple", "steps": 20, "denoise": 1.0, "model": Out(30)}, node_id=17
    )
    b.add("RandomNoise", {"noise_seed": seed}, node_id=25)
    b.add("EmptySD3LatentImage", {"width": 1024, "height": 1024, "batch_size": 1}, node_id=27)
    custom = {
        "noise": Out(25),
        "guider": Out(22),
        "sampler": Out(16),
        "sigmas": Out(17),
        "latent_image": Out(27),
    }
    b.add("SamplerCustomAdvanced", custom, node_id=13)
    b.add("VAEDecode", {"samples": Out(13, 0), "vae": Out(10)}, node_id=8)
    b.add("SaveImage", {"filename_prefix": "ComfyUI", "images": Out(8)}, node_id=9)
    return b.build()


def controlnet_depth(
    prompt: str = "a scandinavian living room, oak floor, soft daylight, interior photography",
    negative: str = "cluttered, dark, low quality",
) -> tuple[Graph, Graph]:
    """SD1.5 with a depth ControlNet: LoadImage -> DepthAnythingV2Preprocessor (controlnet_aux,
    whose own `ckpt_name` is the depth estimator, not the diffusion model) ->
    ControlNetApplyAdvanced on both conditionings."""
    b = GraphBuilder()
    ckpt = b.add("CheckpointLoaderSimple", {"ckpt_name": "dreamshaper_8.safetensors"})
    cn = b.add("ControlNetLoader", {"control_net_name": "control_v11f1p_sd15_depth.pth"})
    img = b.add("LoadImage", {"image": "room_reference.png", "upload": "image"})
    depth = {"ckpt_name": "depth_anything_v2_vitl.pth", "resolution": 512, "image": Out(img)}
    pre = b.add("DepthAnythingV2Preprocessor", depth)
    pos = b.add("CLIPTextEncode", {"text": prompt, "clip": Out(ckpt, 1)})
    neg = b.add("CLIPTextEncode", {"text": negative, "clip": Out(ckpt, 1)})
    apply: dict[str, Any] = {"strength": 0.85, "start_percent": 0.0, "end_percent": 0.9}
    apply |= {"positive": Out(pos), "negative": Out(neg), "control_net": Out(cn), "image": Out(pre)}
    apply |= {"vae": Out(ckpt, 2)}
    cna = b.add("ControlNetApplyAdvanced", apply)
    latent = b.add("EmptyLatentImage", {"width": 768, "height": 512, "batch_size": 1})
    ks = b.add(
        "KSampler",
        ksampler_inputs(
            1234567, 28, 6.5, "dpmpp_2m", "karras", Out(ckpt), Out(cna, 0), Out(cna, 1), Out(latent)
        ),
    )
    dec = b.add("VAEDecode", {"samples": Out(ks), "vae": Out(ckpt, 2)})
    b.add("SaveImage", {"filename_prefix": "controlnet", "images": Out(dec)})
    return b.build()


def primitive_prompt(
    subject: str = "a lighthouse on a cliff at dusk",
    style: str = "dramatic clouds, volumetric light",
    negative: str = "blurry, lowres, jpeg artifacts",
) -> tuple[Graph, Graph]:
    """Prompt text coming from other nodes: core `PrimitiveStringMultiline` and Image Saver's
    `String Literal` joined by core `StringConcatenate` into CLIPTextEncode's `text` (a link in
    the API graph); the negative from a UI-only PrimitiveNode (inlined in the API graph); the
    seed from rgthree's `Seed (rgthree)` node."""
    b = GraphBuilder()
    ckpt = b.add("CheckpointLoaderSimple", {"ckpt_name": "SDXL/juggernautXL_v9Rdphoto2Lightning.safetensors"})
    subj = b.add("PrimitiveStringMultiline", {"value": subject}, title="Subject")
    sty = b.add("String Literal", {"string": style}, title="Style")
    joined = b.add("StringConcatenate", {"string_a": Out(subj), "string_b": Out(sty), "delimiter": ", "})
    pos = b.add("CLIPTextEncode", {"text": Out(joined), "clip": Out(ckpt, 1)})
    neg = b.add("CLIPTextEncode", {"text": Primitive(negative), "clip": Out(ckpt, 1)})
    seed = b.add("Seed (rgthree)", {"seed": 8675309})
    latent = b.add("EmptyLatentImage", {"width": 832, "height": 1216, "batch_size": 1})
    ks = b.add(
        "KSampler",
        ksampler_inputs(Out(seed), 6, 2.0, "dpmpp_sde", "karras", Out(ckpt), Out(pos), Out(neg), Out(latent)),
    )
    dec = b.add("VAEDecode", {"samples": Out(ks), "vae": Out(ckpt, 2)})
    b.add("SaveImage", {"filename_prefix": "primitives", "images": Out(dec)})
    return b.build()


def qwen_image_edit(
    instruction: str = "replace the red car with a vintage blue bicycle, keep the street unchanged",
) -> tuple[Graph, Graph]:
    """The Qwen-Image-Edit template with the 4-step Lightning LoRA: UNETLoader -> LoraLoaderModelOnly
    -> ModelSamplingAuraFlow -> CFGNorm; TextEncodeQwenImageEdit (prompt + reference image) for
    both conditionings; the latent is the VAE-encoded input (img2img: no generation size)."""
    b = GraphBuilder()
    b.add(
        "UNETLoader",
        {"unet_name": "qwen_image_edit_fp8_e4m3fn.safetensors", "weight_dtype": "default"},
        node_id=37,
    )
    clip = {"clip_name": "qwen_2.5_vl_7b_fp8_scaled.safetensors", "type": "qwen_image", "device": "default"}
    b.add("CLIPLoader", clip, node_id=38)
    b.add("VAELoader", {"vae_name": "qwen_image_vae.safetensors"}, node_id=39)
    lightning = {"lora_name": "Qwen-Image-Lightning-4steps-V1.0.safetensors", "strength_model": 1.0}
    b.add("LoraLoaderModelOnly", {**lightning, "model": Out(37)}, node_id=89)
    b.add("ModelSamplingAuraFlow", {"shift": 3.0, "model": Out(89)}, node_id=66)
    b.add("CFGNorm", {"strength": 1.0, "model": Out(66)}, node_id=75)
    b.add("LoadImage", {"image": "street.png", "upload": "image"}, node_id=78)
    scale = {"upscale_method": "lanczos", "megapixels": 1.0, "image": Out(78)}
    b.add("ImageScaleToTotalPixels", scale, node_id=93)
    refs = {"clip": Out(38), "vae": Out(39), "image": Out(93)}
    b.add("TextEncodeQwenImageEdit", {"prompt": instruction, **refs}, node_id=76)
    b.add("TextEncodeQwenImageEdit", {"prompt": "", **refs}, node_id=77)
    b.add("VAEEncode", {"pixels": Out(93), "vae": Out(39)}, node_id=88)
    b.add(
        "KSampler",
        ksampler_inputs(508473291, 4, 1.0, "euler", "simple", Out(75), Out(76), Out(77), Out(88)),
        node_id=3,
    )
    b.add("VAEDecode", {"samples": Out(3), "vae": Out(39)}, node_id=8)
    b.add("SaveImage", {"filename_prefix": "ComfyUI", "images": Out(8)}, node_id=60)
    return b.build()


def flux_kontext_edit(
    instruction: str = "make it a watercolor painting while keeping the composition",
    *,
    guidance: float = 2.5,
) -> tuple[Graph, Graph]:
    """The Flux Kontext dev template: LoadImage -> FluxKontextImageScale -> VAEEncode ->
    ReferenceLatent on the text conditioning -> FluxGuidance -> KSampler (cfg 1), the negative a
    ConditioningZeroOut of the positive."""
    b = GraphBuilder()
    b.add("UNETLoader", {"unet_name": "flux1-dev-kontext_fp8_scaled.safetensors", "weight_dtype": "default"})
    names = {"clip_name1": "clip_l.safetensors", "clip_name2": "t5xxl_fp8_e4m3fn_scaled.safetensors"}
    b.add("DualCLIPLoader", {**names, "type": "flux", "device": "default"})
    b.add("VAELoader", {"vae_name": "ae.safetensors"})
    img = b.add("LoadImage", {"image": "portrait_photo.png", "upload": "image"})
    scaled = b.add("FluxKontextImageScale", {"image": Out(img)})
    enc = b.add("VAEEncode", {"pixels": Out(scaled), "vae": Out(3)})
    text = b.add("CLIPTextEncode", {"text": instruction, "clip": Out(2)})
    ref = b.add("ReferenceLatent", {"conditioning": Out(text), "latent": Out(enc)})
    guided = b.add("FluxGuidance", {"guidance": guidance, "conditioning": Out(ref)})
    zero = b.add("ConditioningZeroOut", {"conditioning": Out(text)})
    ks = b.add(
        "KSampler",
        ksampler_inputs(1049732, 20, 1.0, "euler", "simple", Out(1), Out(guided), Out(zero), Out(enc)),
    )
    dec = b.add("VAEDecode", {"samples": Out(ks), "vae": Out(3)})
    b.add("SaveImage", {"filename_prefix": "ComfyUI", "images": Out(dec)})
    return b.build()


def latent_upscale_new_checkpoint(
    prompt: str = "a medieval castle on a hill, matte painting",
    second_prompt: str = "a medieval castle on a hill, sharp stone detail, banners, golden hour",
) -> tuple[Graph, Graph]:
    """Hires fix with a second model and prompt: pass 1 with one checkpoint at 512x512 (a
    PreviewImage of it), LatentUpscale to 1024x1024, pass 2 (denoise 0.55, its own seed) with
    another checkpoint and a new, more detailed prompt encoded by that checkpoint's CLIP."""
    b = GraphBuilder()
    first_ckpt = b.add("CheckpointLoaderSimple", {"ckpt_name": "v1-5-pruned-emaonly.safetensors"})
    second_ckpt = b.add("CheckpointLoaderSimple", {"ckpt_name": "epicrealism_naturalSinRC1VAE.safetensors"})
    pos = b.add("CLIPTextEncode", {"text": prompt, "clip": Out(first_ckpt, 1)})
    neg = b.add("CLIPTextEncode", {"text": "blurry", "clip": Out(first_ckpt, 1)})
    latent = b.add("EmptyLatentImage", {"width": 512, "height": 512, "batch_size": 1})
    first = b.add(
        "KSampler",
        ksampler_inputs(1111, 20, 7.0, "euler", "normal", Out(first_ckpt), Out(pos), Out(neg), Out(latent)),
    )
    preview = b.add("VAEDecode", {"samples": Out(first), "vae": Out(first_ckpt, 2)})
    b.add("PreviewImage", {"images": Out(preview)})
    up = {"upscale_method": "nearest-exact", "width": 1024, "height": 1024, "crop": "disabled"}
    upscaled = b.add("LatentUpscale", {**up, "samples": Out(first)})
    pos2 = b.add("CLIPTextEncode", {"text": second_prompt, "clip": Out(second_ckpt, 1)})
    neg2 = b.add("CLIPTextEncode", {"text": "blurry, lowres", "clip": Out(second_ckpt, 1)})
    second = ksampler_inputs(
        2222, 14, 5.5, "dpmpp_2m", "karras", Out(second_ckpt), Out(pos2), Out(neg2), Out(upscaled)
    )
    second["denoise"] = 0.55
    final = b.add("KSampler", second)
    dec = b.add("VAEDecode", {"samples": Out(final), "vae": Out(second_ckpt, 2)})
    b.add("SaveImage", {"filename_prefix": "ComfyUI", "images": Out(dec)})
    return b.build()


def stable_cascade(
    prompt: str = "an evil looking robot in a cyberpunk city, neon signs, rain",
    negative: str = "",
) -> tuple[Graph, Graph]:
    """The Stable Cascade text-to-image example: stage C and stage B checkpoints, one
    StableCascade_EmptyLatentImage (its stage_c and stage_b latents), a stage C KSampler, its
    latent handed to stage B through StableCascade_StageB_Conditioning, the stage B negative a
    ConditioningZeroOut, and stage B's KSampler (cfg 1.1, 10 steps) making the image."""
    b = GraphBuilder()
    stage_c = b.add("CheckpointLoaderSimple", {"ckpt_name": "stable_cascade_stage_c.safetensors"})
    stage_b = b.add("CheckpointLoaderSimple", {"ckpt_name": "stable_cascade_stage_b.safetensors"})
    pos = b.add("CLIPTextEncode", {"text": prompt, "clip": Out(stage_c, 1)})
    neg = b.add("CLIPTextEncode", {"text": negative, "clip": Out(stage_c, 1)})
    empty = {"width": 1024, "height": 1024, "compression": 42, "batch_size": 1}
    latent = b.add("StableCascade_EmptyLatentImage", empty)
    c = b.add(
        "KSampler",
        ksampler_inputs(
            676767, 20, 4.0, "euler_ancestral", "simple", Out(stage_c), Out(pos), Out(neg), Out(latent, 0)
        ),
    )
    cond_b = b.add("StableCascade_StageB_Conditioning", {"conditioning": Out(pos), "stage_c": Out(c)})
    zero = b.add("ConditioningZeroOut", {"conditioning": Out(pos)})
    b_inputs = ksampler_inputs(
        676767, 10, 1.1, "euler_ancestral", "simple", Out(stage_b), Out(cond_b), Out(zero), Out(latent, 1)
    )
    stage_b_sampler = b.add("KSampler", b_inputs)
    dec = b.add("VAEDecode", {"samples": Out(stage_b_sampler), "vae": Out(stage_b, 2)})
    b.add("SaveImage", {"filename_prefix": "ComfyUI", "images": Out(dec)})
    return b.build()


def unclip_two_pass(prompt: str = "a portrait of a woman in a field of sunflowers") -> tuple[Graph, Graph]:
    """The unCLIP example's two-pass version: unCLIPCheckpointLoader's CLIP_VISION encodes a
    reference image into unCLIPConditioning for pass 1 at 768x768; LatentUpscale to 1152x1152 and
    pass 2 (denoise 0.5) with a plain SD2.1 checkpoint and its own prompt encoding."""
    b = GraphBuilder()
    unclip = b.add("unCLIPCheckpointLoader", {"ckpt_name": "sd21-unclip-h.ckpt"})
    sd21 = b.add("CheckpointLoaderSimple", {"ckpt_name": "v2-1_768-ema-pruned.safetensors"})
    img = b.add("LoadImage", {"image": "sunflowers_reference.png", "upload": "image"})
    vision = b.add("CLIPVisionEncode", {"crop": "center", "clip_vision": Out(unclip, 3), "image": Out(img)})
    pos = b.add("CLIPTextEncode", {"text": prompt, "clip": Out(unclip, 1)})
    neg = b.add("CLIPTextEncode", {"text": "ugly, deformed", "clip": Out(unclip, 1)})
    conditioned = {"strength": 1.0, "noise_augmentation": 0.1}
    un = b.add(
        "unCLIPConditioning", {**conditioned, "conditioning": Out(pos), "clip_vision_output": Out(vision)}
    )
    latent = b.add("EmptyLatentImage", {"width": 768, "height": 768, "batch_size": 1})
    first = b.add(
        "KSampler",
        ksampler_inputs(5150, 20, 10.0, "dpmpp_2m", "karras", Out(unclip), Out(un), Out(neg), Out(latent)),
    )
    up = {"upscale_method": "bilinear", "width": 1152, "height": 1152, "crop": "disabled"}
    upscaled = b.add("LatentUpscale", {**up, "samples": Out(first)})
    pos2 = b.add("CLIPTextEncode", {"text": prompt, "clip": Out(sd21, 1)})
    neg2 = b.add("CLIPTextEncode", {"text": "ugly, deformed", "clip": Out(sd21, 1)})
    second = ksampler_inputs(
        5151, 14, 7.0, "dpmpp_2m", "karras", Out(sd21), Out(pos2), Out(neg2), Out(upscaled)
    )
    second["denoise"] = 0.5
    final = b.add("KSampler", second)
    dec = b.add("VAEDecode", {"samples": Out(final), "vae": Out(sd21, 2)})
    b.add("SaveImage", {"filename_prefix": "unclip", "images": Out(dec)})
    return b.build()


def noisy_latent_composition() -> tuple[Graph, Graph]:
    """The noisy latent composition example: a background and two subjects sampled apart by
    KSamplerAdvanced (steps 0-12 of 30, leftover noise kept), pasted with LatentComposite onto the
    background, and finished by one KSamplerAdvanced (steps 12-end, no added noise)."""
    b = GraphBuilder()
    ckpt = b.add("CheckpointLoaderSimple", {"ckpt_name": "Anything-V3.0.ckpt"})
    neg = b.add("CLIPTextEncode", {"text": "(hands), text, error, cropped", "clip": Out(ckpt, 1)})
    stage = {"steps": 30, "cfg": 8.0, "sampler_name": "dpmpp_sde", "scheduler": "normal"}

    def first_steps(text: str, seed: int, size: tuple[int, int]) -> int:
        pos = b.add("CLIPTextEncode", {"text": text, "clip": Out(ckpt, 1)})
        latent = b.add("EmptyLatentImage", {"width": size[0], "height": size[1], "batch_size": 1})
        inputs = {"add_noise": "enable", "noise_seed": seed, **stage, "start_at_step": 0, "end_at_step": 12}
        inputs |= {"return_with_leftover_noise": "enable", "model": Out(ckpt), "positive": Out(pos)}
        inputs |= {"negative": Out(neg), "latent_image": Out(latent)}
        return b.add("KSamplerAdvanced", inputs)

    background = first_steps("a beautiful forest, river, sunlight, masterpiece", 335608130539327, (1024, 512))
    girl = first_steps("a girl with long blue hair standing, forest background", 1089, (384, 512))
    fox = first_steps("a red fox sitting, forest background", 2048, (256, 256))
    paste = {"x": 128, "y": 0, "feather": 0}
    one = b.add("LatentComposite", {**paste, "samples_to": Out(background), "samples_from": Out(girl)})
    paste = {"x": 640, "y": 256, "feather": 16}
    two = b.add("LatentComposite", {**paste, "samples_to": Out(one), "samples_from": Out(fox)})
    whole = "a girl with long blue hair and a red fox in a beautiful forest, river, sunlight, masterpiece"
    pos = b.add("CLIPTextEncode", {"text": whole, "clip": Out(ckpt, 1)})
    finish = {"add_noise": "disable", "noise_seed": 0, **stage, "start_at_step": 12, "end_at_step": 1000}
    finish |= {"return_with_leftover_noise": "disable", "model": Out(ckpt), "positive": Out(pos)}
    finish |= {"negative": Out(neg), "latent_image": Out(two)}
    final = b.add("KSamplerAdvanced", finish)
    dec = b.add("VAEDecode", {"samples": Out(final), "vae": Out(ckpt, 2)})
    b.add("SaveImage", {"filename_prefix": "ComfyUI", "images": Out(dec)})
    return b.build()


def area_composition(
    areas: Sequence[tuple[str, tuple[int, int, int, int]]] = (
        ("night sky full of stars, milky way", (1280, 320, 0, 0)),
        ("snow covered mountains, pine trees", (1280, 384, 0, 320)),
        ("a frozen lake reflecting the sky", (1280, 320, 0, 384)),
    ),
    overall: str = "a beautiful winter landscape at night, masterpiece, best quality",
) -> tuple[Graph, Graph]:
    """The area composition example: one overall prompt plus one prompt per area
    (ConditioningSetArea: width, height, x, y, strength), joined by a chain of
    ConditioningCombine into one KSampler."""
    b = GraphBuilder()
    ckpt = b.add("CheckpointLoaderSimple", {"ckpt_name": "AOM3A1.safetensors"})
    combined = b.add("CLIPTextEncode", {"text": overall, "clip": Out(ckpt, 1)})
    for text, (w, h, x, y) in areas:
        enc = b.add("CLIPTextEncode", {"text": text, "clip": Out(ckpt, 1)})
        area = b.add(
            "ConditioningSetArea",
            {"width": w, "height": h, "x": x, "y": y, "strength": 1.0, "conditioning": Out(enc)},
        )
        combined = b.add(
            "ConditioningCombine", {"conditioning_1": Out(combined), "conditioning_2": Out(area)}
        )
    neg = b.add("CLIPTextEncode", {"text": "(worst quality, low quality:1.4)", "clip": Out(ckpt, 1)})
    latent = b.add("EmptyLatentImage", {"width": 1280, "height": 704, "batch_size": 1})
    ks = b.add(
        "KSampler",
        ksampler_inputs(
            8566257, 25, 7.5, "dpmpp_2m", "karras", Out(ckpt), Out(combined), Out(neg), Out(latent)
        ),
    )
    dec = b.add("VAEDecode", {"samples": Out(ks), "vae": Out(ckpt, 2)})
    b.add("SaveImage", {"filename_prefix": "area", "images": Out(dec)})
    return b.build()


def model_merge(
    first: str = "dreamshaper_8.safetensors", second: str = "realisticVisionV60B1_v51HyperVAE.safetensors"
) -> tuple[Graph, Graph]:
    """Two checkpoints merged on the fly (ModelMergeSimple, ratio 0.6: 60% of model1) into one
    KSampler; the text encoders use the first checkpoint's CLIP."""
    b = GraphBuilder()
    one = b.add("CheckpointLoaderSimple", {"ckpt_name": first})
    two = b.add("CheckpointLoaderSimple", {"ckpt_name": second})
    merged = b.add("ModelMergeSimple", {"ratio": 0.6, "model1": Out(one), "model2": Out(two)})
    pos = b.add("CLIPTextEncode", {"text": "a watercolor hummingbird, white background", "clip": Out(one, 1)})
    neg = b.add("CLIPTextEncode", {"text": "photo", "clip": Out(one, 1)})
    latent = b.add("EmptyLatentImage", {"width": 512, "height": 512, "batch_size": 1})
    ks = b.add(
        "KSampler",
        ksampler_inputs(
            777, 24, 6.0, "euler_ancestral", "normal", Out(merged), Out(pos), Out(neg), Out(latent)
        ),
    )
    dec = b.add("VAEDecode", {"samples": Out(ks), "vae": Out(one, 2)})
    b.add("SaveImage", {"filename_prefix": "merge", "images": Out(dec)})
    return b.build()


def hidream_e1_edit(
    instruction: str = "Convert the image into a Ghibli style",
    negative: str = "low resolution, blur",
) -> tuple[Graph, Graph]:
    """The HiDream E1.1 editing template: the instruction and the negative are both encoded and
    given the input image as a ReferenceLatent; DualCFGGuider takes the instruction as `cond1`,
    the negative-with-reference as `cond2` (the middle term of its two CFGs) and the plain
    negative as `negative`; SamplerCustomAdvanced samples the VAE-encoded input."""
    b = GraphBuilder()
    unet = b.add("UNETLoader", {"unet_name": "hidream_e1_1_bf16.safetensors", "weight_dtype": "default"})
    clips = {
        "clip_name1": "clip_l_hidream.safetensors",
        "clip_name2": "clip_g_hidream.safetensors",
        "clip_name3": "t5xxl_fp8_e4m3fn_scaled.safetensors",
        "clip_name4": "llama_3.1_8b_instruct_fp8_scaled.safetensors",
    }
    clip = b.add("QuadrupleCLIPLoader", clips)
    vae = b.add("VAELoader", {"vae_name": "ae.safetensors"})
    sampling = b.add("ModelSamplingSD3", {"shift": 3.0, "model": Out(unet)})
    img = b.add("LoadImage", {"image": "city_street.png", "upload": "image"})
    enc = b.add("VAEEncode", {"pixels": Out(img), "vae": Out(vae)})
    pos = b.add("CLIPTextEncode", {"text": instruction, "clip": Out(clip)})
    neg = b.add("CLIPTextEncode", {"text": negative, "clip": Out(clip)})
    pos_ref = b.add("ReferenceLatent", {"conditioning": Out(pos), "latent": Out(enc)})
    neg_ref = b.add("ReferenceLatent", {"conditioning": Out(neg), "latent": Out(enc)})
    guider = {"cfg_conds": 5.0, "cfg_cond2_negative": 2.0, "style": "regular", "model": Out(sampling)}
    guider |= {"cond1": Out(pos_ref), "cond2": Out(neg_ref), "negative": Out(neg)}
    dual = b.add("DualCFGGuider", guider)
    select = b.add("KSamplerSelect", {"sampler_name": "euler"})
    sched = b.add(
        "BasicScheduler", {"scheduler": "normal", "steps": 28, "denoise": 1.0, "model": Out(sampling)}
    )
    noise = b.add("RandomNoise", {"noise_seed": 3141592})
    custom = {"noise": Out(noise), "guider": Out(dual), "sampler": Out(select), "sigmas": Out(sched)}
    sampler = b.add("SamplerCustomAdvanced", {**custom, "latent_image": Out(enc)})
    dec = b.add("VAEDecode", {"samples": Out(sampler, 0), "vae": Out(vae)})
    b.add("SaveImage", {"filename_prefix": "hidream_e1", "images": Out(dec)})
    return b.build()


GRAPHS: dict[str, Callable[[], tuple[Graph, Graph]]] = {
    "sd15_txt2img": sd15_txt2img,
    "sd15_hires_fix": sd15_hires_fix,
    "sdxl_base_refiner": sdxl_base_refiner,
    "lora_stack": lora_stack,
    "flux_dev": flux_dev,
    "controlnet_depth": controlnet_depth,
    "primitive_prompt": primitive_prompt,
    "qwen_image_edit": qwen_image_edit,
    "flux_kontext_edit": flux_kontext_edit,
    "latent_upscale_new_checkpoint": latent_upscale_new_checkpoint,
    "stable_cascade": stable_cascade,
    "unclip_two_pass": unclip_two_pass,
    "noisy_latent_composition": noisy_latent_composition,
    "area_composition": area_composition,
    "model_merge": model_merge,
    "hidream_e1_edit": hidream_e1_edit,
}
"""Every builder with its defaults, for the sample library and benchmarks."""


def ksampler_inputs(
    seed: int | Out,
    steps: int,
    cfg: float,
    sampler: str,
    scheduler: str,
    model: Out,
    positive: Out,
    negative: Out,
    latent: Out,
) -> dict[str, Any]:
    """A KSampler node's inputs, as ComfyUI saves them (full denoise)."""
    return {
        "seed": seed,
        "steps": steps,
        "cfg": cfg,
        "sampler_name": sampler,
        "scheduler": scheduler,
        "denoise": 1.0,
        "model": model,
        "positive": positive,
        "negative": negative,
        "latent_image": latent,
    }


# --------------------------------------------------------------------------- files


def write_comfyui_png(
    path: Path | str,
    image: Image.Image,
    prompt_graph: Graph | None,
    workflow: Graph | None,
) -> Path:
    """Save as ComfyUI's SaveImage does: tEXt `prompt` then `workflow`, each `json.dumps`."""
    info = PngInfo()
    if prompt_graph is not None:
        info.add_text("prompt", json.dumps(prompt_graph))
    if workflow is not None:
        info.add_text("workflow", json.dumps(workflow))
    image.save(path, "PNG", pnginfo=info, compress_level=4)
    return Path(path)


def write_comfyui_webp(
    path: Path | str,
    image: Image.Image,
    prompt_graph: Graph | None,
    workflow: Graph | None,
) -> Path:
    """Save as ComfyUI's SaveAnimatedWEBP does: EXIF 0x0110 (Model) = `prompt:<json>`, the
    `extra_pnginfo` entries counting down from 0x010F (Make) = `workflow:<json>`."""
    exif = image.getexif()
    if prompt_graph is not None:
        exif[0x0110] = "prompt:" + json.dumps(prompt_graph)
    if workflow is not None:
        exif[0x010F] = "workflow:" + json.dumps(workflow)
    image.save(path, format="WEBP", exif=exif, lossless=False, quality=80)
    return Path(path)
