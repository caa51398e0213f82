"""The shipped test embedder (`--model hash`, space `test_hash_text`): deterministic to the bit
in any batch and order, near for shared words, and a library on it ingests and searches with
no model runtime imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from latentdam.embed import builtin_spaces, load_embedder, resolve_space
from latentdam.embed.space import HASH_TEXT
from latentdam.embed.testing import HashEmbedder

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
TEXTS = ["a red fox in the snow", "portrait of a knight in plate armour", "", "!!!", "fox"]


def test_the_same_text_gets_the_same_vector_in_any_batch_and_order() -> None:
    embedder = HashEmbedder()
    together = embedder.embed_documents(TEXTS)
    alone = np.stack([embedder.embed_documents([t])[0] for t in TEXTS])
    backwards = embedder.embed_documents(TEXTS[::-1])[::-1]
    assert together.dtype == np.float32 and together.shape == (len(TEXTS), HASH_TEXT.dim)
    assert np.array_equal(together, alone) and np.array_equal(together, backwards)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0)
    assert np.array_equal(embedder.embed_query(TEXTS[0]), together[0])


def test_texts_sharing_words_are_nearer_than_texts_sharing_none() -> None:
    embedder = HashEmbedder()
    fox, knight, query = embedder.embed_documents(["red fox, snow", "knight, plate armour", "fox snow"])
    assert float(query @ fox) > 0.5 > abs(float(query @ knight))


def test_it_is_a_built_in_space_loaded_by_name() -> None:
    assert builtin_spaces()["test_hash_text"] == HASH_TEXT == resolve_space("hash")
    assert isinstance(load_embedder(HASH_TEXT), HashEmbedder)


_LIBRARY = """
import json, sys
from latentdam import Library, Settings
settings = Settings(library=sys.argv[1], spaces=["test_hash_text"])
with Library.create(settings=settings) as lib:
    report = lib.ingest([sys.argv[2]])
    found = lib.search("a white fox in the snow")
print(json.dumps({
    "added": report.added,
    "top": found.results[0].asset.record.prompt,
    "runtime": sorted(m for m in ("torch", "sentence_transformers", "transformers") if m in sys.modules),
}))
"""


def test_a_library_on_it_ingests_and_searches_with_no_model_runtime(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _LIBRARY, str(tmp_path / "lib"), str(SAMPLES)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["added"] >= 30
    assert "fox" in result["top"].lower()
    assert result["runtime"] == []
