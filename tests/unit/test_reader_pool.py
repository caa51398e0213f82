"""Files are read in worker processes under a time budget (extract/pool.py): a file that
outlasts it, or kills its worker, costs only that file; the rest land, in order."""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from pathlib import Path

from latentdam import Library, Settings
from latentdam.embed import TextEmbedder
from latentdam.extract import pool
from latentdam.extract.file import ExtractedFile
from latentdam.extract.pool import ReaderPool, ReadOptions, Unreadable
from latentdam.testing import comfyui as graphs
from latentdam.testing.formats import a1111_parameters, make_image, write_png

OPTIONS = ReadOptions(max_pixels=10**8, thumbnail_size=64)


def _slow_graph(path: Path, samplers: int = 20_000) -> Path:
    """A ComfyUI graph of chained samplers: valid, and seconds to read (linear, but long)."""
    graph = graphs.sd15_txt2img()[0]
    previous: list[object] = ["5", 0]
    for i in range(1000, 1000 + samplers):
        graph[str(i)] = {
            "class_type": "KSampler",
            "inputs": {**graph["3"]["inputs"], "latent_image": previous},
        }
        previous = [str(i), 0]
    graph["8"]["inputs"]["samples"] = previous
    return write_png(path, make_image(9), {"prompt": json.dumps(graph)})


def _good(folder: Path, n: int) -> list[Path]:
    return [
        write_png(
            folder / f"good{i}.png", make_image(i), {"parameters": a1111_parameters(f"a lighthouse {i}")}
        )
        for i in range(n)
    ]


def test_files_come_back_in_order_from_several_workers(tmp_path: Path) -> None:
    paths = [str(p) for p in _good(tmp_path, 7)] + [str(tmp_path / "missing.png")]
    out = list(ReaderPool(OPTIONS, workers=2, timeout=60).read(paths))
    assert [p for p, _ in out] == paths
    assert all(isinstance(r, ExtractedFile) for _, r in out[:-1])
    assert isinstance(out[-1][1], Unreadable) and "cannot read file" in out[-1][1].reason
    assert [r.record.prompt for _, r in out[:-1] if isinstance(r, ExtractedFile)] == [
        f"a lighthouse {i}" for i in range(7)
    ]


def test_a_file_past_its_budget_is_skipped_and_its_worker_replaced(tmp_path: Path) -> None:
    slow = str(_slow_graph(tmp_path / "slow.png"))
    good = [str(p) for p in _good(tmp_path, 3)]
    reader = ReaderPool(OPTIONS, workers=1, timeout=0.5)  # one worker: the others wait behind it
    started = time.monotonic()
    out = dict(reader.read([good[0], slow, *good[1:]]))
    assert time.monotonic() - started < 30
    assert isinstance(out[slow], Unreadable) and "longer than 0.5 s" in out[slow].reason
    assert all(isinstance(out[p], ExtractedFile) for p in good)
    # given time, the same file reads
    assert isinstance(dict(ReaderPool(OPTIONS, workers=1, timeout=120).read([slow]))[slow], ExtractedFile)


def test_a_worker_that_dies_costs_only_its_file(tmp_path: Path) -> None:
    slow = str(_slow_graph(tmp_path / "slow.png"))
    good = [str(p) for p in _good(tmp_path, 2)]

    def kill_the_busy_worker() -> None:  # a native crash, or the kernel's OOM killer
        deadline = time.monotonic() + 60
        while not pool._busy_now and time.monotonic() < deadline:
            time.sleep(0.01)
        for worker in list(pool._busy_now):
            os.kill(worker.process.pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_the_busy_worker)
    killer.start()
    out = dict(ReaderPool(OPTIONS, workers=1, timeout=120).read([slow, *good]))
    killer.join()
    assert isinstance(out[slow], Unreadable) and "process died" in out[slow].reason
    assert all(isinstance(out[p], ExtractedFile) for p in good)


def test_ingest_reports_the_file_and_lands_the_rest(tmp_path: Path, text_embedder: TextEmbedder) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    _slow_graph(folder / "slow.png")
    _good(folder, 2)
    settings = Settings(library=tmp_path / "library", batch_size=4, file_timeout=0.5)
    lib = Library.create(settings=settings, embedders=[text_embedder])
    report = lib.ingest([folder])
    assert report.added == 2
    assert [(Path(s.path).name, "time budget" in s.reason) for s in report.failed] == [("slow.png", True)]


def test_no_workers_reads_in_process(tmp_path: Path) -> None:
    paths = [str(p) for p in _good(tmp_path, 2)]
    out = list(ReaderPool(OPTIONS, workers=0, timeout=0.001).read(paths))
    assert all(isinstance(r, ExtractedFile) for _, r in out)
