"""The ingest's stages overlap: the next batch is planned and read while the current one is
embedded and committed (ingest._ReadAhead), and what goes wrong in the read-ahead thread is
raised in the ingesting one, the batches before it kept. Real files, a real store; files are
read in process (read_workers=0) so the test can see which file is being read."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from conftest import MakeA1111
from latentdam import Library, Settings
from latentdam.errors import StoreError
from latentdam.extract import pool


@pytest.fixture
def small_batches(tmp_path: Path, make_a1111: MakeA1111) -> Library:
    for i in range(6):
        make_a1111(f"img_{i}.png", f"a lighthouse in a storm, study {i}")
    return Library.create(settings=Settings(library=tmp_path / "library", batch_size=2, read_workers=0))


def test_the_next_batch_is_read_while_this_one_commits(
    small_batches: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    second_batch_read = threading.Event()
    real_read = pool.read_one

    def read_one(path: str, options: pool.ReadOptions) -> Any:
        if Path(path).name in ("img_2.png", "img_3.png"):
            second_batch_read.set()
        return real_read(path, options)

    store = small_batches.store
    real_upsert = store.upsert_assets
    overlapped: list[bool] = []

    def upsert_assets(rows: list[dict[str, Any]]) -> None:
        if not overlapped:  # the first batch's commit waits for the second batch's read
            overlapped.append(second_batch_read.wait(timeout=20))
        real_upsert(rows)

    monkeypatch.setattr(pool, "read_one", read_one)
    monkeypatch.setattr(store, "upsert_assets", upsert_assets)
    report = small_batches.ingest([tmp_path / "images"])
    assert overlapped == [True]  # sequential stages would have waited out the timeout
    assert report.added == 6 and report.failed == []
    assert set(report.stages) >= {"scan", "read", "embed", "commit", "index", "derived"}


def test_a_failure_in_the_read_ahead_is_raised_and_earlier_batches_kept(
    small_batches: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = small_batches.store
    real_states = store.file_states
    calls: list[int] = []

    def file_states(paths: Any) -> Any:
        calls.append(len(paths))
        if len(calls) == 3:
            raise StoreError("the files table could not be read")
        return real_states(paths)

    monkeypatch.setattr(store, "file_states", file_states)
    with pytest.raises(StoreError, match="could not be read"):
        small_batches.ingest([tmp_path / "images"])
    monkeypatch.undo()
    assert store.count() == 4  # the two batches planned before the failure were committed
    again = small_batches.ingest([tmp_path / "images"])
    assert (again.added, again.unchanged) == (2, 4)
