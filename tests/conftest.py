"""Shared fixtures. The text model is the real all-MiniLM-L6-v2, loaded once per session:
it is small (90 MB) and the search tests are only meaningful with real embeddings."""

from __future__ import annotations

import subprocess
import sys
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from latentdam import Library, Settings
from latentdam.embed import TextEmbedder, load_text_embedder
from latentdam.testing.formats import a1111_parameters, make_image, write_png


@pytest.fixture(scope="session")
def text_embedder() -> TextEmbedder:
    embedder = load_text_embedder("text_minilm_l6", device="cpu")
    embedder.load()
    return embedder


@pytest.fixture(scope="session")
def tiny_clip_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Two tiny random CLIP models saved as a hub snapshot is laid out (different seeds)."""
    from latentdam.testing.tiny_models import save_tiny_clip

    root = tmp_path_factory.mktemp("models")
    return save_tiny_clip(root / "tiny-clip-a", seed=1), save_tiny_clip(root / "tiny-clip-b", seed=2)


@pytest.fixture
def other_writer(library: Library) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the library's writer lock, as an ingest in a terminal would."""
    holder = [sys.executable, "-m", "latentdam.testing.hold_writer_lock", library.path]
    proc = subprocess.Popen(holder, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    yield proc
    proc.kill()
    proc.wait(timeout=30)


@pytest.fixture
def library(tmp_path: Path, text_embedder: TextEmbedder) -> Iterator[Library]:
    settings = Settings(library=tmp_path / "library", batch_size=4)
    yield Library.create(settings=settings, embedders=[text_embedder])


MakeA1111 = Callable[..., Path]


@pytest.fixture
def make_a1111(tmp_path: Path) -> MakeA1111:
    """Write a PNG exactly as A1111 saves one: `parameters` tEXt with prompt and settings."""
    return a1111_writer(tmp_path)


def a1111_writer(root: Path) -> MakeA1111:
    """make_a1111's writer, into folders under `root` (for module-scoped fixtures)."""
    counter = iter(range(1_000_000))

    def make(
        name: str,
        prompt: str,
        negative: str = "",
        folder: str = "images",
        **settings: object,
    ) -> Path:
        defaults: dict[str, object] = {
            "Steps": 20,
            "Sampler": "DPM++ 2M",
            "Schedule type": "Karras",
            "CFG scale": 7,
            "Seed": 1000 + next(counter),
            "Size": "512x512",
            "Model hash": "31e35c80fc",
            "Model": "v1-5-pruned-emaonly",
        }
        defaults.update({k.replace("_", " "): v for k, v in settings.items()})
        target = root / folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        image = make_image(zlib.crc32(f"{name}|{prompt}".encode()) % 10_000)  # stable across runs
        return write_png(target, image, {"parameters": a1111_parameters(prompt, negative, defaults)})

    return make


def offline_hub(root: Path, repos: dict[str, Path]) -> dict[str, str]:
    """An environment with the hub switched off and a Hugging Face cache under `root` holding
    each repo id's files (copied from a directory) at revision "main"."""
    import shutil

    cache = root / "hf" / "hub"
    commit = "0" * 40
    for repo_id, source in repos.items():
        repo = cache / f"models--{repo_id.replace('/', '--')}"
        (repo / "refs").mkdir(parents=True)
        (repo / "refs" / "main").write_text(commit)
        shutil.copytree(source, repo / "snapshots" / commit)
    return {
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
        "HF_HOME": str(root / "hf"),
        "HF_HUB_CACHE": str(cache),
        "HF_HUB_DISABLE_TELEMETRY": "1",
    }
