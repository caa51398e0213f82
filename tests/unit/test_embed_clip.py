"""ClipEmbedder over tiny random CLIP / SigLIP checkpoints written by
latentdam.testing.tiny_models: the production loading path, offline, in a few seconds."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import offline_hub
from latentdam.embed.base import ImageEmbedder, TextEmbedder
from latentdam.embed.clip import ClipEmbedder, space_for_model
from latentdam.embed.hub import local_revision
from latentdam.embed.space import Backend, Modality, Space
from latentdam.errors import ModelUnavailable
from latentdam.extract.pixels import upright_rgb as to_rgb
from latentdam.testing.tiny_models import save_tiny_clip, save_tiny_siglip

FAMILIES = ("clip", "siglip")
DIMS = {"clip": 16, "siglip": 32}


@pytest.fixture(scope="session")
def model_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("tiny_models")
    return {
        "clip": save_tiny_clip(root / "tiny-clip"),
        "siglip": save_tiny_siglip(root / "Tiny.SigLIP"),
    }


@pytest.fixture(scope="session")
def embedders(model_dirs: dict[str, Path]) -> dict[str, ClipEmbedder]:
    out = {}
    for family, directory in model_dirs.items():
        embedder = ClipEmbedder(space_for_model(directory), device="cpu", batch_size=2)
        embedder.load()
        out[family] = embedder
    return out


def noise_image(seed: int, size: tuple[int, int] = (48, 40)) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8), mode="RGB")


IMAGES = [noise_image(i, (40 + 7 * i, 64 - 5 * i)) for i in range(5)]
TEXTS = [
    "a photo of a cat",
    "a painting of a dog in the snow, oil on canvas",
    "x",
    "cyberpunk city street at night with neon lights and rain " * 30,  # over every limit
    "Ünïcode — 日本語 ok?",
]


# -- spaces ------------------------------------------------------------------------------


def test_space_for_local_clip_dir(model_dirs: dict[str, Path]) -> None:
    directory = model_dirs["clip"]
    space = space_for_model(directory)
    assert space == Space(
        name="tiny_clip",
        backend=Backend.TRANSFORMERS_CLIP,
        model_id=str(directory.resolve()),
        revision=local_revision(directory),
        dim=16,
        modalities=frozenset({Modality.TEXT, Modality.IMAGE}),
    )
    assert re.fullmatch(r"[0-9a-f]{12}", space.revision)
    assert space_for_model(str(directory), revision="v2").revision == "v2"


def test_space_for_local_siglip_dir(model_dirs: dict[str, Path]) -> None:
    space = space_for_model(model_dirs["siglip"])
    config = json.loads((model_dirs["siglip"] / "config.json").read_text())
    # SigLIP's output is the text head's projection_size, equal to the vision width
    assert config["text_config"]["projection_size"] == config["vision_config"]["hidden_size"] == 32
    assert (space.name, space.dim, space.backend) == ("tiny_siglip", 32, Backend.TRANSFORMERS_CLIP)
    assert space.modalities == frozenset({Modality.TEXT, Modality.IMAGE})


def test_space_for_model_loads_no_weights(
    model_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import transformers

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("space_for_model must not load weights")

    for cls in ("CLIPModel", "SiglipModel"):
        monkeypatch.setattr(getattr(transformers, cls), "from_pretrained", refuse)
    assert [space_for_model(model_dirs[f]).dim for f in FAMILIES] == [16, 32]


def test_local_revision_identifies_the_model(model_dirs: dict[str, Path], tmp_path: Path) -> None:
    copy = shutil.copytree(model_dirs["clip"], tmp_path / "tiny-clip")
    before = space_for_model(copy).revision
    assert before == local_revision(model_dirs["clip"])  # content, not location
    (copy / "README.md").write_text("notes")
    assert space_for_model(copy).revision == before  # other files do not count

    config = json.loads((copy / "config.json").read_text())
    config["logit_scale_init_value"] = 1.0
    (copy / "config.json").write_text(json.dumps(config))
    changed_config = space_for_model(copy).revision
    assert changed_config != before

    # same config.json, other weights (a fine-tune keeps its base's config): still differs
    shutil.copy(model_dirs["clip"] / "config.json", copy / "config.json")
    assert space_for_model(copy).revision == before
    other = save_tiny_clip(tmp_path / "seed-1", seed=1)
    shutil.copy(other / "model.safetensors", copy / "model.safetensors")
    assert space_for_model(copy).revision not in (before, changed_config)
    assert space_for_model(copy).name == "tiny_clip"


def test_local_revision_samples_large_files(tmp_path: Path) -> None:
    model = tmp_path / "big"
    model.mkdir()
    (model / "config.json").write_text("{}")
    data = bytearray(8 * 1024 * 1024)
    (model / "model.safetensors").write_bytes(bytes(data))
    first = local_revision(model)
    data[-1] = 1  # the last sample covers the end of the file
    (model / "model.safetensors").write_bytes(bytes(data))
    assert local_revision(model) != first


# -- embedding ---------------------------------------------------------------------------


def test_protocols(embedders: dict[str, ClipEmbedder]) -> None:
    for embedder in embedders.values():
        assert isinstance(embedder, TextEmbedder)
        assert isinstance(embedder, ImageEmbedder)


@pytest.mark.parametrize("family", FAMILIES)
def test_knows_the_words_its_tokenizer_has_whole(embedders: dict[str, ClipEmbedder], family: str) -> None:
    embedder = embedders[family]
    assert embedder.knows_word("cat") and embedder.knows_word("cats")  # BPE "cat</w>", "▁cat"
    assert not embedder.knows_word("rutkowski")  # letter by letter in the tiny vocabularies


@pytest.mark.parametrize("family", FAMILIES)
def test_shapes_and_unit_norm(embedders: dict[str, ClipEmbedder], family: str) -> None:
    embedder = embedders[family]
    dim = DIMS[family]
    images = embedder.embed_images(IMAGES)
    texts = embedder.embed_documents(TEXTS)
    query = embedder.embed_query("a photo of a cat")
    assert (images.shape, texts.shape, query.shape) == ((5, dim), (5, dim), (dim,))
    assert images.dtype == texts.dtype == query.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(images, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(texts, axis=1), 1.0, atol=1e-5)
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-5
    # distinct inputs give distinct vectors (no collapsed output)
    assert len({v.tobytes() for v in images}) == 5
    assert len({v.tobytes() for v in texts}) == 5
    np.testing.assert_allclose(query, texts[0], atol=1e-6)


@pytest.mark.parametrize("family", FAMILIES)
def test_empty_inputs(model_dirs: dict[str, Path], family: str) -> None:
    embedder = ClipEmbedder(space_for_model(model_dirs[family]))
    assert embedder.embed_images([]).shape == (0, DIMS[family])
    assert embedder.embed_documents([]).shape == (0, DIMS[family])
    assert not embedder.loaded  # nothing to embed, nothing loaded


@pytest.mark.parametrize("family", FAMILIES)
def test_text_and_image_share_the_space(embedders: dict[str, ClipEmbedder], family: str) -> None:
    embedder = embedders[family]
    query = embedder.embed_query("a castle on a hill at sunset")
    images = embedder.embed_images(IMAGES)
    scores = images @ query
    assert scores.shape == (5,)
    assert np.all(np.isfinite(scores)) and np.all(np.abs(scores) <= 1.0 + 1e-5)
    expected = [
        float(np.dot(v, query) / (np.linalg.norm(v) * np.linalg.norm(query)))
        for v in images.astype(np.float64)
    ]
    np.testing.assert_allclose(scores, expected, atol=1e-6)


@pytest.mark.parametrize("family", FAMILIES)
def test_deterministic(model_dirs: dict[str, Path], embedders: dict[str, ClipEmbedder], family: str) -> None:
    embedder = embedders[family]
    twice = embedder.embed_images([IMAGES[0], IMAGES[0].copy()])
    assert np.array_equal(twice[0], twice[1])
    fresh = ClipEmbedder(space_for_model(model_dirs[family]), device="cpu", batch_size=2)
    np.testing.assert_allclose(fresh.embed_images(IMAGES), embedder.embed_images(IMAGES), atol=1e-6)
    np.testing.assert_allclose(fresh.embed_documents(TEXTS), embedder.embed_documents(TEXTS), atol=1e-6)


def test_tiny_models_are_reproducible(model_dirs: dict[str, Path], tmp_path: Path) -> None:
    again = save_tiny_clip(tmp_path / "again")
    for name in ("model.safetensors", "tokenizer.json", "config.json", "preprocessor_config.json"):
        assert (again / name).read_bytes() == (model_dirs["clip"] / name).read_bytes(), name
    other_seed = save_tiny_clip(tmp_path / "seed1", seed=1)
    assert (other_seed / "model.safetensors").read_bytes() != (again / "model.safetensors").read_bytes()


@pytest.mark.parametrize("family", FAMILIES)
def test_batching_matches_one_by_one(embedders: dict[str, ClipEmbedder], family: str) -> None:
    embedder = embedders[family]
    assert embedder.batch_size == 2  # 5 inputs: batches of 2, 2, 1
    single = ClipEmbedder(embedder.space, device="cpu", batch_size=1)
    batched_images = embedder.embed_images(IMAGES)
    one_by_one = np.concatenate([single.embed_images([image]) for image in IMAGES])
    np.testing.assert_allclose(batched_images, one_by_one, atol=1e-5)
    batched_texts = embedder.embed_documents(TEXTS)
    np.testing.assert_allclose(batched_texts, np.stack([single.embed_query(t) for t in TEXTS]), atol=1e-5)


def test_text_inputs_follow_the_family(embedders: dict[str, ClipEmbedder]) -> None:
    clip = embedders["clip"]._text_inputs(["a cat", TEXTS[3]])
    assert set(clip) == {"input_ids", "attention_mask"}
    assert clip["input_ids"].shape == (2, 77)  # the long text truncated to CLIP's 77 tokens
    assert int(clip["attention_mask"][0].sum()) == 4  # <|startoftext|> a cat <|endoftext|>
    siglip = embedders["siglip"]._text_inputs(["a cat"])
    assert set(siglip) == {"input_ids"}  # SigLIP takes no attention mask
    tokens = embedders["siglip"]._tokenizer.convert_ids_to_tokens(siglip["input_ids"][0].tolist())
    assert tokens == ["▁a", "▁cat", *["</s>"] * 62]  # "</s>" ends the text and pads it to 64
    long = embedders["siglip"]._text_inputs([TEXTS[3]])["input_ids"][0].tolist()
    assert len(long) == 64 and long[-1] == 1  # truncated, still ending in "</s>"


@pytest.mark.parametrize("family", FAMILIES)
def test_odd_image_modes(embedders: dict[str, ClipEmbedder], family: str) -> None:
    embedder = embedders[family]
    base = IMAGES[1]
    transparent_p = base.convert("P")
    transparent_p.info["transparency"] = 0
    odd = [
        base.convert("RGBA"),
        base.convert("LA"),
        base.convert("L"),
        base.convert("P"),
        transparent_p,
        base.convert("CMYK"),
        base.convert("1"),
        base.convert("L").convert("I;16"),
        base.convert("L").convert("F"),
    ]
    vectors = embedder.embed_images(odd)
    assert vectors.shape == (len(odd), DIMS[family])
    assert np.all(np.isfinite(vectors))
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    plain = embedder.embed_images([base, base.convert("L").convert("RGB")])
    # an opaque RGBA is its RGB; L is the greyscale RGB
    np.testing.assert_allclose(vectors[0], plain[0], atol=1e-6)
    np.testing.assert_allclose(vectors[2], plain[1], atol=1e-6)


def test_to_rgb() -> None:
    clear = Image.new("RGBA", (4, 4), (10, 20, 30, 0))
    assert to_rgb(clear).getpixel((0, 0)) == (255, 255, 255)  # transparent -> white
    half = Image.new("LA", (2, 2), (0, 128))
    assert to_rgb(half).getpixel((0, 0)) == (127, 127, 127)
    deep = Image.fromarray(np.full((2, 2), 65535, dtype=np.uint16))
    assert deep.mode == "I;16"
    assert to_rgb(deep).getpixel((0, 0)) == (255, 255, 255)
    rgb = Image.new("RGB", (2, 2), (1, 2, 3))
    assert to_rgb(rgb) is rgb


def test_load_is_idempotent_and_thread_safe(
    model_dirs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import transformers

    calls = []
    original = transformers.CLIPModel.from_pretrained.__func__  # type: ignore[attr-defined]

    def counting(cls: type, *args: object, **kwargs: object) -> object:
        calls.append(args[0])
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(transformers.CLIPModel, "from_pretrained", classmethod(counting))
    embedder = ClipEmbedder(space_for_model(model_dirs["clip"]), device="cpu")
    threads = [threading.Thread(target=embedder.load) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    model = embedder._model
    embedder.load()
    assert embedder._model is model
    assert len(calls) == 1
    before = embedder.embed_images(IMAGES[:2])
    embedder.unload()
    assert not embedder.loaded
    np.testing.assert_allclose(embedder.embed_images(IMAGES[:2]), before, atol=1e-6)
    assert len(calls) == 2


# -- errors ------------------------------------------------------------------------------


def test_incomplete_directory(model_dirs: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken-clip"
    shutil.copytree(model_dirs["clip"], broken)
    (broken / "model.safetensors").unlink()
    (broken / "preprocessor_config.json").unlink()
    with pytest.raises(ModelUnavailable) as info:
        space_for_model(broken)
    message = str(info.value)
    assert str(broken) in message
    assert "missing: weights (model.safetensors or pytorch_model.bin); image processor config" in message
    assert "config.json;" not in message

    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelUnavailable, match=r"missing: config\.json; weights"):
        space_for_model(empty)

    # files removed after the space was made: load() says so
    later = tmp_path / "later"
    shutil.copytree(model_dirs["clip"], later)
    embedder = ClipEmbedder(space_for_model(later))
    (later / "tokenizer.json").unlink()
    with pytest.raises(ModelUnavailable, match=r"missing: tokenizer"):
        embedder.embed_query("a cat")


def test_corrupt_weights(model_dirs: dict[str, Path], tmp_path: Path) -> None:
    corrupt = shutil.copytree(model_dirs["clip"], tmp_path / "corrupt")
    (corrupt / "model.safetensors").write_bytes(b"\xff" * 4096)
    with pytest.raises(ModelUnavailable, match=r"model directory '.*corrupt' could not be loaded: "):
        ClipEmbedder(space_for_model(corrupt)).load()


def test_missing_directory(tmp_path: Path) -> None:
    gone = tmp_path / "no" / "such-model"
    with pytest.raises(ModelUnavailable, match="no model directory at"):
        space_for_model(gone)


def test_a_space_whose_model_folder_moved_says_so_and_how_to_recover(
    model_dirs: dict[str, Path], tmp_path: Path
) -> None:
    folder = shutil.copytree(model_dirs["clip"], tmp_path / "was-here")
    space = space_for_model(folder)
    folder.rename(tmp_path / "moved")
    with pytest.raises(ModelUnavailable) as caught:
        ClipEmbedder(space).load()
    message = str(caught.value)
    assert f"model folder {folder} of space {space.name!r} is gone" in message
    assert "reembed --model minilm" in message and "hub" not in message


def test_unsupported_model_type(model_dirs: dict[str, Path], tmp_path: Path) -> None:
    other = shutil.copytree(model_dirs["clip"], tmp_path / "bert")
    (other / "config.json").write_text(json.dumps({"model_type": "bert", "hidden_size": 32}))
    with pytest.raises(ModelUnavailable) as info:
        space_for_model(other)
    assert "model_type 'bert'" in str(info.value)
    assert "supported families: clip (CLIPModel), siglip (SiglipModel)" in str(info.value)


def test_space_dim_must_match_the_model(model_dirs: dict[str, Path]) -> None:
    space = space_for_model(model_dirs["clip"])
    wrong = Space.from_dict({**space.to_dict(), "dim": 512})
    with pytest.raises(ModelUnavailable, match="outputs 16-d vectors but space 'tiny_clip' is 512-d"):
        ClipEmbedder(wrong).load()


OFFLINE_SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    from latentdam.embed.clip import ClipEmbedder, space_for_model
    from latentdam.errors import ModelUnavailable

    result = {}
    local = space_for_model(sys.argv[1])
    ClipEmbedder(local)
    result["heavy_imports_after_construction"] = sorted(
        m for m in ("torch", "transformers") if m in sys.modules
    )
    started = time.monotonic()
    try:
        space_for_model("openai/clip-vit-base-patch32")
    except ModelUnavailable as exc:
        result["error"] = str(exc)
        result["error_model"] = exc.model
    result["seconds"] = time.monotonic() - started
    cached = space_for_model("latentdam-test/tiny-clip")
    result["cached"] = cached.to_dict()
    print(json.dumps(result))
    """
)


def test_offline_hub_id(model_dirs: dict[str, Path], tmp_path: Path) -> None:
    """No network, not cached: a quick ModelUnavailable naming the model and the fix. A hub id
    whose config is in the HF cache works offline, at revision "main"."""
    env = offline_hub(tmp_path, {"latentdam-test/tiny-clip": model_dirs["clip"]})
    run = subprocess.run(
        [sys.executable, "-c", OFFLINE_SCRIPT, str(model_dirs["clip"])],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["heavy_imports_after_construction"] == []
    assert result["error"] == (
        "model 'openai/clip-vit-base-patch32' is not available offline: download it on a connected"
        " machine (hf download openai/clip-vit-base-patch32 --local-dir DIR, then copy DIR here) and"
        " pass that directory, or any local directory holding the model's files"
    )
    assert result["error_model"] == "openai/clip-vit-base-patch32"
    assert result["seconds"] < 10
    assert "Traceback" not in run.stderr
    assert result["cached"] == {
        "name": "tiny_clip",
        "backend": "transformers-clip",
        "model_id": "latentdam-test/tiny-clip",
        "revision": "main",
        "dim": 16,
        "modalities": ["image", "text"],
    }


UNREACHABLE_SCRIPT = textwrap.dedent(
    """
    import json, time
    from latentdam.embed.clip import space_for_model
    from latentdam.errors import ModelUnavailable
    import huggingface_hub  # imported first: the clock times the probe, not the imports
    from transformers import AutoConfig  # noqa: F401

    started = time.monotonic()
    try:
        space_for_model("openai/clip-vit-base-patch32")
    except ModelUnavailable as exc:
        print(json.dumps({"error": str(exc), "seconds": time.monotonic() - started}))
    """
)


def test_unreachable_hub_fails_at_once(tmp_path: Path) -> None:
    """Not offline by setting, but the hub cannot be reached (here: a closed loopback port
    stands in for it): one quick probe, not the hub client's retries."""
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        "PATH": "/usr/bin:/bin",
        "HF_HOME": str(tmp_path / "hf"),
        "HF_ENDPOINT": f"http://127.0.0.1:{port}",
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
    run = subprocess.run(
        [sys.executable, "-c", UNREACHABLE_SCRIPT], env=env, capture_output=True, text=True, timeout=120
    )
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert f"cannot reach http://127.0.0.1:{port}" in result["error"]
    assert "hf download openai/clip-vit-base-patch32" in result["error"]
    assert result["seconds"] < 5
