"""Any sentence-transformers model as a text space: a local directory or a (cached) hub id,
through the production loading code, on tiny random models written to temp dirs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from conftest import offline_hub
from latentdam.embed import Backend, Modality, Space, TextEmbedder, resolve_embedder, resolve_space
from latentdam.embed.clip import ClipEmbedder
from latentdam.embed.hub import local_revision
from latentdam.embed.sentence_transformer import SentenceTransformerEmbedder
from latentdam.errors import ModelUnavailable
from latentdam.testing.tiny_models import (
    save_tiny_clip,
    save_tiny_sentence_transformer,
    save_tiny_static_embedding,
)

# one worker runs the module (pytest-xdist): its module-scoped fixture is built once
pytestmark = pytest.mark.xdist_group("text_models")


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("text-models")
    return {
        "plain": save_tiny_sentence_transformer(root / "tiny-st", seed=1),
        "dense": save_tiny_sentence_transformer(root / "tiny-st-dense", seed=2, dense_dim=16),
        "prompted": save_tiny_sentence_transformer(
            root / "tiny-e5", seed=3, prompts={"query": "query: ", "document": "passage: "}
        ),
        "clip": save_tiny_clip(root / "tiny-clip", seed=4),
        "static": save_tiny_static_embedding(root / "tiny-static", seed=5),
    }


def test_a_local_directory_makes_a_text_space(models: dict[str, Path]) -> None:
    embedder = resolve_embedder(str(models["plain"]))
    assert isinstance(embedder, SentenceTransformerEmbedder) and isinstance(embedder, TextEmbedder)
    assert embedder.space == Space(
        name="tiny_st",
        backend=Backend.SENTENCE_TRANSFORMERS,
        model_id=str(models["plain"].resolve()),
        revision=local_revision(models["plain"]),
        dim=32,
        modalities=frozenset({Modality.TEXT}),
    )
    assert resolve_space(str(models["plain"])) == embedder.space


def test_the_dimension_is_the_models_output_size(models: dict[str, Path]) -> None:
    """A Dense layer after pooling sets the size, not the transformer's width (32)."""
    embedder = resolve_embedder(str(models["dense"]))
    assert embedder.space.dim == 16
    assert isinstance(embedder, TextEmbedder)
    vectors = embedder.embed_documents(["a cat on a sofa", "a castle at sunset"])
    assert vectors.shape == (2, 16) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert embedder.embed_documents([]).shape == (0, 16)


def test_a_static_embedding_model_makes_a_text_space(models: dict[str, Path]) -> None:
    """model2vec-style models: no config.json, no transformer, a bare tokenizers.Tokenizer."""
    assert not (models["static"] / "config.json").exists()
    embedder = resolve_embedder(str(models["static"]))
    assert isinstance(embedder, SentenceTransformerEmbedder) and embedder.space.dim == 16
    assert embedder.space.revision == local_revision(models["static"])
    assert embedder.embed_documents(["a cat", "a red castle"]).shape == (2, 16)
    assert embedder.knows_word("castle") and not embedder.knows_word("rutkowski")


def test_clip_directories_still_make_joint_spaces(models: dict[str, Path]) -> None:
    embedder = resolve_embedder(str(models["clip"]))
    assert isinstance(embedder, ClipEmbedder)
    assert embedder.space.modalities == frozenset({Modality.TEXT, Modality.IMAGE})


def test_queries_and_documents_get_the_models_own_prompts(models: dict[str, Path]) -> None:
    """An asymmetric model embeds "query: x" for a query and "passage: x" for a document."""
    embedder = resolve_embedder(str(models["prompted"]))
    assert isinstance(embedder, TextEmbedder)
    query = embedder.embed_query("a red fox")
    plain = resolve_embedder(str(models["prompted"]))
    assert isinstance(plain, SentenceTransformerEmbedder) and plain._model is not None
    raw = plain._model.encode(
        ["query: a red fox", "passage: a red fox"], normalize_embeddings=True, convert_to_numpy=True
    )
    assert np.allclose(query, raw[0], atol=1e-6)
    assert np.allclose(embedder.embed_documents(["a red fox"])[0], raw[1], atol=1e-6)
    assert not np.allclose(raw[0], raw[1], atol=1e-3)


def test_a_reopened_library_loads_the_space_from_its_definition(models: dict[str, Path]) -> None:
    """load_embedder rebuilds the embedder from the stored Space alone, lazily, and it gives
    the vectors the first one gave."""
    from latentdam.embed import load_embedder

    first = resolve_embedder(str(models["plain"]))
    again = load_embedder(Space.from_dict(first.space.to_dict()))
    assert isinstance(again, SentenceTransformerEmbedder) and again._model is None
    assert isinstance(first, TextEmbedder)
    assert np.allclose(first.embed_query("a dog"), again.embed_query("a dog"), atol=1e-6)
    assert again.knows_word("castle") and not again.knows_word("rutkowski")


def test_loading_a_model_draws_no_progress_bar(
    models: dict[str, Path], capfd: pytest.CaptureFixture[str]
) -> None:
    """transformers' "Loading weights" bar would land in the middle of a Python user's output."""
    embedder = SentenceTransformerEmbedder(resolve_space(str(models["plain"])), models["plain"])
    capfd.readouterr()
    embedder.load()
    assert embedder.loaded and "Loading weights" not in capfd.readouterr().err


def test_space_dim_must_match_the_model(models: dict[str, Path]) -> None:
    space = resolve_space(str(models["plain"]))
    wrong = Space.from_dict({**space.to_dict(), "dim": 99})
    embedder = SentenceTransformerEmbedder(wrong, models["plain"])
    with pytest.raises(ModelUnavailable, match="outputs 32-d vectors but space 'tiny_st' is 99-d"):
        embedder.load()


def test_a_space_whose_model_folder_moved_says_so_and_how_to_recover(
    models: dict[str, Path], tmp_path: Path
) -> None:
    folder = shutil.copytree(models["plain"], tmp_path / "was-here")
    space = resolve_space(str(folder))
    folder.rename(tmp_path / "moved")
    with pytest.raises(ModelUnavailable) as caught:
        SentenceTransformerEmbedder(space, space.model_id).load()
    message = str(caught.value)
    assert f"model folder {folder} of space {space.name!r} is gone" in message
    assert "reembed --model minilm" in message and "hub" not in message


def test_missing_and_corrupt_directories(models: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="no model directory at"):
        resolve_embedder(str(tmp_path / "no" / "such-model"))
    corrupt = shutil.copytree(models["plain"], tmp_path / "corrupt")
    (corrupt / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelUnavailable, match=r"model directory '.*corrupt' could not be loaded: "):
        resolve_embedder(str(corrupt))


def test_a_text_models_folder_without_modules_json_is_still_read_as_text(
    models: dict[str, Path], tmp_path: Path
) -> None:
    """A plain transformers BERT folder (no modules.json) is not a "CLIP folder missing its
    image processor": sentence-transformers reads it with mean pooling."""
    bare = shutil.copytree(models["plain"], tmp_path / "bare-bert")
    (bare / "modules.json").unlink()
    embedder = resolve_embedder(str(bare))
    assert isinstance(embedder, SentenceTransformerEmbedder) and embedder.space.dim == 32


HUB_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from latentdam.embed import resolve_embedder
    from latentdam.errors import ModelUnavailable

    result = {}
    started = time.monotonic()
    try:
        resolve_embedder("sentence-transformers/all-mpnet-base-v2")
    except ModelUnavailable as exc:
        result["error"] = str(exc)
    result["seconds"] = time.monotonic() - started
    cached = resolve_embedder("latentdam-test/tiny-st")
    result["cached"] = cached.space.to_dict()
    result["vector"] = cached.embed_query("a red fox").tolist()
    print(json.dumps(result))
    """
)


def test_hub_ids_offline(models: dict[str, Path], tmp_path: Path) -> None:
    """Offline, an uncached hub id fails at once naming the fix; a cached one loads from the
    HF cache at revision "main" and embeds like the directory it came from."""
    env = offline_hub(tmp_path, {"latentdam-test/tiny-st": models["plain"]})
    run = subprocess.run(
        [sys.executable, "-c", HUB_SCRIPT], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["error"].startswith(
        "model 'sentence-transformers/all-mpnet-base-v2' is not available offline"
    )
    assert "hf download sentence-transformers/all-mpnet-base-v2 --local-dir DIR" in result["error"]
    assert result["seconds"] < 10
    assert result["cached"] == {
        "name": "tiny_st",
        "backend": "sentence-transformers",
        "model_id": "latentdam-test/tiny-st",
        "revision": "main",
        "dim": 32,
        "modalities": ["text"],
    }
    local = resolve_embedder(str(models["plain"]))
    assert isinstance(local, TextEmbedder)
    assert np.allclose(result["vector"], local.embed_query("a red fox"), atol=1e-6)
