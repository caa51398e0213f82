"""ComfyUI: follow the saved node graph from the output back to what made the image.

ComfyUI stores two graphs. `prompt` is the API graph the server executed
(`{"<id>": {"class_type", "inputs"}}`, links as `["<source id>", <output index>]`); muted and
bypassed nodes are already gone from it and UI-only PrimitiveNodes are inlined, so it is the
truth and is read first. `workflow` is the editor's UI graph; it only lends output types to
the API graph (which says nothing about types), or is converted to an API-like graph when it is
all the file has. PNGs carry both as tEXt chunks; SaveAnimatedWEBP and several JPEG/WebP saver
nodes write `prompt:<json>` / `workflow:<json>` into EXIF strings (Model, Make,
ImageDescription...).

Facts come from links only, never from "the first node of some class": from the output node back
to the sampler(s); from each sampler back through conditioning nodes to the text encoders,
through model patches and LoRA loaders to the loader, through the latent to its empty-latent
node. Every walk keeps a visited set and a depth limit, so cycles and dangling links end a
branch instead of the read.
"""

from __future__ import annotations

import json
import re
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from latentdam.errors import CorruptMetadata
from latentdam.extract.raw import RawMetadata
from latentdam.extract.record import GenerationRecord, LoRA, Tool

NodeId = str
Ref = tuple[NodeId, int]  # (source node, output index)

_MAX_DEPTH = 100  # far beyond any real chain; keeps nested walks well inside Python's limit

_SAMPLER_CLASSES = {"KSampler", "KSamplerAdvanced", "SamplerCustom", "SamplerCustomAdvanced"}
# Prompt-text inputs of text encoders, most significant first (t5xxl before clip_l for Flux/SD3).
_TEXT_KEYS = (
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
_STRING_KEYS = ("value", "string", "text", "populated_text", "prompt", "Text", "STRING")
# A text node with any of these inputs computes its output (LLM, captioner, random line/wildcard
# pick): its `prompt`/`text` input is an instruction or a template, not the text it produced.
_COMPUTED_TEXT_MARKERS = frozenset({"model", "url", "system", "system_prompt", "seed", "image", "images"})
_NUMBER_KEYS = ("seed", "noise_seed", "value", "int", "number", "float", "Number", "INT")
_CONCAT_PART = re.compile(r"^(?:text|string)_?([a-z]|\d+)$")
_MODEL_NAME_KEYS = ("ckpt_name", "unet_name", "model_path")
_LATENT_INPUTS = ("samples", "latent", "latent_image", "latents")
_SIZE_TEXT = re.compile(r"(\d{2,5})\s*[x×]\s*(\d{2,5})")
# Stand-alone sampler/scheduler nodes name the algorithm by class, not by a widget.
_SAMPLER_NODE_NAMES = {
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
_SCHEDULER_NODE_NAMES = {
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


# --------------------------------------------------------------------------- the graph


@dataclass(slots=True)
class _Node:
    class_type: str
    inputs: dict[str, Any]


@dataclass(slots=True)
class _Graph:
    nodes: dict[NodeId, _Node]
    # output slot -> (name, type), from the UI graph; empty when there is none
    outputs: dict[Ref, tuple[str, str]] = field(default_factory=dict)

    def ref(self, value: Any) -> Ref | None:
        """A link value `[source id, output index]`, or None for a widget value."""
        if (
            isinstance(value, list)
            and len(value) == 2
            and isinstance(value[0], (str, int))
            and not isinstance(value[0], bool)
            and isinstance(value[1], int)
            and not isinstance(value[1], bool)
        ):
            return str(value[0]), value[1]
        return None

    def source(self, value: Any) -> tuple[NodeId, _Node, int] | None:
        """The node a link points at; None for widgets and dangling links."""
        ref = self.ref(value)
        if ref is None or ref[0] not in self.nodes:
            return None
        return ref[0], self.nodes[ref[0]], ref[1]

    def link_type(self, value: Any) -> str | None:
        ref = self.ref(value)
        slot = self.outputs.get(ref) if ref else None
        return slot[1] if slot else None

    def upstream(self, start: NodeId) -> set[NodeId]:
        """Every node `start` depends on (iterative, so cycles and long chains are fine)."""
        seen: set[NodeId] = set()
        stack = [start]
        while stack:
            node = self.nodes.get(stack.pop())
            if node is None:
                continue
            for value in node.inputs.values():
                src = self.source(value)
                if src and src[0] not in seen:
                    seen.add(src[0])
                    stack.append(src[0])
        return seen


def _id_order(node_id: NodeId) -> tuple[int, int, str]:
    return (0, int(node_id), "") if node_id.isdigit() else (1, 0, node_id)


# --------------------------------------------------------------------------- one sampler


@dataclass(slots=True)
class _Stage:
    """What one sampler node was given."""

    node_id: NodeId
    positive: list[str] = field(default_factory=list)
    negative: list[str] = field(default_factory=list)
    model: str | None = None
    loras: list[LoRA] = field(default_factory=list)
    controlnets: list[str] = field(default_factory=list)
    sampler: str | None = None
    scheduler: str | None = None
    steps: int | None = None
    cfg: float | None = None
    guidance: float | None = None  # FluxGuidance / CLIPTextEncodeFlux on the positive path
    seed: int | None = None
    width: int | None = None
    height: int | None = None


def _is_sampler(node: _Node) -> bool:
    """Core samplers, plus custom ones recognised by their inputs (Efficiency, Inspire,
    FaceDetailer, UltimateSDUpscale, WanVideoSampler...)."""
    if node.class_type in _SAMPLER_CLASSES:
        return True
    keys = node.inputs.keys()
    if {"noise", "guider", "sampler", "sigmas"} <= keys:
        return True
    conditioned = {"model", "positive", "negative"} <= keys or "text_embeds" in keys
    return conditioned and "steps" in keys and bool(keys & {"cfg", "sampler_name", "scheduler"})


class _Tracer:
    def __init__(self, graph: _Graph) -> None:
        self.g = graph
        # Values behind links are memoised per (node, preferred key) and nodes being resolved are
        # tracked, so a cycle ends at once and shared sub-graphs (or a hostile file's diamonds)
        # are resolved once: linear time whatever the graph.
        self._strings: dict[tuple[NodeId, str], str | None] = {}
        self._numbers: dict[tuple[NodeId, str], float | None] = {}
        self._active: set[tuple[NodeId, str]] = set()

    # ---- values behind links

    def string(self, value: Any, prefer: str = "") -> str | None:
        """A widget string, or the string a linked text node produces."""
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get("content"), str):
            return str(value["content"])  # pysssss loaders: {"content": name, "image": ...}
        src = self.g.source(value)
        if src is None:
            return None
        key = (src[0], "s:" + prefer)
        if key not in self._strings:
            if key in self._active or len(self._active) > _MAX_DEPTH:
                return None
            self._active.add(key)
            self._strings[key] = self._string_of(src[1].inputs, prefer)
            self._active.discard(key)
        return self._strings[key]

    def _string_of(self, inputs: dict[str, Any], prefer: str) -> str | None:
        if "populated_text" in inputs:  # Impact wildcard nodes store the text they produced
            return self.string(inputs["populated_text"], "populated_text")
        if not _COMPUTED_TEXT_MARKERS.isdisjoint(inputs):
            return None
        joined = self._concatenation(inputs)
        if joined is not None:
            return joined
        for key in (prefer, *_STRING_KEYS) if prefer else _STRING_KEYS:
            if key in inputs:
                text = self.string(inputs[key], key)
                if text is not None:
                    return text
        return None

    def _concatenation(self, inputs: dict[str, Any]) -> str | None:
        """Text-join nodes (core StringConcatenate, WAS Text Concatenate, KJ JoinStrings,
        CR Text Concatenate): parts in key order, joined by their delimiter."""
        delimiter = inputs.get("delimiter", inputs.get("separator"))
        parts = sorted((k for k in inputs if _CONCAT_PART.match(k)), key=_part_order)
        if not isinstance(delimiter, str) or len(parts) < 2:
            return None
        texts = [self.string(inputs[k], k) for k in parts]
        if inputs.get("clean_whitespace") in ("true", True):
            texts = [t.strip() if t else t for t in texts]
        return delimiter.join(t for t in texts if t)

    def number(self, value: Any, prefer: str = "") -> float | None:
        """A widget number (or numeric string), or the number a linked primitive/seed node holds."""
        if isinstance(value, bool):
            return None
        if isinstance(value, (int, float)):
            return value
        if isinstance(value, str):
            return _parse_number(value)
        src = self.g.source(value)
        if src is None:
            return None
        key = (src[0], "n:" + prefer)
        if key not in self._numbers:
            if key in self._active or len(self._active) > _MAX_DEPTH:
                return None
            self._active.add(key)
            self._numbers[key] = self._number_of(src[1].inputs, prefer)
            self._active.discard(key)
        return self._numbers[key]

    def _number_of(self, inputs: dict[str, Any], prefer: str) -> float | None:
        for key in (prefer, *_NUMBER_KEYS) if prefer else _NUMBER_KEYS:
            if key in inputs:
                num = self.number(inputs[key], key)
                if num is not None:
                    return num
        return None

    def integer(self, value: Any, prefer: str = "") -> int | None:
        num = self.number(value, prefer)
        return int(num) if num is not None and float(num).is_integer() else None

    # ---- conditioning

    def texts(self, value: Any, stage: _Stage, positive: bool) -> list[str]:
        """Prompt texts that reach a sampler's conditioning input, in graph order; ControlNets
        and (positive side only) Flux guidance met on the way go into `stage`."""
        found: list[str] = []
        self._walk_conditioning(value, stage, positive, found, set(), 0)
        return list(dict.fromkeys(t for t in found if t))

    def _walk_conditioning(
        self, value: Any, stage: _Stage, positive: bool, found: list[str], seen: set[Ref], depth: int
    ) -> None:
        src = self.g.source(value)
        if src is None or depth > _MAX_DEPTH or (src[0], src[2]) in seen:
            return
        seen.add((src[0], src[2]))
        node_id, node, slot = src
        inputs = node.inputs
        if node.class_type == "ConditioningZeroOut":
            return  # zeroed: the text beneath it has no effect (Flux Kontext's negative)
        if positive and stage.guidance is None and "guidance" in inputs:
            stage.guidance = self.number(inputs["guidance"], "guidance")
        if any(key in inputs for key in _TEXT_KEYS):
            # a text encoder: its other inputs are CLIP/VAE/images, nothing more to follow
            found.extend(self._encoder_texts(inputs))
            return
        if isinstance(inputs.get("positive"), str) or isinstance(inputs.get("negative"), str):
            # a loader that encodes its own prompt widgets (Efficiency's Efficient Loader)
            side = self._prompt_side(node_id, slot, positive)
            found.extend(_nonempty(self.string(inputs.get(side), side)))
            return
        if "control_net" in inputs and self.number(inputs.get("strength"), "strength") != 0:
            name = self.controlnet(inputs["control_net"])
            if name and name not in stage.controlnets:
                stage.controlnets.append(name)
        for key in self._conditioning_inputs(node_id, slot, inputs):
            self._walk_conditioning(inputs[key], stage, positive, found, seen, depth + 1)

    def _encoder_texts(self, inputs: dict[str, Any]) -> list[str]:
        keys = [k for k in _TEXT_KEYS if k in inputs]
        if "populated_text" in keys and self.string(inputs["populated_text"]):
            keys = ["populated_text"]
        texts = (self.string(inputs[k], k) for k in keys)
        return [t.strip() for t in texts if t and t.strip()]

    def _prompt_side(self, node_id: NodeId, slot: int, positive: bool) -> str:
        """Which prompt widget an output encodes: by the output's name (`CONDITIONING+`/`-`)
        when the UI graph says, else the side of the sampler being traced."""
        name = self.g.outputs.get((node_id, slot), ("", ""))[0].lower()
        if name.endswith("+") or "positive" in name:
            return "positive"
        if name.endswith("-") or "negative" in name:
            return "negative"
        return "positive" if positive else "negative"

    def _conditioning_inputs(self, node_id: NodeId, slot: int, inputs: dict[str, Any]) -> list[str]:
        """Which inputs of a pass-through node carry the conditioning that left `slot`."""
        if "positive" in inputs and "negative" in inputs:
            # ControlNetApplyAdvanced, InpaintModelConditioning...: outputs (positive, negative, ...)
            name = self.g.outputs.get((node_id, slot), ("", ""))[0].lower()
            if name in ("positive", "negative"):
                return [name]
            return [("positive", "negative")[slot]] if slot in (0, 1) else []
        keys = []
        for key, value in inputs.items():
            if self.g.ref(value) is None:
                continue
            typ = self.g.link_type(value)
            if typ is not None:
                if typ == "CONDITIONING":
                    keys.append(key)
            elif key.startswith("conditioning") or key in ("cond", "cond1", "cond2"):
                keys.append(key)  # no UI graph to type the link: go by the input's name
        return keys

    def controlnet(self, value: Any) -> str | None:
        """The ControlNet model name behind a CONTROL_NET link (through SetUnionControlNetType...)."""
        seen: set[NodeId] = set()
        src = self.g.source(value)
        while src is not None and src[0] not in seen:
            seen.add(src[0])
            inputs = src[1].inputs
            if "control_net_name" in inputs:
                return self.string(inputs["control_net_name"], "control_net_name")
            src = self.g.source(inputs.get("control_net"))
        return None

    # ---- model

    def model(self, value: Any) -> tuple[str | None, list[LoRA]]:
        """Follow the MODEL link back to the loader; LoRAs in the order they were applied."""
        per_node: list[list[LoRA]] = []  # nearest the sampler first
        seen: set[NodeId] = set()
        name: str | None = None
        src = self.g.source(value)
        if isinstance(value, str):
            name = value  # some custom samplers/loaders take the model file name directly
        while src is not None and src[0] not in seen:
            seen.add(src[0])
            inputs = src[1].inputs
            per_node.append(self.node_loras(inputs))
            name = self._model_name(inputs)
            if name is not None:
                break
            src = self.g.source(self._next_model_link(inputs))
        loras = [lora for group in reversed(per_node) for lora in group]
        return name, loras

    def _model_name(self, inputs: dict[str, Any]) -> str | None:
        for key in _MODEL_NAME_KEYS:
            if key in inputs:
                return self.string(inputs[key], key)
        model = inputs.get("model")
        return model if isinstance(model, str) else None

    def _next_model_link(self, inputs: dict[str, Any]) -> Any:
        if self.g.ref(inputs.get("model")) is not None:
            return inputs["model"]
        links = [(k, v) for k, v in inputs.items() if self.g.ref(v) is not None]
        typed = [v for _, v in links if self.g.link_type(v) == "MODEL"]
        named = [v for k, v in links if k.startswith("model")]  # ModelMergeSimple: model1 first
        return (typed or named or [None])[0]

    def node_loras(self, inputs: dict[str, Any]) -> list[LoRA]:
        """LoRAs one node applies, in order: a LORA_STACK chain first, upstream stack first
        (stacks append to what they receive), then the node's own."""
        chain = [inputs]
        seen: set[NodeId] = set()
        src = self.g.source(inputs.get("lora_stack"))
        while src is not None and src[0] not in seen:
            seen.add(src[0])
            chain.append(src[1].inputs)
            src = self.g.source(src[1].inputs.get("lora_stack"))
        return [lora for node_inputs in reversed(chain) for lora in self._own_loras(node_inputs)]

    def _own_loras(self, inputs: dict[str, Any]) -> list[LoRA]:
        """LoraLoader-style widgets, rgthree `lora_N` dicts, or numbered stacker widgets; entries
        switched off or at zero strength are skipped."""
        out: list[LoRA] = []
        if "lora_name" in inputs:
            weight = self._first_number(
                inputs, "strength_model", "lora_strength", "strength", "lora_model_strength"
            )
            clip = self._first_number(inputs, "strength_clip", "lora_clip_strength")
            out += _lora(self.string(inputs["lora_name"], "lora_name"), weight, clip, True)
        for key in sorted((k for k in inputs if re.fullmatch(r"lora_\d+", k)), key=_part_order):
            entry = inputs[key]
            if isinstance(entry, dict):  # Power Lora Loader (rgthree)
                weight = self.number(entry.get("strength"))
                clip = self.number(entry.get("strengthTwo"))
                out += _lora(entry.get("lora"), weight, clip, entry.get("on") is not False)
        out += self._stacker_loras(inputs)
        return out

    def _stacker_loras(self, inputs: dict[str, Any]) -> list[LoRA]:
        """CR LoRA Stack (`switch_N`, `model_weight_N`) and Efficiency LoRA Stacker
        (`lora_count`, `lora_wt_N` in simple mode, `model_str_N` in advanced)."""
        numbers = sorted(int(k.rsplit("_", 1)[1]) for k in inputs if re.fullmatch(r"lora_name_\d+", k))
        count = self.integer(inputs.get("lora_count"))
        simple = inputs.get("input_mode") == "simple"
        out: list[LoRA] = []
        for n in numbers:
            if count is not None and n > count:
                break
            keys = (f"lora_wt_{n}",) if simple else (f"model_weight_{n}", f"model_str_{n}", f"strength_{n}")
            weight = self._first_number(inputs, *keys)
            clip = self._first_number(inputs, f"clip_weight_{n}", f"clip_str_{n}")
            on = inputs.get(f"switch_{n}", "On") not in ("Off", False)
            out += _lora(self.string(inputs[f"lora_name_{n}"]), weight, clip, on)
        return out

    def _first_number(self, inputs: dict[str, Any], *keys: str) -> float | None:
        for key in keys:
            if key in inputs:
                num = self.number(inputs[key], key)
                if num is not None:
                    return float(num)
        return None

    # ---- latent size

    def size(self, value: Any) -> tuple[int | None, int | None]:
        """Generation size from the empty-latent node; None for img2img (a VAE-encoded image:
        the input image's size is not in the graph)."""
        seen: set[NodeId] = set()
        src = self.g.source(value)
        while src is not None and src[0] not in seen:
            seen.add(src[0])
            inputs = src[1].inputs
            for w, h in (("width", "height"), ("empty_latent_width", "empty_latent_height")):
                if w in inputs and h in inputs:
                    return self.integer(inputs[w], w), self.integer(inputs[h], h)
            for key in ("dimensions", "resolution", "aspect_ratio"):  # "1024 x 1024 (square)"
                match = _SIZE_TEXT.search(self.string(inputs.get(key)) or "")
                if match:
                    return int(match[1]), int(match[2])
            if "pixels" in inputs or "image" in inputs:
                return None, None
            nxt = next((inputs[k] for k in _LATENT_INPUTS if self.g.ref(inputs.get(k))), None)
            src = self.g.source(nxt)
        return None, None

    # ---- samplers

    def stage(self, node_id: NodeId) -> _Stage:
        inputs = self.g.nodes[node_id].inputs
        st = _Stage(node_id)
        conds = self._guider_inputs(inputs)
        st.model, st.loras = self.model(conds.get("model"))
        st.positive = [
            t
            for key in ("positive", "conditioning", "cond1", "cond2")
            if key in conds
            for t in self.texts(conds[key], st, positive=True)
        ]
        if "negative" in conds:
            st.negative = self.texts(conds["negative"], st, positive=False)
        if "text_embeds" in inputs:  # WanVideoWrapper: WanVideoTextEncode holds both prompts
            embeds = self.g.source(inputs["text_embeds"])
            if embeds is not None:
                st.positive = st.positive or _nonempty(self.string(embeds[1].inputs.get("positive_prompt")))
                st.negative = st.negative or _nonempty(self.string(embeds[1].inputs.get("negative_prompt")))
        cfg = self.number(conds.get("cfg", conds.get("cfg_conds")), "cfg")
        st.cfg = float(cfg) if cfg is not None else None
        st.seed = self._seed(inputs)
        st.steps = self.integer(inputs.get("steps"), "steps")
        st.sampler = self.string(inputs.get("sampler_name"), "sampler_name")
        st.scheduler = self.string(inputs.get("scheduler"), "scheduler")
        self._custom_sampling(inputs, st)
        latent = next((inputs[k] for k in ("latent_image", "latent", "samples") if k in inputs), None)
        st.width, st.height = self.size(latent)
        return st

    def _guider_inputs(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Where model/conditioning/cfg live: on the sampler, or on its GUIDER node (CFGGuider:
        model/positive/negative/cfg; BasicGuider: model/conditioning; DualCFGGuider: cond1/cond2)."""
        guider = self.g.source(inputs.get("guider"))
        return guider[1].inputs if guider is not None else inputs

    def _seed(self, inputs: dict[str, Any]) -> int | None:
        if inputs.get("add_noise") in ("disable", False):
            return None  # the seed widget is there but no noise was drawn from it
        for key in ("seed", "noise_seed"):
            if key in inputs:
                return self.integer(inputs[key], key)
        noise = self.g.source(inputs.get("noise"))  # RandomNoise; DisableNoise has no seed
        return self.integer(noise[1].inputs.get("noise_seed"), "noise_seed") if noise else None

    def _custom_sampling(self, inputs: dict[str, Any], st: _Stage) -> None:
        """SamplerCustom(Advanced): sampler and schedule come from SAMPLER and SIGMAS nodes."""
        sampler = self.g.source(inputs.get("sampler"))
        if st.sampler is None and sampler is not None:
            st.sampler = self.string(sampler[1].inputs.get("sampler_name"), "sampler_name")
            st.sampler = st.sampler or _SAMPLER_NODE_NAMES.get(sampler[1].class_type)
        sigmas = self.g.source(inputs.get("sigmas"))
        seen: set[NodeId] = set()
        # SplitSigmas / FlipSigmas... pass SIGMAS through to the scheduler node
        while sigmas is not None and "sigmas" in sigmas[1].inputs and sigmas[0] not in seen:
            seen.add(sigmas[0])
            sigmas = self.g.source(sigmas[1].inputs["sigmas"])
        if sigmas is not None:
            sched = sigmas[1]
            st.steps = st.steps or self.integer(sched.inputs.get("steps"), "steps")
            name = self.string(sched.inputs.get("scheduler"), "scheduler")
            st.scheduler = st.scheduler or name or _SCHEDULER_NODE_NAMES.get(sched.class_type)

    def ordered_samplers(self) -> list[NodeId]:
        """Samplers that feed the saved image, earliest stage first.

        Outputs are Save*/Preview* nodes (saves first), else nodes nothing consumes. A sampler's
        stage is how many samplers sit upstream of it: base before refiner, first pass before
        hires fix. With no sampler reachable from an output, every sampler in the graph counts.
        """
        g = self.g
        samplers = {nid for nid, node in g.nodes.items() if _is_sampler(node)}
        if not samplers:
            return []
        found: dict[NodeId, None] = {}
        for out in self._outputs():
            ups = g.upstream(out)
            for nid in sorted(ups & samplers, key=_id_order):
                found[nid] = None
        candidates = list(found) or sorted(samplers, key=_id_order)
        depth = {nid: len(g.upstream(nid) & (samplers - {nid})) for nid in candidates}
        return sorted(candidates, key=lambda nid: depth[nid])

    def _outputs(self) -> list[NodeId]:
        nodes = self.g.nodes
        saves = [n for n, node in nodes.items() if "save" in node.class_type.lower()]
        previews = [n for n, node in nodes.items() if "preview" in node.class_type.lower()]
        if saves or previews:
            return sorted(saves, key=_id_order) + sorted(previews, key=_id_order)
        consumed = {
            src[0] for node in nodes.values() for v in node.inputs.values() if (src := self.g.source(v))
        }
        return sorted((n for n in nodes if n not in consumed), key=_id_order)


def _part_order(key: str) -> tuple[int, str]:
    """`text_a` < `text_b`, `lora_2` < `lora_10`."""
    digits = re.search(r"\d+$", key)
    return (int(digits[0]), "") if digits else (0, key)


def _parse_number(text: str) -> float | None:
    for parse in (int, float):
        try:
            return parse(text.strip())
        except ValueError:
            continue
    return None


def _lora(name: Any, weight: float | None, clip: float | None, on: bool) -> list[LoRA]:
    if not on or not isinstance(name, str) or name.strip() in ("", "None"):
        return []
    if weight == 0 and not clip:
        return []  # loaded at zero strength: a switched-off slot, not an applied LoRA
    return [LoRA(name, weight)]


def _nonempty(text: str | None) -> list[str]:
    return [text.strip()] if text and text.strip() else []


# --------------------------------------------------------------------------- record


def _record(stages: list[_Stage]) -> GenerationRecord:
    """The first stage speaks for the image (its prompt, seed, size, settings); models, LoRAs
    and ControlNets are collected from every stage."""
    record = GenerationRecord(tool=Tool.COMFYUI)
    if not stages:
        return record
    first = stages[0]
    record.prompt = "\n".join(first.positive)
    record.negative_prompt = "\n".join(first.negative)
    record.model = first.model or next((s.model for s in stages if s.model), None)
    loras: dict[str, LoRA] = {}
    for stage in stages:  # a LoRA shared by several stages (same model chain) counts once
        for lora in stage.loras:
            loras.setdefault(lora.name, lora)
    record.loras = list(loras.values())
    record.controlnets = list(dict.fromkeys(c for s in stages for c in s.controlnets))
    record.sampler, record.scheduler = first.sampler, first.scheduler
    record.steps, record.seed = first.steps, first.seed
    record.width, record.height = first.width, first.height
    # Flux-style guidance-distilled models run at cfg 1 (or with no CFG at all, BasicGuider); the
    # FluxGuidance value is the knob users set, so it is what cfg reports. A real cfg > 1 stays.
    record.cfg = first.cfg
    if first.guidance is not None and (first.cfg is None or first.cfg == 1.0):
        record.cfg = float(first.guidance)
    return record


# --------------------------------------------------------------------------- parsing


def _chunks(meta: RawMetadata) -> tuple[str | None, str | None]:
    """The `prompt` and `workflow` JSON texts: PNG chunks, else `prompt:`/`workflow:` EXIF strings."""
    prompt, workflow = _json_like(meta.text.get("prompt")), _json_like(meta.text.get("workflow"))
    for value in meta.exif.values():
        if not isinstance(value, str):
            continue
        text = value.strip().strip("\x00")
        if prompt is None and text.startswith("prompt:"):
            prompt = _json_like(text[len("prompt:") :])
        elif workflow is None and text.startswith("workflow:"):
            workflow = _json_like(text[len("workflow:") :])
    return prompt, workflow


def _json_like(text: str | None) -> str | None:
    return text if text is not None and text.lstrip().startswith("{") else None


def _load(text: str, what: str) -> dict[str, Any]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise CorruptMetadata(f"ComfyUI {what} is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CorruptMetadata(f"ComfyUI {what} is not a JSON object")
    return data


def _api_graph(data: dict[str, Any]) -> _Graph:
    nodes: dict[NodeId, _Node] = {}
    for nid, node in data.items():
        if isinstance(node, dict) and isinstance(node.get("class_type"), str):
            inputs = node.get("inputs")
            nodes[str(nid)] = _Node(node["class_type"], inputs if isinstance(inputs, dict) else {})
    if not nodes:
        raise CorruptMetadata("ComfyUI prompt holds no nodes")
    return _Graph(nodes)


def _ui_nodes(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = workflow.get("nodes")
    if not isinstance(nodes, list):
        raise CorruptMetadata("ComfyUI workflow has no node list")
    return [
        n for n in nodes if isinstance(n, dict) and _is_id(n.get("id")) and isinstance(n.get("type"), str)
    ]


def _slots(node: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """A UI node's input/output slot list; a malformed slot becomes an empty dict, keeping the
    positions (output index = position)."""
    slots = node.get(key)
    return [s if isinstance(s, dict) else {} for s in slots] if isinstance(slots, list) else []


def _ui_outputs(workflow: dict[str, Any]) -> dict[Ref, tuple[str, str]]:
    """Output slot names and types of the UI graph (node ids shared with the API graph)."""
    out: dict[Ref, tuple[str, str]] = {}
    for node in _ui_nodes(workflow):
        for i, slot in enumerate(_slots(node, "outputs")):
            if slot:
                out[(str(node["id"]), i)] = (str(slot.get("name", "")), str(slot.get("type", "")))
    return out


# Widget order of common nodes, to name `widgets_values` when only the UI graph exists.
# `_` marks the frontend's control_after_generate value that follows seed widgets.
_WIDGETS: dict[str, tuple[str, ...]] = {
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
    "DualCFGGuider": ("cfg_conds", "cfg_cond2_negative"),
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
}
_MUTED, _BYPASSED = 2, 4


def _graph_from_workflow(workflow: dict[str, Any]) -> _Graph:
    """Rebuild an API-like graph from the UI graph, as the frontend would queue it: muted nodes
    dropped, bypassed nodes and Reroutes wired through, widgets named from `_WIDGETS` (unknown
    classes keep only their links: their widget order is not knowable from the file)."""
    ui = {str(n["id"]): n for n in _ui_nodes(workflow)}
    links = _ui_links(workflow.get("links"))
    nodes: dict[NodeId, _Node] = {}
    for nid, node in ui.items():
        if node.get("mode") in (_MUTED, _BYPASSED) or node["type"] in ("Reroute", "Note", "MarkdownNote"):
            continue
        inputs = _ui_widgets(node)
        for slot in _slots(node, "inputs"):
            if isinstance(slot.get("name"), str):
                ref = _ui_source(ui, links, slot.get("link"), set())
                if ref is not None:
                    inputs[slot["name"]] = [ref[0], ref[1]]
        nodes[nid] = _Node(node["type"], inputs)
    if not nodes:
        raise CorruptMetadata("ComfyUI workflow holds no nodes")
    return _Graph(nodes, _ui_outputs(workflow))


def _ui_links(raw: Any) -> dict[Any, tuple[str, int, str]]:
    """link id -> (source node, source slot, type); both the list and the object form."""
    out: dict[Any, tuple[str, int, str]] = {}
    for link in raw if isinstance(raw, list) else []:
        if isinstance(link, list) and len(link) >= 6:
            link_id, src, slot, typ = link[0], link[1], link[2], link[5]
        elif isinstance(link, dict):
            link_id, src, slot = link.get("id"), link.get("origin_id"), link.get("origin_slot")
            typ = link.get("type")
        else:
            continue
        if _is_id(link_id) and _is_id(src) and isinstance(slot, int):
            out[link_id] = (str(src), slot, str(typ))
    return out


def _is_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _ui_source(
    ui: dict[NodeId, dict[str, Any]], links: dict[Any, tuple[str, int, str]], link_id: Any, seen: set[Any]
) -> Ref | None:
    """Where a UI link really comes from, looking through Reroutes and bypassed nodes (which pass
    their first input of the output's type on)."""
    if not _is_id(link_id) or link_id in seen or link_id not in links:
        return None
    seen.add(link_id)
    src, slot, typ = links[link_id]
    node = ui.get(src)
    if node is None or node.get("mode") == _MUTED:
        return None
    if node["type"] == "Reroute" or node.get("mode") == _BYPASSED:
        slots = [s for s in _slots(node, "inputs") if s.get("link") is not None]
        same = [s for s in slots if s.get("type") == typ] or slots[:1]
        return _ui_source(ui, links, same[0]["link"], seen) if same else None
    return src, slot


def _ui_widgets(node: dict[str, Any]) -> dict[str, Any]:
    values = node.get("widgets_values")
    if not isinstance(values, list):
        return {}
    if node["type"] == "Power Lora Loader (rgthree)":
        dicts = [v for v in values if isinstance(v, dict) and "lora" in v]
        return {f"lora_{i}": v for i, v in enumerate(dicts, start=1)}
    names = _WIDGETS.get(node["type"], ())
    return {name: value for name, value in zip(names, values, strict=False) if name != "_"}


# --------------------------------------------------------------------------- reader


class ComfyUIReader:
    """Reads ComfyUI's `prompt` (API graph) and `workflow` (UI graph) metadata."""

    tool = Tool.COMFYUI

    def can_read(self, meta: RawMetadata) -> bool:
        prompt, workflow = _chunks(meta)
        return prompt is not None or workflow is not None

    def read(self, meta: RawMetadata) -> GenerationRecord:
        graph = self._graph(*_chunks(meta))
        tracer = _Tracer(graph)
        return _record([tracer.stage(nid) for nid in tracer.ordered_samplers()])

    def _graph(self, prompt: str | None, workflow: str | None) -> _Graph:
        """The API graph typed by the UI graph; the UI graph alone when the API graph is absent
        or unreadable (a broken `prompt` with a good `workflow` is still a readable file)."""
        ui: dict[str, Any] | None = None
        ui_error: CorruptMetadata | None = None
        if workflow is not None:
            try:
                ui = _load(workflow, "workflow")
            except CorruptMetadata as exc:
                ui_error = exc
        if prompt is not None:
            try:
                graph = _api_graph(_load(prompt, "prompt"))
            except CorruptMetadata:
                if ui is None:
                    raise
            else:
                if ui is not None:
                    # the types only refine the walk; the API graph stands alone without them
                    with suppress(CorruptMetadata):
                        graph.outputs = _ui_outputs(ui)
                return graph
        if ui is None:
            raise ui_error or CorruptMetadata("no ComfyUI graph")
        return _graph_from_workflow(ui)
