"""One writer per library, across processes: a second writer is refused with the holder's
name, readers never block, a lock left by a killed process is taken over, and repeated rows
that two unlocked writers left are repaired."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import MakeA1111
from latentdam import Library
from latentdam.errors import LibraryBusy
from latentdam.store.lock import FileWriterLock

HOLDER = [sys.executable, "-m", "latentdam.testing.hold_writer_lock"]


def test_a_second_writer_is_refused_by_name_while_readers_go_on(
    library: Library, make_a1111: MakeA1111, other_writer: subprocess.Popen[str]
) -> None:
    make_a1111("fox.png", "a red fox in the snow")
    with pytest.raises(LibraryBusy) as refused:
        library.ingest([Path(library.path).parent / "images"])
    message = str(refused.value)
    assert f"library busy: ingest by PID {other_writer.pid} on {socket.gethostname()} since" in message
    assert "wait or stop it" in message
    assert library.store.count() == 0  # nothing written by the refused writer
    holder = library.writer()
    assert holder is not None and holder.pid == other_writer.pid and holder.operation == "ingest"
    assert library.search("a red fox").results == []  # a reader is never blocked
    with pytest.raises(LibraryBusy):
        library.refresh()
    with pytest.raises(LibraryBusy):
        library.drop_space("visual_descriptor_v1")


def test_a_lock_left_by_a_killed_writer_is_taken_over(
    library: Library,
    make_a1111: MakeA1111,
    other_writer: subprocess.Popen[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    os.kill(other_writer.pid, signal.SIGKILL)
    other_writer.wait(timeout=30)
    assert library.writer() is None  # the file is still there; its holder is not
    make_a1111("fox.png", "a red fox in the snow")
    with caplog.at_level(logging.WARNING, logger="latentdam.store.lock"):
        report = library.ingest([Path(library.path).parent / "images"])
    assert report.added == 1
    assert f"took over the writer lock left by ingest by PID {other_writer.pid}" in caplog.text
    assert library.writer() is None  # released when the ingest ended


def test_one_holder_re_enters_another_library_object_is_refused(library: Library) -> None:
    lock = FileWriterLock(Path(library.path))
    with (
        lock.hold("reembed"),
        lock.hold("refit"),  # an ingest refitting inside itself
        pytest.raises(LibraryBusy, match="reembed by PID"),
        FileWriterLock(Path(library.path)).hold("ingest"),
    ):
        pass
    with FileWriterLock(Path(library.path)).hold("ingest"):  # released: free again
        pass


def test_refresh_repairs_rows_that_two_unlocked_writers_repeated(
    library: Library, make_a1111: MakeA1111
) -> None:
    for i, prompt in enumerate(["a red fox", "a lighthouse at dusk", "a bowl of ramen"]):
        make_a1111(f"img_{i}.png", prompt)
    library.ingest([Path(library.path).parent / "images"])
    store = library.store
    # what two ingests racing over one library used to leave: the same rows inserted twice
    store.assets.add(store.assets.to_arrow().slice(0, 2))
    store.files.add(store.files.to_arrow().slice(0, 2))
    assert store.count() == 5
    report = library.refresh()
    assert (report.duplicate_assets, report.duplicate_files) == (2, 2)
    assert store.count() == 3 == len(set(store.ids()))
    assert int(store.files.count_rows()) == 3
    hits = library.search("a red fox", include_all=True).results
    assert len({h.id for h in hits}) == len(hits) == 3
    assert library.refresh().duplicate_assets == 0  # nothing left to repair


def test_a_repair_interrupted_after_its_delete_finishes_next_time(
    library: Library, make_a1111: MakeA1111
) -> None:
    make_a1111("fox.png", "a red fox")
    library.ingest([Path(library.path).parent / "images"])
    store = library.store
    kept = store.assets.to_arrow()
    # the state a crash between "delete the repeated rows" and "add the kept one" leaves
    store._db.create_table(f"_repair_{store.assets.name}", data=kept)
    store.assets.delete("true")
    assert store.count() == 0
    assert store.repair_duplicates() == (0, 0)
    assert store.ids() == kept["id"].to_pylist()
    assert f"_repair_{store.assets.name}" not in store._db.list_tables().tables
