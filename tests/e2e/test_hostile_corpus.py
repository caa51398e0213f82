"""A thousand hostile files (latentdam.testing.hostile: every format and chunk type broken every
way we know, mixed with valid images whose metadata is absurd) ingested by the real CLI under a
3 GiB address-space cap: no crash, no hang, every valid image lands, peak RSS under 3 GiB.

The cap is RLIMIT_AS, what `prlimit --as=3G` sets. Two allocators reserve address space they may
never touch: pyarrow's mimalloc takes a 1 GiB arena up front (ARROW_DEFAULT_MEMORY_POOL=system
leaves it out) and glibc an arena per thread (MALLOC_ARENA_MAX=2); the cap then measures what
ingest really allocates, not what it reserved.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from latentdam import Library, Settings
from latentdam.testing.hostile import write_corpus

CAP = 3 * 2**30
pytestmark = pytest.mark.slow


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP, CAP))


def test_a_thousand_hostile_files_under_a_memory_cap(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "files", 1_000)
    assert len(corpus.files) >= 1_000 and len(corpus.good) >= 500
    library = tmp_path / "library"
    env = os.environ | {
        "ARROW_DEFAULT_MEMORY_POOL": "system",
        "MALLOC_ARENA_MAX": "2",
        "OMP_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    command = [
        sys.executable,
        "-m",
        "latentdam",
        "ingest",
        str(tmp_path / "files"),
        "--library",
        str(library),
        "--json",
    ]
    with (tmp_path / "out.json").open("wb") as out, (tmp_path / "err.txt").open("wb") as err:
        proc = subprocess.Popen(command, stdout=out, stderr=err, env=env, preexec_fn=_capped)
        timer = threading.Timer(900, proc.kill)  # a hang fails below, with the kill's status
        timer.start()
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak, not other tests'
        timer.cancel()
    peak = usage.ru_maxrss * 1024
    errors = (tmp_path / "err.txt").read_text(errors="replace")[-3000:]
    code = os.waitstatus_to_exitcode(status)
    assert code in (0, 1), errors  # 1: files were skipped (the corpus has many); else a crash
    out = (tmp_path / "out.json").read_text()
    report = json.loads(out)
    assert code == (1 if report["failed"] else 0)
    crashed = [f for f in report["failed"] if f["reason"].startswith("unexpected error")]
    assert crashed == []
    stored = Library.open(settings=Settings(library=library)).store.column_rows(None, ["paths"])
    landed = {p for row in stored for p in row["paths"] or []}
    lost = [str(p) for p in corpus.good if str(p) not in landed]
    assert lost == [], f"{len(lost)} valid images did not land: {lost[:5]}"
    assert peak < CAP, f"peak RSS {peak / 2**30:.2f} GiB"
