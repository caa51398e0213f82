"""The job runner a server writes through (jobs/runner.py): jobs run one at a time under the
writer lock, read only under the server's roots, cancel between batches, and are recorded
in the library so a restarted server resumes what it left unfinished."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from conftest import MakeA1111
from latentdam import Library
from latentdam.errors import InvalidQuery, JobNotFound, LibraryBusy, PathNotAllowed
from latentdam.jobs import IngestJob, Job, JobRunner, JobState, RefreshJob, TagJob
from latentdam.store.jobs import JobLog
from latentdam.store.store import LibraryStore


@pytest.fixture
def images(make_a1111: MakeA1111) -> Path:
    for i in range(10):
        path = make_a1111(f"img_{i}.png", f"a lighthouse number {i} on a rocky coast")
    return path.parent


@pytest.fixture
def runner(library: Library, images: Path) -> Iterator[JobRunner]:
    runner = JobRunner(library, roots=[images.parent], save_every=0.0)
    runner.start()
    yield runner
    runner.close()


def _wait(runner: JobRunner, job_id: str, timeout: float = 120.0) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = runner.get(job_id)
        if job.state.finished:
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} still {runner.get(job_id).state} after {timeout} s")


def test_an_ingest_job_runs_and_is_recorded(runner: JobRunner, library: Library, images: Path) -> None:
    job = runner.submit(IngestJob(paths=["images"]), requested_by="abc12345")  # relative to the root
    assert job.state is JobState.QUEUED and job.request.paths == [str(images)]  # type: ignore[union-attr]
    done = _wait(runner, job.id)
    assert done.state is JobState.DONE and (done.total, done.done) == (10, 10)
    assert done.report["added"] == 10 and done.report["failed"] == []
    assert library.store.count() == 10 and done.started_at and done.finished_at
    stored = JobLog(LibraryStore.open(library.path)).get(job.id)  # as another process reads it
    assert stored is not None and Job.model_validate(stored) == done
    assert [j.id for j in runner.list()] == [job.id]


def test_paths_outside_the_roots_are_refused(
    runner: JobRunner, images: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere")
    for path in [
        str(outside),
        "../",
        "images/../../",
        "/etc",
        "%2e%2e/etc",
        "~",
        "~root/x",
        "~0",
        "x" * 4000,
    ]:
        with pytest.raises((PathNotAllowed, InvalidQuery)):
            runner.submit(IngestJob(paths=[path]))
    (images / "escape").symlink_to(outside, target_is_directory=True)
    with pytest.raises(PathNotAllowed, match="outside the folders"):
        runner.submit(IngestJob(paths=["images/escape"]))
    with pytest.raises(InvalidQuery, match="no such file"):
        runner.submit(IngestJob(paths=["images/missing"]))


def test_a_link_inside_a_root_to_a_file_outside_is_not_read(
    runner: JobRunner, images: Path, make_a1111: MakeA1111, library: Library
) -> None:
    secret = make_a1111("secret.png", "a private picture", folder="../private")
    (images / "innocent.png").symlink_to(secret)
    done = _wait(runner, runner.submit(IngestJob(paths=[str(images)])).id)
    assert done.report["added"] == 10
    assert [f["path"] for f in done.report["failed"]] == [str(images / "innocent.png")]
    assert "outside the folders" in done.report["failed"][0]["reason"]


def test_no_roots_no_ingest(library: Library, images: Path) -> None:
    runner = JobRunner(library)
    with pytest.raises(PathNotAllowed, match="--root"):
        runner.submit(IngestJob(paths=[str(images)]))


def test_a_job_is_refused_while_another_process_writes(
    runner: JobRunner, other_writer: subprocess.Popen[str]
) -> None:
    with pytest.raises(LibraryBusy, match=f"ingest by PID {other_writer.pid}"):
        runner.submit(RefreshJob())


def test_cancel_a_queued_and_a_running_job(library: Library, make_a1111: MakeA1111) -> None:
    for i in range(80):
        folder = make_a1111(f"many_{i}.png", f"a hot air balloon number {i}", folder="many").parent
    runner = JobRunner(library, roots=[folder], save_every=0.0)
    queued = runner.submit(IngestJob(paths=[str(folder)]))
    assert runner.cancel(queued.id).state is JobState.CANCELLED  # before the worker started
    running = runner.submit(IngestJob(paths=[str(folder)]))
    runner.start()
    try:
        while (runner.peek(running.id) or runner.get(running.id)).done < 4:
            time.sleep(0.005)
        runner.cancel(running.id)
        job = _wait(runner, running.id)
    finally:
        runner.close()
    assert job.state is JobState.CANCELLED and job.report["cancelled"]
    assert 4 <= job.report["added"] < 80 and library.store.count() == job.report["added"]
    assert runner.get(queued.id).started_at is None  # never ran
    assert runner.cancel(job.id) == job  # a finished job stays as it is


def test_a_restarted_server_resumes_what_a_killed_one_left(library: Library, images: Path) -> None:
    # what the job log holds after a server was killed in the middle of an ingest job
    request = IngestJob(paths=[str(images)])
    killed = Job(id="0123456789abcdef", request=request, created_at=datetime.now(UTC), state=JobState.RUNNING)
    library.ingest(sorted(images.iterdir())[:4])  # the batch it committed before it died
    JobLog(library.store).save(killed.model_dump(mode="json"))

    runner = JobRunner(library, roots=[images], save_every=0.0)
    runner.start()
    try:
        job = _wait(runner, killed.id)
    finally:
        runner.close()
    assert job.state is JobState.DONE and job.resumes == 1
    assert (job.report["added"], job.report["unchanged"]) == (6, 4) and library.store.count() == 10


def test_without_resume_or_roots_unfinished_jobs_are_marked_interrupted(
    library: Library, images: Path
) -> None:
    log = JobLog(library.store)
    for job_id in ("aaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbb"):
        job = Job(id=job_id, request=IngestJob(paths=[str(images)]), created_at=datetime.now(UTC))
        log.save(job.model_dump(mode="json"))
    JobRunner(library, roots=[images], resume=False).start()
    assert JobLog(library.store).get("aaaaaaaaaaaaaaaa")["state"] == "interrupted"  # type: ignore[index]
    log.save(job.model_copy(update={"state": JobState.RUNNING}).model_dump(mode="json"))
    runner = JobRunner(library)  # started without the root the job reads from
    runner.start()
    runner.close()
    stored = runner.get("bbbbbbbbbbbbbbbb")
    assert stored.state is JobState.INTERRUPTED and "--root" in (stored.error or "")
    assert library.store.count() == 0


def test_closing_mid_job_leaves_it_queued_for_the_next_server(
    library: Library, make_a1111: MakeA1111
) -> None:
    for i in range(40):
        folder = make_a1111(f"many_{i}.png", f"a hot air balloon number {i}", folder="many").parent
    first = JobRunner(library, roots=[folder], save_every=0.0)
    first.start()
    job = first.submit(IngestJob(paths=[str(folder)]))
    while (first.peek(job.id) or first.get(job.id)).done < 4:
        time.sleep(0.005)
    first.close()
    left = first.get(job.id)
    assert left.state is JobState.QUEUED and left.report["added"] < 40

    second = JobRunner(library, roots=[folder], save_every=0.0)
    second.start()
    try:
        done = _wait(second, job.id)
    finally:
        second.close()
    assert done.state is JobState.DONE and done.report["added"] + left.report["added"] == 40
    assert library.store.count() == 40 and done.resumes == 0  # it was not running when it stopped


def test_unknown_job(runner: JobRunner) -> None:
    with pytest.raises(JobNotFound, match="no job"):
        runner.get("ffffffffffffffff")


def test_tagging_is_searchable_by_filter_keyword_and_meaning(
    runner: JobRunner, library: Library, images: Path
) -> None:
    _wait(runner, runner.submit(IngestJob(paths=["images"])).id)
    ids = library.store.ids()[:3]
    done = _wait(runner, runner.submit(TagJob(ids=ids, add=["hero shot", "approved"])).id)
    assert done.state is JobState.DONE and done.report["tagged"] == 3 and done.report["reembedded"] == 3
    tagged = {h.id for h in library.search(filters={"tags": ["approved"]}, limit=50).results}
    assert tagged == set(ids)
    keyword = library.search("approved", limit=10, signals=["keyword"], include_all=True)
    assert set(ids) <= {h.id for h in keyword.results}
    assert all("hero shot" in library.store.rows([i], ["id", "embed_text"])[i]["embed_text"] for i in ids)
    again = _wait(runner, runner.submit(TagJob(ids=ids[:1], remove=["approved"], add=["approved"])).id)
    assert again.report["tagged"] == 0  # removed and added back: unchanged
    off = _wait(runner, runner.submit(TagJob(ids=[ids[0][:12]], remove=["approved"])).id)  # a prefix
    assert off.report["tagged"] == 1
    assert {h.id for h in library.search(filters={"tags": ["approved"]}, limit=50).results} == set(ids[1:])
