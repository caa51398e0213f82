"""Joint image–text spaces served by `transformers`: CLIPModel and SiglipModel.

One `ClipEmbedder` embeds both texts and images into one space, so a text query finds images
and an image finds its neighbours. Like the text backend it is lazy: constructing it imports
nothing heavy; the first embed call (or `load()`) loads the weights, once, under a lock.

Preprocessing is the model's own: the image processor saved with the checkpoint
(preprocessor_config.json: size, crop, resample, mean/std) and its tokenizer. The image
processor runs on its PIL backend everywhere — it needs no torchvision and gives the same
pixels on every machine, so a library's vectors do not depend on which host ingested them.

Text conventions per family:
- CLIP: at most 77 tokens (the position table), truncated; padded to the batch's longest with
  the attention mask passed (CLIP pools at the end-of-text token under a causal mask).
- SigLIP: padded to exactly `max_position_embeddings` (64) and truncated, input ids
  only — SigLIP pools the *last position*, and was trained on right-padded 64-token inputs
  without an attention mask; any other padding gives different vectors.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from latentdam.embed import hub
from latentdam.embed.base import is_whole_token
from latentdam.embed.sentence_transformer import pick_device
from latentdam.embed.space import Backend, Modality, Space, space_name
from latentdam.errors import EmbedError, ModelUnavailable, NotJointModel
from latentdam.extract.pixels import upright_rgb
from latentdam.extras import needs

if TYPE_CHECKING:
    import torch

# model_type in config.json -> the transformers model class that loads it
FAMILIES: dict[str, str] = {
    "clip": "CLIPModel",
    "siglip": "SiglipModel",
}
# SigLIP 2's NaFlex checkpoints (model_type "siglip2") are left out on purpose: transformers
# rebuilds their Gemma tokenizer without the end-of-text token and pads it on the left, and
# nothing here checks the resulting text vectors against the reference ones. (SigLIP 2's
# fixed-resolution checkpoints have model_type "siglip" and load as SigLIP.)
SIGLIP_FAMILIES = frozenset({"siglip"})
CLIP_MAX_TOKENS = 77

WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "spiece.model", "tokenizer.model")
IMAGE_PROCESSOR_FILES = ("preprocessor_config.json", "processor_config.json")


def _supported() -> str:
    return ", ".join(f"{t} ({cls})" for t, cls in FAMILIES.items())


def _missing_local_files(directory: Path) -> list[str]:
    """What a model directory lacks to load offline: config, weights, tokenizer, image processor."""
    missing = []
    if not (directory / "config.json").is_file():
        missing.append("config.json")
    if not any((directory / f).is_file() for f in WEIGHT_FILES):
        missing.append("weights (model.safetensors or pytorch_model.bin)")
    if not any((directory / f).is_file() for f in TOKENIZER_FILES):
        missing.append("tokenizer (tokenizer.json, vocab.json + merges.txt, or spiece.model)")
    if not any((directory / f).is_file() for f in IMAGE_PROCESSOR_FILES):
        missing.append("image processor config (preprocessor_config.json)")
    return missing


def _check_local_dir(directory: Path) -> None:
    missing = _missing_local_files(directory)
    if missing:
        raise ModelUnavailable(
            f"model directory {str(directory)!r} is incomplete; missing: {'; '.join(missing)}",
            model=str(directory),
        )


def _family_and_dim(config: dict[str, Any], model_ref: str) -> tuple[str, int]:
    """The family (config.json's model_type) and the dimension of the joint space."""
    model_type = config.get("model_type")
    if model_type not in FAMILIES:
        raise NotJointModel(
            f"model {model_ref!r} has model_type {model_type!r}, which is not a joint image-text "
            f"model latentdam can load; supported families: {_supported()}",
            model=model_ref,
        )
    text = config.get("text_config") or {}
    vision = config.get("vision_config") or {}
    if model_type == "clip":
        # CLIPModel projects both towers to projection_dim (default 512)
        return model_type, int(config.get("projection_dim") or 512)
    # SigLIP: the text head maps hidden_size -> projection_size (default: hidden_size); the
    # vision tower's attention-pooling head outputs the vision hidden_size. They must agree.
    text_hidden = int(text.get("hidden_size") or 768)
    text_dim = int(text.get("projection_size") or text_hidden)
    vision_dim = int(vision.get("hidden_size") or 768)
    if text_dim != vision_dim:
        raise ModelUnavailable(
            f"model {model_ref!r}: text output size {text_dim} differs from image output size "
            f"{vision_dim}; its texts and images do not share one space",
            model=model_ref,
        )
    return model_type, text_dim


def _read_config(model_ref: str, revision: str | None, local_files_only: bool | None) -> dict[str, Any]:
    directory = Path(model_ref).expanduser()
    if directory.is_dir():
        config_file = directory / "config.json"
        if config_file.is_file():  # the family first: a text model's folder is not "incomplete"
            config = dict(json.loads(config_file.read_text(encoding="utf-8")))
            _family_and_dim(config, model_ref)
        _check_local_dir(directory)
        return config
    if hub.looks_like_path(model_ref):
        raise ModelUnavailable(f"no model directory at {model_ref!r}", model=model_ref)
    offline = bool(local_files_only) or hub.offline()
    try:
        from transformers import AutoConfig

        loaded = hub.from_hub(AutoConfig.from_pretrained, model_ref, local_files_only, revision=revision)
    except ValueError as exc:
        # a config.json whose model_type transformers does not know
        if "model_type" in str(exc) or "Unrecognized model" in str(exc):
            raise NotJointModel(
                f"model {model_ref!r} is not a joint image-text model latentdam can load "
                f"({str(exc).splitlines()[0]}); supported families: {_supported()}",
                model=model_ref,
            ) from exc
        raise hub.unavailable(model_ref, exc, offline) from exc
    except Exception as exc:  # OSError, hub errors, a bad id: none of them hold a model we can use
        raise hub.unavailable(model_ref, exc, offline) from exc
    return dict(loaded.to_dict())


def space_for_model(
    model_ref: str | Path,
    revision: str | None = None,
    *,
    local_files_only: bool | None = None,
) -> Space:
    """The Space of a CLIP / SigLIP model — a hub id or a local directory — read from its
    config.json without loading weights. A hub id's config comes through the HF cache (and the
    network unless offline); a local directory must hold the full model.

    revision: the given revision, else "main" for a hub id, else `hub.local_revision(directory)`:
    a different model in the same directory gets a different revision."""
    ref = str(model_ref)
    directory = Path(ref).expanduser()
    config = _read_config(ref, revision, local_files_only)
    _, dim = _family_and_dim(config, ref)
    if directory.is_dir():
        directory = directory.resolve()
        digest = hub.local_revision(directory)
        return Space(
            name=space_name(directory.name),
            backend=Backend.TRANSFORMERS_CLIP,
            model_id=str(directory),
            revision=revision or digest,
            dim=dim,
            modalities=frozenset({Modality.TEXT, Modality.IMAGE}),
        )
    return Space(
        name=space_name(ref),
        backend=Backend.TRANSFORMERS_CLIP,
        model_id=ref,
        revision=revision or "main",
        dim=dim,
        modalities=frozenset({Modality.TEXT, Modality.IMAGE}),
    )


def _features(output: Any) -> torch.Tensor:
    """get_*_features returns a tensor (transformers 4) or an output with pooler_output (5)."""
    import torch

    if isinstance(output, torch.Tensor):
        return output
    pooled = getattr(output, "pooler_output", None)
    if pooled is None:
        raise EmbedError("the model returned no pooled features")
    return pooled


class ClipEmbedder:
    """Text and image embeddings of one CLIP / SigLIP space (TextEmbedder and ImageEmbedder)."""

    # the image processor's backend: PIL runs anywhere and gives the same pixels everywhere
    image_backend = "pil"

    def __init__(self, space: Space, device: str | None = None, batch_size: int = 32) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.space = space
        self.device = device
        self.batch_size = batch_size
        self.family: str | None = None
        self._model: Any = None
        self._tokenizer: Any = None
        self._image_processor: Any = None
        self._device: str | None = None
        self._dtype: Any = None
        self._text_length = CLIP_MAX_TOKENS
        self._lock = threading.Lock()
        # fast tokenizers are not safe to call from two threads at once ("Already borrowed")
        self._prep_lock = threading.Lock()

    @classmethod
    def from_model(
        cls,
        model_ref: str | Path,
        revision: str | None = None,
        *,
        device: str | None = None,
        batch_size: int = 32,
        local_files_only: bool | None = None,
    ) -> ClipEmbedder:
        return cls(
            space_for_model(model_ref, revision, local_files_only=local_files_only),
            device=device,
            batch_size=batch_size,
        )

    space_for_model = staticmethod(space_for_model)

    @property
    def loaded(self) -> bool:
        return self._model is not None

    # -- loading ---------------------------------------------------------------------------

    def _source(self) -> tuple[str, dict[str, Any]]:
        """Where from_pretrained reads: a local directory, or the hub id at its revision."""
        ref = self.space.model_id
        directory = Path(ref).expanduser()
        if directory.is_dir():
            _check_local_dir(directory)
            return str(directory), {}
        if hub.looks_like_path(ref):
            raise hub.folder_gone(ref, self.space.name)
        return ref, {"revision": self.space.revision}

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            source, hub_kwargs = self._source()
            config = _read_config(source, hub_kwargs.get("revision"), None)
            family, dim = _family_and_dim(config, self.space.model_id)
            if dim != self.space.dim:
                raise ModelUnavailable(
                    f"model {self.space.model_id!r} outputs {dim}-d vectors but space "
                    f"{self.space.name!r} is {self.space.dim}-d; the model changed since the space was made",
                    model=self.space.model_id,
                )
            with needs("clip", "a CLIP/SigLIP space"):
                import torch
                import transformers
                from transformers import AutoImageProcessor, AutoTokenizer

            device = pick_device(self.device)
            dtype = torch.float16 if device.startswith("cuda") else torch.float32
            try:
                model_cls = getattr(transformers, FAMILIES[family])
                with hub.quiet_loading():
                    model = hub.from_hub(model_cls.from_pretrained, source, None, dtype=dtype, **hub_kwargs)
                    tokenizer = hub.from_hub(AutoTokenizer.from_pretrained, source, None, **hub_kwargs)
                    image_processor = hub.from_hub(
                        AutoImageProcessor.from_pretrained,
                        source,
                        None,
                        backend=self.image_backend,
                        **hub_kwargs,
                    )
            except ImportError as exc:
                reason = hub.first_sentence(exc)
                hint = "pip install sentencepiece protobuf" if "sentencepiece" in reason.lower() else ""
                raise ModelUnavailable(
                    f"model {self.space.model_id!r} needs a package that is not installed ({reason})"
                    + (f": {hint}" if hint else ""),
                    model=self.space.model_id,
                ) from exc
            except Exception as exc:  # OSError, a corrupt weights file, a bad tokenizer file...
                if hub_kwargs:  # a hub id
                    raise hub.unavailable(self.space.model_id, exc, hub.offline()) from exc
                raise ModelUnavailable(
                    f"model directory {source!r} could not be loaded: {hub.first_sentence(exc)}",
                    model=self.space.model_id,
                ) from exc
            model.eval()
            model.to(device)
            if family in SIGLIP_FAMILIES:
                tokenizer.padding_side = "right"  # SigLIP pools the last position
                self._text_length = int(model.config.text_config.max_position_embeddings)
            else:
                self._text_length = min(
                    CLIP_MAX_TOKENS, int(model.config.text_config.max_position_embeddings)
                )
            self.family = family
            self._device = device
            self._dtype = dtype
            self._tokenizer = tokenizer
            self._image_processor = image_processor
            self._model = model

    def unload(self) -> None:
        with self._lock:
            on_cuda = bool(self._device and self._device.startswith("cuda"))
            self._model = None
            self._tokenizer = None
            self._image_processor = None
            if on_cuda:
                import torch

                torch.cuda.empty_cache()

    # -- embedding -------------------------------------------------------------------------

    def _empty(self) -> np.ndarray:
        return np.zeros((0, self.space.dim), dtype=np.float32)

    def _finish(self, features: torch.Tensor) -> np.ndarray:
        import torch

        vectors = torch.nn.functional.normalize(features.float(), dim=-1)
        out = vectors.cpu().numpy().astype(np.float32, copy=False)
        if out.ndim != 2 or out.shape[1] != self.space.dim:
            raise EmbedError(
                f"model {self.space.model_id!r} produced vectors of shape {out.shape}, "
                f"expected (n, {self.space.dim})"
            )
        return out

    def _text_inputs(self, texts: list[str]) -> dict[str, Any]:
        with self._prep_lock:
            if self.family in SIGLIP_FAMILIES:
                encoded = self._tokenizer(
                    texts,
                    padding="max_length",
                    truncation=True,
                    max_length=self._text_length,
                    return_tensors="pt",
                )
                return {"input_ids": encoded["input_ids"]}
            encoded = self._tokenizer(
                texts, padding=True, truncation=True, max_length=self._text_length, return_tensors="pt"
            )
            return {"input_ids": encoded["input_ids"], "attention_mask": encoded["attention_mask"]}

    def _image_inputs(self, images: list[Image.Image]) -> dict[str, Any]:
        with self._prep_lock:
            encoded = self._image_processor(images=images, return_tensors="pt")
        return dict(encoded)  # pixel_values (and whatever else the processor makes)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return self._empty()
        import torch

        self.load()
        chunks = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                batch = [str(t) for t in texts[start : start + self.batch_size]]
                inputs = {k: v.to(self._device) for k, v in self._text_inputs(batch).items()}
                chunks.append(self._finish(_features(self._model.get_text_features(**inputs))))
        return np.concatenate(chunks, axis=0)

    def embed_query(self, text: str) -> np.ndarray:
        # CLIP and SigLIP encode queries and captions alike
        return self.embed_documents([text])[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.embed_documents(texts)

    def knows_word(self, word: str) -> bool:
        self.load()
        return is_whole_token(self._tokenizer.tokenize, word)

    def embed_images(self, images: Sequence[Image.Image]) -> np.ndarray:
        if not images:
            return self._empty()
        import torch

        self.load()
        chunks = []
        with torch.inference_mode():
            for start in range(0, len(images), self.batch_size):
                batch = [upright_rgb(image) for image in images[start : start + self.batch_size]]
                inputs = {}
                for key, value in self._image_inputs(batch).items():
                    if isinstance(value, torch.Tensor):
                        value = value.to(self._device)
                        if value.is_floating_point():
                            value = value.to(self._dtype)
                    inputs[key] = value
                chunks.append(self._finish(_features(self._model.get_image_features(**inputs))))
        return np.concatenate(chunks, axis=0)
