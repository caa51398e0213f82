"""Following a sampler's links back to what made the image: conditioning to the text encoders
(and ControlNets met on the way), model patches, merges and LoRA loaders to the loaders, the
latent to its empty-latent node, SAMPLER/SIGMAS nodes to the sampler and schedule; and from the
saved image back to the sampler that made it and every sampler before it, earliest first."""

from __future__ import annotations

import re
from typing import Any

from latentdam.extract.readers.comfyui.graph import Graph, Node, NodeId, Ref, id_order
from latentdam.extract.readers.comfyui.nodes import (
    LATENT_INPUTS,
    MODEL_NAME_KEYS,
    SAMPLER_CLASSES,
    SAMPLER_NODE_NAMES,
    SCHEDULER_NODE_NAMES,
    SIZE_TEXT,
    TEXT_KEYS,
)
from latentdam.extract.readers.comfyui.resolve import MAX_DEPTH, ValueResolver, part_order
from latentdam.extract.readers.comfyui.stage import TracedStage
from latentdam.extract.record import ControlNet, LoRA


def is_sampler(node: Node) -> bool:
    """Core samplers, plus custom ones recognised by their inputs (Efficiency, Inspire,
    FaceDetailer, UltimateSDUpscale, WanVideoSampler...)."""
    if node.class_type in SAMPLER_CLASSES:
        return True
    keys = node.inputs.keys()
    if {"noise", "guider", "sampler", "sigmas"} <= keys:
        return True
    conditioned = {"model", "positive", "negative"} <= keys or "text_embeds" in keys
    return conditioned and "steps" in keys and bool(keys & {"cfg", "sampler_name", "scheduler"})


class Tracer(ValueResolver):
    """Walks the graph from samplers and outputs; link values come from `ValueResolver`."""

    def __init__(self, graph: Graph) -> None:
        super().__init__(graph)
        # sampler -> the size of its latent, once its stage is traced: a later stage's size walk
        # stops there, so a chain of samplers is walked once, not once per sampler
        self._sizes: dict[NodeId, tuple[int | None, int | None]] = {}

    # ---- conditioning

    def texts(self, value: Any, stage: TracedStage, positive: bool) -> list[str]:
        """Prompt texts that reach a sampler's conditioning input, in graph order; ControlNets
        and (positive side only) Flux guidance met on the way go into `stage`."""
        found: list[str] = []
        self._walk_conditioning(value, stage, positive, found, set(), 0)
        return list(dict.fromkeys(t for t in found if t))

    def _walk_conditioning(
        self, value: Any, stage: TracedStage, positive: bool, found: list[str], seen: set[Ref], depth: int
    ) -> None:
        src = self.g.source(value)
        if src is None or depth > MAX_DEPTH or (src[0], src[2]) in seen:
            return
        seen.add((src[0], src[2]))
        node_id, node, slot = src
        inputs = node.inputs
        if node.class_type == "ConditioningZeroOut":
            return  # zeroed: the text beneath it has no effect (Flux Kontext's negative)
        if positive and stage.guidance is None and "guidance" in inputs:
            stage.guidance = self.number(inputs["guidance"], "guidance")
        if any(key in inputs for key in TEXT_KEYS):
            # a text encoder: its other inputs are CLIP/VAE/images, nothing more to follow
            found.extend(self._encoder_texts(inputs))
            return
        if isinstance(inputs.get("positive"), str) or isinstance(inputs.get("negative"), str):
            # a loader that encodes its own prompt widgets (Efficiency's Efficient Loader)
            side = self._prompt_side(node_id, slot, positive)
            found.extend(_nonempty(self.string(inputs.get(side), side)))
            return
        strength = self.number(inputs.get("strength"), "strength") if "control_net" in inputs else None
        if "control_net" in inputs and strength != 0:
            name = self.controlnet(inputs["control_net"])
            if name and all(c.name != name for c in stage.controlnets):
                stage.controlnets.append(ControlNet(name, None if strength is None else float(strength)))
        for key in self._conditioning_inputs(node_id, slot, inputs):
            self._walk_conditioning(inputs[key], stage, positive, found, seen, depth + 1)

    def _encoder_texts(self, inputs: dict[str, Any]) -> list[str]:
        keys = [k for k in TEXT_KEYS if k in inputs]
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

    def model(self, value: Any) -> tuple[list[str], list[LoRA]]:
        """Follow the MODEL link back to the loaders (every input of a merge: ModelMergeSimple's
        model1 first); the names nearest the sampler first, LoRAs in the order they were applied."""
        per_node: list[list[LoRA]] = []  # nearest the sampler first
        names: list[str] = []
        if isinstance(value, str):
            names.append(value)  # some custom samplers/loaders take the model file name directly
        seen: set[NodeId] = set()
        queue = [value]
        while queue:
            src = self.g.source(queue.pop(0))
            if src is None or src[0] in seen:
                continue
            seen.add(src[0])
            inputs = src[1].inputs
            per_node.append(self.node_loras(inputs))
            name = self._model_name(inputs)
            if name is not None:
                names.append(name)
            else:
                queue += self._model_links(inputs)
        loras = [lora for group in reversed(per_node) for lora in group]
        return list(dict.fromkeys(names)), loras

    def _model_name(self, inputs: dict[str, Any]) -> str | None:
        for key in MODEL_NAME_KEYS:
            if key in inputs:
                return self.string(inputs[key], key)
        model = inputs.get("model")
        return model if isinstance(model, str) else None

    def _model_links(self, inputs: dict[str, Any]) -> list[Any]:
        """The MODEL inputs of a patch or merge node: by the UI graph's link types when it has
        them, else `model`, else every `model…` input (model1, model2 of a merge)."""
        links = [(k, v) for k, v in inputs.items() if self.g.ref(v) is not None]
        typed = [v for _, v in links if self.g.link_type(v) == "MODEL"]
        if typed:
            return typed
        if self.g.ref(inputs.get("model")) is not None:
            return [inputs["model"]]
        return [v for k, v in links if k.startswith("model")]

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
        for key in sorted((k for k in inputs if re.fullmatch(r"lora_\d+", k)), key=part_order):
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
        scale = 1.0  # LatentUpscaleBy on the way
        src = self.g.source(value)
        while src is not None and src[0] not in seen:
            seen.add(src[0])
            if src[0] in self._sizes:  # an earlier stage's latent: its size, as traced already
                width, height = self._sizes[src[0]]
                return _scaled(width, scale), _scaled(height, scale)
            inputs = src[1].inputs
            for w, h in (("width", "height"), ("empty_latent_width", "empty_latent_height")):
                if w in inputs and h in inputs:
                    return _scaled(self.integer(inputs[w], w), scale), _scaled(
                        self.integer(inputs[h], h), scale
                    )
            for key in ("dimensions", "resolution", "aspect_ratio"):  # "1024 x 1024 (square)"
                match = SIZE_TEXT.search(self.string(inputs.get(key)) or "")
                if match:
                    return _scaled(int(match[1]), scale), _scaled(int(match[2]), scale)
            if "pixels" in inputs or "image" in inputs:
                return None, None
            by = self.number(inputs.get("scale_by"), "scale_by") if "scale_by" in inputs else None
            if by is not None and 0 < by <= 64:
                scale *= by
            nxt = next((inputs[k] for k in LATENT_INPUTS if self.g.ref(inputs.get(k))), None)
            src = self.g.source(nxt)
        return None, None

    # ---- samplers

    def stage(self, node_id: NodeId) -> TracedStage:
        inputs = self.g.nodes[node_id].inputs
        st = TracedStage(node_id)
        conds = self._guider_inputs(inputs)
        st.models, st.loras = self.model(conds.get("model"))
        st.model = st.models[0] if st.models else None
        # DualCFGGuider's cond2 is a second, "middle" conditioning (HiDream E1.1 wires the
        # negative text there), not the prompt
        st.positive = list(
            dict.fromkeys(
                t
                for key in ("positive", "conditioning", "cond1")
                if key in conds
                for t in self.texts(conds[key], st, positive=True)
            )
        )
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
        denoise = self.number(inputs.get("denoise"), "denoise")
        st.denoise = float(denoise) if denoise is not None else None
        self._custom_sampling(inputs, st)
        st.width, st.height = self.size(self._latent_input(inputs))
        return st

    def _latent_input(self, inputs: dict[str, Any]) -> Any:
        return next((inputs[k] for k in ("latent_image", "latent", "samples") if k in inputs), None)

    def stages(self) -> list[TracedStage]:
        """Every sampler stage of the saved image, earliest first; the last made the image. A
        stage that adds no noise of its own (an SDXL refiner) takes the seed of the stage whose
        latent it continues."""
        order = self.sampler_order()
        traced: dict[NodeId, TracedStage] = {}
        for nid in order:
            st = traced[nid] = self.stage(nid)
            self._sizes[nid] = (st.width, st.height)
            if st.seed is None and self._noise_disabled(self.g.nodes[nid].inputs):
                before = self._sampler_before(nid)
                st.seed = traced[before].seed if before in traced else None
        return [traced[nid] for nid in order]

    def _sampler_before(self, node_id: NodeId) -> NodeId | None:
        """The sampler whose latent `node_id` continues (through upscales and other latent ops)."""
        seen: set[NodeId] = {node_id}
        src = self.g.source(self._latent_input(self.g.nodes[node_id].inputs))
        while src is not None and src[0] not in seen and len(seen) <= MAX_DEPTH:
            seen.add(src[0])
            if is_sampler(src[1]):
                return src[0]
            inputs = src[1].inputs
            src = self.g.source(next((inputs[k] for k in LATENT_INPUTS if self.g.ref(inputs.get(k))), None))
        return None

    def _guider_inputs(self, inputs: dict[str, Any]) -> dict[str, Any]:
        """Where model/conditioning/cfg live: on the sampler, or on its GUIDER node (CFGGuider:
        model/positive/negative/cfg; BasicGuider: model/conditioning; DualCFGGuider: cond1/cond2)."""
        guider = self.g.source(inputs.get("guider"))
        return guider[1].inputs if guider is not None else inputs

    def _seed(self, inputs: dict[str, Any]) -> int | None:
        if self._noise_disabled(inputs):
            return None  # the seed widget is there but no noise was drawn from it
        for key in ("seed", "noise_seed"):
            if key in inputs:
                return self.integer(inputs[key], key)
        noise = self.g.source(inputs.get("noise"))  # RandomNoise
        return self.integer(noise[1].inputs.get("noise_seed"), "noise_seed") if noise else None

    def _noise_disabled(self, inputs: dict[str, Any]) -> bool:
        """KSamplerAdvanced with add_noise off, or a DisableNoise node as the NOISE input."""
        if inputs.get("add_noise") in ("disable", False):
            return True
        noise = self.g.source(inputs.get("noise"))
        return noise is not None and noise[1].class_type == "DisableNoise"

    def _custom_sampling(self, inputs: dict[str, Any], st: TracedStage) -> None:
        """SamplerCustom(Advanced): sampler and schedule come from SAMPLER and SIGMAS nodes."""
        sampler = self.g.source(inputs.get("sampler"))
        if st.sampler is None and sampler is not None:
            st.sampler = self.string(sampler[1].inputs.get("sampler_name"), "sampler_name")
            st.sampler = st.sampler or SAMPLER_NODE_NAMES.get(sampler[1].class_type)
        sigmas = self.g.source(inputs.get("sigmas"))
        seen: set[NodeId] = set()
        # SplitSigmas / FlipSigmas... pass SIGMAS through to the scheduler node
        while sigmas is not None and "sigmas" in sigmas[1].inputs and sigmas[0] not in seen:
            seen.add(sigmas[0])
            sigmas = self.g.source(sigmas[1].inputs["sigmas"])
        if sigmas is not None:
            sched = sigmas[1]
            st.steps = st.steps or self.integer(sched.inputs.get("steps"), "steps")
            if st.denoise is None and "denoise" in sched.inputs:
                denoise = self.number(sched.inputs["denoise"], "denoise")
                st.denoise = float(denoise) if denoise is not None else None
            name = self.string(sched.inputs.get("scheduler"), "scheduler")
            st.scheduler = st.scheduler or name or SCHEDULER_NODE_NAMES.get(sched.class_type)

    def sampler_order(self) -> list[NodeId]:
        """The samplers behind the saved image, earliest first, the one that made it last.

        The saved image is the first output (Save*/Preview* nodes, saves first, else nodes
        nothing consumes) that a sampler reaches; the sampler that made it is the last one on
        the way there, and its stages are the samplers upstream of it. With no sampler reaching
        an output, every sampler counts. Linear in the graph (one topological order, a few
        walks), whatever the number of samplers.
        """
        g = self.g
        samplers = {nid for nid, node in g.nodes.items() if is_sampler(node)}
        if not samplers:
            return []
        order = g.topological_order()
        sampled: set[NodeId] = set()  # nodes a sampler is at or upstream of
        for nid in order:
            if nid in samplers or any(src in sampled for src in g.sources(nid)):
                sampled.add(nid)
        output = next((o for o in self._outputs() if o in sampled), None)
        if output is None:
            return [nid for nid in order if nid in samplers]
        before_output = g.upstream(output) | {output}
        final = next(nid for nid in reversed(order) if nid in samplers and nid in before_output)
        chain = g.upstream(final)
        return [nid for nid in order if nid in samplers and nid in chain and nid != final] + [final]

    def _outputs(self) -> list[NodeId]:
        nodes = self.g.nodes
        saves = [n for n, node in nodes.items() if "save" in node.class_type.lower()]
        previews = [n for n, node in nodes.items() if "preview" in node.class_type.lower()]
        if saves or previews:
            return sorted(saves, key=id_order) + sorted(previews, key=id_order)
        consumed = {
            src[0] for node in nodes.values() for v in node.inputs.values() if (src := self.g.source(v))
        }
        return sorted((n for n in nodes if n not in consumed), key=id_order)


def _lora(name: Any, weight: float | None, clip: float | None, on: bool) -> list[LoRA]:
    if not on or not isinstance(name, str) or name.strip() in ("", "None"):
        return []
    if weight == 0 and not clip:
        return []  # loaded at zero strength: a switched-off slot, not an applied LoRA
    return [LoRA(name, weight)]


def _scaled(size: int | None, scale: float) -> int | None:
    return size if size is None or scale == 1.0 else round(size * scale)


def _nonempty(text: str | None) -> list[str]:
    return [text.strip()] if text and text.strip() else []
