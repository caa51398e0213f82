"""What the reader knows about node classes: which are samplers, which inputs hold prompt text,
strings, numbers, model names and latents, the sampler/scheduler a class stands for, and the
widget order of common nodes (to name a UI graph's `widgets_values`)."""

from __future__ import annotations

import re

SAMPLER_CLASSES = {"KSampler", "KSamplerAdvanced", "SamplerCustom", "SamplerCustomAdvanced"}
# Prompt-text inputs of text encoders, most significant first (t5xxl before clip_l for Flux/SD3).
TEXT_KEYS = (
    "text",
    "prompt",
    "populated_text",  # Impact wildcard encoders: the expanded text, not the template
    "user_prompt",
    "text_g",
    "t5xxl",
    "clip_g",
    "llama",
    "text_l",
    "clip_l",
    "bert",
    "mt5xl",
)
# Keys a string-producing node keeps its value under (core primitives, Image Saver, WAS, CR...).
STRING_KEYS = ("value", "string", "text", "populated_text", "prompt", "Text", "STRING")
# A text node with any of these inputs computes its output (LLM, captioner, random line/wildcard
# pick): its `prompt`/`text` input is an instruction or a template, not the text it produced.
COMPUTED_TEXT_MARKERS = frozenset({"model", "url", "system", "system_prompt", "seed", "image", "images"})
NUMBER_KEYS = ("seed", "noise_seed", "value", "int", "number", "float", "Number", "INT")
CONCAT_PART = re.compile(r"^(?:text|string)_?([a-z]|\d+)$")
MODEL_NAME_KEYS = ("ckpt_name", "unet_name", "model_path")
# where a latent comes from; LatentComposite's destination (`samples_to`) sets the size
LATENT_INPUTS = ("samples", "latent", "latent_image", "latents", "samples_to")
SIZE_TEXT = re.compile(r"(\d{2,5})\s*[x×]\s*(\d{2,5})")
# Stand-alone sampler/scheduler nodes name the algorithm by class, not by a widget.
SAMPLER_NODE_NAMES = {
    "SamplerEulerAncestral": "euler_ancestral",
    "SamplerEulerAncestralCFGPP": "euler_ancestral_cfg_pp",
    "SamplerLMS": "lms",
    "SamplerDPMPP_SDE": "dpmpp_sde",
    "SamplerDPMPP_2M_SDE": "dpmpp_2m_sde",
    "SamplerDPMPP_3M_SDE": "dpmpp_3m_sde",
    "SamplerDPMPP_2S_Ancestral": "dpmpp_2s_ancestral",
    "SamplerDPMAdaptative": "dpm_adaptive",
    "SamplerER_SDE": "er_sde",
    "SamplerSASolver": "sa_solver",
}
SCHEDULER_NODE_NAMES = {
    "KarrasScheduler": "karras",
    "ExponentialScheduler": "exponential",
    "PolyexponentialScheduler": "polyexponential",
    "SDTurboScheduler": "sd_turbo",
    "AlignYourStepsScheduler": "align_your_steps",
    "BetaSamplingScheduler": "beta",
    "LaplaceScheduler": "laplace",
    "VPScheduler": "vp",
    "GITSScheduler": "gits",
    "OptimalStepsScheduler": "optimal_steps",
}


# Widget order of common nodes, to name `widgets_values` when only the UI graph exists.
# `_` marks the frontend's control_after_generate value that follows seed widgets.
WIDGETS: dict[str, tuple[str, ...]] = {
    "KSampler": ("seed", "_", "steps", "cfg", "sampler_name", "scheduler", "denoise"),
    "KSamplerAdvanced": (
        "add_noise",
        "noise_seed",
        "_",
        "steps",
        "cfg",
        "sampler_name",
        "scheduler",
        "start_at_step",
        "end_at_step",
        "return_with_leftover_noise",
    ),
    "SamplerCustom": ("add_noise", "noise_seed", "_", "cfg"),
    "RandomNoise": ("noise_seed", "_"),
    "CFGGuider": ("cfg",),
    "DualCFGGuider": ("cfg_conds", "cfg_cond2_negative", "style"),
    "KSamplerSelect": ("sampler_name",),
    "BasicScheduler": ("scheduler", "steps", "denoise"),
    "CheckpointLoaderSimple": ("ckpt_name",),
    "UNETLoader": ("unet_name", "weight_dtype"),
    "UnetLoaderGGUF": ("unet_name",),
    "LoraLoader": ("lora_name", "strength_model", "strength_clip"),
    "LoraLoaderModelOnly": ("lora_name", "strength_model"),
    "CLIPTextEncode": ("text",),
    "CLIPTextEncodeSDXL": (
        "width",
        "height",
        "crop_w",
        "crop_h",
        "target_width",
        "target_height",
        "text_g",
        "text_l",
    ),
    "CLIPTextEncodeSDXLRefiner": ("ascore", "width", "height", "text"),
    "CLIPTextEncodeFlux": ("clip_l", "t5xxl", "guidance"),
    "TextEncodeQwenImageEdit": ("prompt",),
    "TextEncodeQwenImageEditPlus": ("prompt",),
    "FluxGuidance": ("guidance",),
    "ControlNetLoader": ("control_net_name",),
    "ControlNetApply": ("strength",),
    "ControlNetApplyAdvanced": ("strength", "start_percent", "end_percent"),
    "EmptyLatentImage": ("width", "height", "batch_size"),
    "EmptySD3LatentImage": ("width", "height", "batch_size"),
    "PrimitiveNode": ("value",),
    "PrimitiveString": ("value",),
    "PrimitiveStringMultiline": ("value",),
    "PrimitiveInt": ("value",),
    "PrimitiveFloat": ("value",),
    "String Literal": ("string",),
    "StringConcatenate": ("string_a", "string_b", "delimiter"),
    "Seed (rgthree)": ("seed",),
    "LatentUpscale": ("upscale_method", "width", "height", "crop"),
    "LatentUpscaleBy": ("upscale_method", "scale_by"),
    "LatentComposite": ("x", "y", "feather"),
    "ConditioningSetArea": ("width", "height", "x", "y", "strength"),
    "ModelMergeSimple": ("ratio",),
    "StableCascade_EmptyLatentImage": ("width", "height", "compression", "batch_size"),
    "unCLIPCheckpointLoader": ("ckpt_name",),
    "unCLIPConditioning": ("strength", "noise_augmentation"),
    "CLIPVisionEncode": ("crop",),
}
