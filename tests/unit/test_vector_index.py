"""Approximate vector search past ANN_MIN_VECTORS: the same neighbours and exact scores as the
exact search, filters kept, assets without a vector never returned, new rows found before the
index folds them in. A real LanceDB store; the threshold is lowered so the test stays small."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from latentdam.embed import Backend, Modality, Space
from latentdam.store import store as store_module
from latentdam.store.store import LibraryStore

DIM = 16
SPACE = Space("test_vectors", Backend.SENTENCE_TRANSFORMERS, "test", "1", DIM, frozenset({Modality.TEXT}))


def _clustered(count: int, seed: int) -> np.ndarray:
    """Unit vectors around 20 centres, as embeddings of a library's recurring subjects are."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((20, DIM))
    vectors = centres[rng.integers(0, 20, count)] + 0.3 * rng.standard_normal((count, DIM))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LibraryStore:
    monkeypatch.setattr(store_module, "ANN_MIN_VECTORS", 1_000)
    store = LibraryStore.open(tmp_path / "library", create=True)
    store.set_active([SPACE])
    vectors = _clustered(1_200, seed=0)
    rows = [
        {"id": f"a{i:05d}", "tool": "comfyui" if i % 2 else "a1111", SPACE.column: v.tolist()}
        for i, v in enumerate(vectors)
    ]
    rows += [{"id": f"none{i}", "tool": "a1111", SPACE.column: None} for i in range(5)]  # nothing to embed
    store.upsert_assets(rows)
    return store


def _overlap(a: list[tuple[str, float]], b: list[tuple[str, float]]) -> float:
    return len({i for i, _ in a} & {i for i, _ in b}) / max(len(a), 1)


def test_indexed_search_matches_exact_search(store: LibraryStore) -> None:
    queries = _clustered(20, seed=1)
    comfy = "tool = 'comfyui'"
    exact = [store.vector_search(SPACE, q, None, 10) for q in queries]
    exact_filtered = [store.vector_search(SPACE, q, comfy, 10) for q in queries]
    assert SPACE.column not in store._ann_columns

    store.optimize()
    assert SPACE.column in store._ann_columns
    indexed = [store.vector_search(SPACE, q, None, 10) for q in queries]
    indexed_filtered = [store.vector_search(SPACE, q, comfy, 10) for q in queries]
    assert np.mean([_overlap(a, b) for a, b in zip(exact, indexed, strict=True)]) >= 0.95
    assert np.mean([_overlap(a, b) for a, b in zip(exact_filtered, indexed_filtered, strict=True)]) >= 0.95
    for a, b in zip(exact, indexed, strict=True):  # scores are exact cosines, re-ranked
        a_scores, b_scores = dict(a), dict(b)
        assert all(abs(a_scores[i] - b_scores[i]) < 1e-6 for i in a_scores.keys() & b_scores.keys())
    for hits in indexed_filtered:
        assert len(hits) == 10 and all(int(i[1:]) % 2 == 1 for i, _ in hits)  # the filter holds
    everything = store.vector_search(SPACE, queries[0], None, 2_000)
    assert len(everything) == 1_200 and not any(i.startswith("none") for i, _ in everything)


def test_rows_added_after_the_index_are_found_at_once(store: LibraryStore) -> None:
    store.optimize()
    fresh = _clustered(1, seed=7)[0]
    store.upsert_assets([{"id": "late", "tool": "a1111", SPACE.column: fresh.tolist()}])
    assert store.vector_search(SPACE, fresh, None, 5)[0] == ("late", pytest.approx(1.0, abs=1e-5))
    assert not store.refresh_indexes()  # one row: searched exactly until a later optimize
    assert store.assets.index_stats(f"{SPACE.column}_idx").num_unindexed_rows == 1
    store.optimize()  # folds it into the index
    assert store.assets.index_stats(f"{SPACE.column}_idx").num_unindexed_rows == 0
    assert store.vector_search(SPACE, fresh, None, 5)[0][0] == "late"


def test_a_write_that_leaves_a_backlog_optimizes(
    store: LibraryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ANN index a large space is due counts as a backlog of every vector it would hold;
    past OPTIMIZE_BACKLOG the write's refresh builds it, below it the write leaves it alone."""
    monkeypatch.setattr(store_module, "OPTIMIZE_BACKLOG", 1_500)
    assert not store.refresh_indexes()
    assert SPACE.column not in store._ann_columns
    monkeypatch.setattr(store_module, "OPTIMIZE_BACKLOG", 1_000)
    assert store.refresh_indexes()
    assert SPACE.column in store._ann_columns
    assert not store.refresh_indexes()  # nothing left to fold in


def test_small_libraries_stay_exact(tmp_path: Path) -> None:
    store = LibraryStore.open(tmp_path / "library", create=True)
    store.set_active([SPACE])
    store.upsert_assets([{"id": f"a{i}", SPACE.column: v.tolist()} for i, v in enumerate(_clustered(50, 2))])
    store.refresh_indexes()
    assert store._ann_columns == set()
