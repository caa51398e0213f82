"""A library in a bucket, on a real S3 server (SeaweedFS, tests/s3_support.py): the CLI
ingests, searches and optimizes it through `LATENTDAM_LIBRARY=s3://...` and
`LATENTDAM_STORAGE_OPTIONS`; a second process reads what the first wrote; and the writer
lease in the bucket keeps one writer across processes (hosts alike), renewed while held and
taken over once its holder is gone."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import lancedb
import pyarrow as pa
import pytest

from cli_support import run_cli
from conftest import MakeA1111
from latentdam import Library, Settings
from latentdam.errors import LibraryBusy
from latentdam.store import lock as lock_module
from latentdam.testing.dynamodb import COMMIT_TABLE, dynamodb_server
from latentdam.testing.s3 import S3Server, s3_server

pytestmark = pytest.mark.xdist_group("s3")
SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with s3_server(tmp_path_factory.mktemp("seaweedfs")) as running:
        yield running


def _settings(server: S3Server, prefix: str) -> Settings:
    return Settings(library=server.uri(prefix), storage_options=server.storage_options, batch_size=8)


def test_a_library_in_a_bucket_through_the_cli(server: S3Server) -> None:
    uri = server.uri(f"team/{uuid.uuid4().hex[:8]}")
    env = {"LATENTDAM_LIBRARY": uri, "LATENTDAM_STORAGE_OPTIONS": json.dumps(server.storage_options)}
    ingested = json.loads(run_cli("ingest", SAMPLES, "--json", env=env, check=False).stdout)
    assert ingested["added"] >= 20 and ingested["library"] == uri
    found = json.loads(run_cli("search", "a red fox", "--json", env=env).stdout)
    assert found["results"] and "fox" in found["results"][0]["asset"]["record"]["prompt"].lower()

    # another process (a second server, another host) reads what this one wrote
    reader = run_cli("stats", "--json", env=env, own_process=True)
    assert json.loads(reader.stdout)["assets"] == ingested["added"]
    optimized = json.loads(run_cli("optimize", "--json", env=env).stdout)
    assert optimized["assets"] == ingested["added"] and optimized["fragments_after"] >= 1
    with Library.open(settings=Settings(library=uri, storage_options=server.storage_options)) as lib:
        asset = lib.get(found["results"][0]["asset"]["id"])
        assert asset.thumbnail and asset.thumbnail[:4] == b"RIFF"  # thumbnails live in the bucket too


_HOLDER = """
import sys, time
from latentdam.store import lock
lock.LEASE_SECONDS = {lease}
held = lock.writer_lock({uri!r}, {options!r})
with held.hold("ingest"):
    print("held", flush=True)
    time.sleep(600)
"""


def test_the_writer_lease_keeps_one_writer_across_processes(
    server: S3Server, make_a1111: MakeA1111, caplog: pytest.LogCaptureFixture
) -> None:
    settings = _settings(server, f"lease/{uuid.uuid4().hex[:8]}")
    folder = make_a1111("lighthouse.png", "a lighthouse in a storm").parent
    lease = 2.0
    lib = Library.create(settings=settings)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            _HOLDER.format(lease=lease, uri=settings.library, options=server.storage_options),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(LibraryBusy, match=f"ingest by PID {holder.pid}"):
            lib.ingest([folder])
        time.sleep(2 * lease)  # past the lease: only its renewal keeps it
        with pytest.raises(LibraryBusy, match=f"ingest by PID {holder.pid}"):
            lib.ingest([folder])
    finally:
        holder.send_signal(signal.SIGKILL)  # gone without a word: the lease is left behind
        holder.wait(timeout=10)
    assert lib._writer.holder() is not None  # still there until it expires
    time.sleep(lease + 0.5)
    with caplog.at_level("WARNING", logger=lock_module.__name__):
        assert lib.ingest([folder]).added == 1
    assert f"took over the writer lease left by ingest by PID {holder.pid}" in caplog.text
    assert lib._writer.holder() is None  # given back when the ingest ended
    lib.close()


def test_a_library_on_s3_with_its_commits_in_dynamodb(server: S3Server) -> None:
    """`s3+ddb://`: Lance's commit path for stores without conditional puts records each
    commit in a DynamoDB table (moto's server here); the CLI ingests and searches as on s3://,
    and writers racing on one table each land their commit (none lost, none doubled)."""
    with dynamodb_server() as ddb:
        prefix = f"ddb/{uuid.uuid4().hex[:8]}"
        uri = server.uri(prefix).replace("s3://", "s3+ddb://") + f"?ddbTableName={COMMIT_TABLE}"
        options = {**server.storage_options, **ddb.storage_options}
        env = {"LATENTDAM_LIBRARY": uri, "LATENTDAM_STORAGE_OPTIONS": json.dumps(options)}
        ingested = json.loads(run_cli("ingest", SAMPLES / "a1111", "--json", env=env, check=False).stdout)
        assert ingested["added"] >= 8
        found = json.loads(run_cli("search", "a knight in armour", "--json", env=env).stdout)
        assert "knight" in found["results"][0]["asset"]["record"]["prompt"].lower()
        committed = {c["base_uri"] for c in ddb.commits()}
        assert f"{prefix}/assets.lance" in committed and f"{prefix}/files.lance" in committed

        # racing writers, each with its own connection (another process, another host)
        def append(writer: int) -> None:
            table = lancedb.connect(uri, storage_options=options).open_table("race")
            for i in range(5):
                table.add(pa.table({"writer": [writer], "i": [i]}))

        lancedb.connect(uri, storage_options=options).create_table(
            "race", pa.table({"writer": [0], "i": [0]})
        )
        with ThreadPoolExecutor(3) as pool:
            list(pool.map(append, [1, 2, 3]))
        rows = lancedb.connect(uri, storage_options=options).open_table("race").to_arrow()
        assert sorted(zip(rows["writer"].to_pylist(), rows["i"].to_pylist(), strict=True)) == [
            (0, 0),
            *((w, i) for w in (1, 2, 3) for i in range(5)),
        ]
        versions = sorted(int(c["version"]) for c in ddb.commits() if c["base_uri"] == f"{prefix}/race.lance")
        assert versions == list(range(1, 17))  # one commit each, in DynamoDB's order


def test_the_originals_live_in_the_bucket_and_are_served_from_there(server: S3Server, tmp_path: Path) -> None:
    """A bucket library keeps each original beside its tables, by content hash, so a host that
    never saw the ingested folder serves the files (here: the folder is gone)."""
    from fastapi.testclient import TestClient

    from latentdam.api import create_app

    folder = tmp_path / "renders"
    shutil.copytree(SAMPLES / "a1111", folder)
    settings = _settings(server, f"originals/{uuid.uuid4().hex[:8]}")
    with Library.create(settings=settings) as lib:
        lib.ingest([folder])
        shutil.copy(next(folder.glob("*.png")), folder / "the same bytes again.png")
        again = lib.ingest([folder])  # a copy: its object is there already
        assert again.copies == 1 and not again.failed
        originals = lib.store.originals
        assert originals is not None
        files = [p for p in folder.rglob("*") if p.is_file()]
        kept = {p: originals.get(hashlib.sha256(p.read_bytes()).hexdigest()) for p in files}
        assert len(kept) >= 9 and all(kept[p] == p.read_bytes() for p in files)
        found = lib.search("a knight in armour").results[0].asset

    shutil.rmtree(folder)
    with Library.open(settings=settings) as lib, TestClient(create_app(lib.settings, library=lib)) as client:
        served = client.get(f"/v1/assets/{found.id}/file")
    assert served.status_code == 200 and hashlib.sha256(served.content).hexdigest() == found.id
    assert served.headers["content-type"] == f"image/{found.format.lower()}"
